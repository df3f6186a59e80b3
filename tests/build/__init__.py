"""Tests of the build steps (ratekit.build)."""

import pytest

from ratekit import config


def needs_public_data(folder: str):
    """Skip a test module when the raw public files (``config.PUBLIC_DATA_DIR/<folder>``) are not on this machine."""
    return pytest.mark.skipif(not (config.PUBLIC_DATA_DIR / folder).is_dir(),
                              reason=f"raw public data not found at {config.PUBLIC_DATA_DIR} (set RATEKIT_PUBLIC_DATA)")
