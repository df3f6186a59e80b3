"""Tests for ratekit.identifiers: the shape of each identifier, matched whole."""

import pytest

from ratekit import identifiers


@pytest.mark.parametrize("pattern, good, bad", [
    (identifiers.ZIP, ["62704", "02134"], ["6270", "627045", "62704-1234", "6270a", " 62704"]),
    (identifiers.LOCALITY, ["01112-05", "06102-99"], ["1112-05", "01112-5", "01112_05", "01112-05 "]),
    (identifiers.COUNTY_FIPS, ["17167", "01001"], ["1716", "17-167"]),
    (identifiers.RELEASE, ["2025D", "2026A"], ["2025E", "2025", "25D", "2025d"]),
    (identifiers.CLIENT_ID, ["springfield-family-medicine", "a", "A_1"], ["", "-a", "_a", ".a", "a/b", "a" * 65]),
])
def test_whole_match(pattern, good, bad):
    assert all(pattern.match(g) for g in good), good
    assert not any(pattern.match(b) for b in bad), bad
