"""Realistic contract input folders on the real gazetteer, for demos, tests and benchmarks.

Not part of Rantai's domain: a sample generator beside it, one module per thing it makes
(people, places, plans, finance, workers, the story, corrections, rendering, bad rows, the nation).

The story is fiscal year 2025 as the sources reported it on 2025-11-07 (`DEMO_AS_OF`):

- Jambi (15), BKBK `jambi-bkbk-2025` over every desa: all money reached the districts (one or
  two tranches, March-April), but only about half the desa received their village transfer
  (the rest stalled, some with a partial tranche); of the desa that received money about 15%
  sit on it without paying premiums; of those that paid a few have fewer workers active than
  paid, and some coverage rows are NON_AKTIF.
- Riau (14): APBD `inhil-apbd-2025`, Kabupaten Indragiri Hilir paying for 2,000 workers but
  only a first 1,500 so far; APBDES `inhu-apbdes-2025`, desa of Kabupaten Indragiri Hulu
  paying from Dana Desa, some short or not at all, some with coverage gaps.
- Any other province: the same three shapes (BKBK over its desa, APBD in one district,
  APBDES in another), as far as its gazetteer has desa for them.

Frames hold every value as the text a CSV would carry, with the variety real submissions have
(`DD/MM/YYYY` dates, `Rp 201.600` amounts, undotted codes). A handful of bad rows, each
breaking exactly one contract rule, are extra rows chosen so that quarantining them leaves the
story's stalls unchanged:

| source | reason | the row |
| --- | --- | --- |
| allocations | NOT_A_DESA | a BKBK allocation for a kelurahan |
| allocations | INCONSISTENT | a BKBK allocation line with premium_amount > allocated_amount |
| allocations | REGION_MISMATCH | an APBDES allocation for a desa of the next province |
| district_transfers | INCONSISTENT | a district transfer for the APBD programme |
| village_transfers | BAD_DATE | a transfer dated `31/02/2025` to a desa that got nothing |
| village_transfers | DUPLICATE_ID_CONFLICT | one transfer_id twice, different amounts (2 rows) |
| enrollments | INVALID_NIK | a NIK of 15 digits |
| enrollments | UNKNOWN_REGION | a village code that is not in the gazetteer |
| enrollments | MISSING_FIELD | an empty name |
| premium_payments | BAD_AMOUNT | an amount written `9,475,200` |
| premium_payments | UNKNOWN_PROGRAM | last year's programme id |
| premium_payments | REGION_MISMATCH | an APBD payment with a desa as payer |
| premium_payments | BAD_INT | months written `12 bulan` |
| coverage | INCONSISTENT | coverage_end before coverage_start |
| coverage | INCONSISTENT | status `NONAKTIF` |

The first nine BKBK rows come with a BKBK programme, the APBD and APBDES ones with theirs; the
demo has all fifteen (16 rows). An `as_of` other than `DEMO_AS_OF` gives the same story as far
as it was known that day: records dated after `as_of` are left out.
"""

from __future__ import annotations

from samples.days import DEMO_AS_OF, FISCAL_YEAR
from samples.folders import generate_demo, generate_province, write_folder
from samples.national import (
    NATIONAL_WORKERS,
    generate_national,
    national_plans,
    national_province,
    write_national,
)

__all__ = [
    "DEMO_AS_OF",
    "FISCAL_YEAR",
    "NATIONAL_WORKERS",
    "generate_demo",
    "generate_national",
    "generate_province",
    "national_plans",
    "national_province",
    "write_folder",
    "write_national",
]
