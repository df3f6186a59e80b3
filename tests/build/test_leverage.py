"""Tests for ratekit.build.leverage: the leverage tables rebuild, byte for byte, from the raw public files."""

import pytest

from ratekit import config
from ratekit.build import leverage as build_leverage

pytestmark = pytest.mark.skipif(
    not (config.PUBLIC_DATA_DIR / "places").is_dir(),
    reason=f"raw public data not found at {config.PUBLIC_DATA_DIR} (set RATEKIT_PUBLIC_DATA)")


def test_build_reproduces_the_committed_tables(tmp_path):
    written = build_leverage.build(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in config.LEVERAGE_REFERENCE_DIR.iterdir())
    for path in written:
        committed = config.LEVERAGE_REFERENCE_DIR / path.name
        assert path.read_bytes() == committed.read_bytes(), path.name
