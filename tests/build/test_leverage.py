"""Tests for ratekit.build.leverage: the leverage tables rebuild, byte for byte, from the raw public files."""

from ratekit import config
from ratekit.build import leverage as build_leverage

from . import needs_public_data

pytestmark = needs_public_data("places")


def test_build_reproduces_the_committed_tables(tmp_path):
    written = build_leverage.build(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in config.LEVERAGE_REFERENCE_DIR.iterdir())
    for path in written:
        committed = config.LEVERAGE_REFERENCE_DIR / path.name
        assert path.read_bytes() == committed.read_bytes(), path.name
