"""Limiting the market to providers by place and specialty from an NPPES extract."""

from __future__ import annotations

import pytest

from ratekit.errors import RatekitError
from ratekit.market import nppes

HEADER = ('"NPI","Entity Type Code","Provider Business Practice Location Address State Name",'
          '"Provider Business Practice Location Address Postal Code","Healthcare Provider Taxonomy Code_1",'
          '"Healthcare Provider Taxonomy Code_2"')
ROWS = [
    '"1000000001","1","IL","627041234","207Q00000X",""',   # family medicine, Springfield IL
    '"1000000002","1","IL","60601","207N00000X",""',        # dermatology, Chicago
    '"1000000003","1","IL","62701","363L00000X","207QA0505X"',  # NP, second taxonomy adult medicine
    '"1000000004","1","MO","63101","207Q00000X",""',        # family medicine, St. Louis
    '"1000000005","2","IL","62704","208D00000X",""',        # general practice
]


@pytest.fixture
def extract(tmp_path):
    path = tmp_path / "npidata_pfile_extract.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n")
    return path


def test_state_and_specialty(extract):
    got = nppes.read_nppes(extract, specialty="family_medicine", state="il")
    assert got.npis == {1000000001, 1000000003, 1000000005}
    assert got.description == "3 NPIs practising in IL with a family medicine taxonomy (NPPES file " \
                              "npidata_pfile_extract.csv)"


def test_zip3(extract):
    assert nppes.read_nppes(extract, specialty="family_medicine", zip3="627").npis == {1000000001, 1000000003,
                                                                                       1000000005}
    assert nppes.read_nppes(extract, specialty="dermatology", zip3="606").npis == {1000000002}
    assert nppes.read_nppes(extract, specialty="cardiology", state="IL").npis == frozenset()


def test_headers_are_matched_loosely(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("npi,provider_business_practice_location_address_state_name,"
                    "PROVIDER BUSINESS PRACTICE LOCATION ADDRESS POSTAL CODE,healthcare_provider_taxonomy_code_1\n"
                    "1000000009,TX,78701,207N00000X\n")
    assert nppes.read_nppes(path, specialty="dermatology", state="TX").npis == {1000000009}


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("NPI,Provider Business Practice Location Address State Name\n1,IL\n")
    with pytest.raises(RatekitError, match="no column 'Provider Business Practice Location Address Postal Code'"):
        nppes.read_nppes(path, specialty="dermatology", state="IL")


def test_every_specialty_has_taxonomies():
    from ratekit.client import SPECIALTIES

    assert set(nppes.SPECIALTY_TAXONOMIES) == set(SPECIALTIES)
    for codes in nppes.SPECIALTY_TAXONOMIES.values():
        assert codes and all(len(c) == 10 and c.endswith("X") for c in codes)


def test_bad_arguments(extract):
    with pytest.raises(RatekitError, match="no taxonomy list"):
        nppes.read_nppes(extract, specialty="astrology", state="IL")
    with pytest.raises(RatekitError, match="state or its ZIP3"):
        nppes.read_nppes(extract, specialty="dermatology")
