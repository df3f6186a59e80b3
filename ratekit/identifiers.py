"""The shapes of the identifiers in ratekit's inputs: client ids, ZIP codes, Medicare localities and releases, FIPS.

One compiled pattern each, used wherever an identifier is checked (client.yaml, the papermill parameters).
They are full matches: ``ZIP.match("62704")`` is true, ``ZIP.match("62704-1234")`` is not.
"""

from __future__ import annotations

import re

#: A client's folder name: letters, digits, ``_`` and ``-``, at most 64, not starting with ``_`` or ``-`` (nor
#: ``.``), so it can never name a folder outside ``reports/``.
CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
#: A 5-digit ZIP code (CMS's ZIP5 file maps each to a Medicare locality).
ZIP = re.compile(r"^\d{5}$")
#: A Medicare locality as client.yaml writes it, ``MAC-LL``: a 5-digit MAC number and a 2-digit locality.
LOCALITY = re.compile(r"^(\d{5})-(\d{2})$")
#: A county's 5-digit FIPS code (2-digit state, 3-digit county).
COUNTY_FIPS = re.compile(r"^\d{5}$")
#: A Medicare PFS release, ``YYYYQ``: the year and CMS's quarter letter A-D (``2025D``).
RELEASE = re.compile(r"^\d{4}[A-D]$")
