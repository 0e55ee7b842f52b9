"""Realistic contract input folders on the real gazetteer, for demos, tests and benchmarks.

Not part of Rantai's domain: a sample generator beside it, one module per thing it makes
(days, people, places, plans, finance, workers, claims, the story, corrections, rendering, bad
rows, folders, the nation).

The demo replays the five seed situations as a story across fiscal years 2024 and 2025, as the
sources reported it on 2025-11-07 (`DEMO_AS_OF`):

- Jambi (15), BKBK `jambi-bkbk-2024` over every desa: all money reached the districts, but
  at the end of 2024 about 63% of it was still held there (the seed's "up to 70%"); it is
  the predecessor of `jambi-bkbk-2025`: all money at the districts (one or two tranches,
  March-April), only about half the desa received their village transfer (the rest stalled,
  some with a partial tranche); of the desa that received money about 15% sit on it without
  paying premiums. Desa that paid in both years renew last year's workers (same NIK): the new
  cover starts the day after the old one ends when paid in advance, after a lapse otherwise.
- Riau (14): APBD `inhil-apbd-2024` and `inhil-apbd-2025` (its predecessor), Kabupaten
  Indragiri Hilir paying for 2,000 workers since 2024; in 2025 the PKS was signed on
  2025-02-26 and a first 1,500 renewed, their covers meeting; APBDES `inhu-apbdes-2025`, desa of
  Kabupaten Indragiri Hulu paying from Dana Desa, some short or not at all; APBD
  `bengkalis-apbd-2025`: Rp6.1 billion allocated, Rp5.9 billion paid, and three JKM claims of
  Rp42 million paid on 2025-09-22 to heirs in Kelebuk (14.03.01.2022), Prapat Tunggal
  (14.03.01.2025) and Bantan Tua (14.03.02.2003).
- Kalimantan Timur (64): APBDES `kukar-apbdes-2024`, desa of Kabupaten Kutai Kartanegara;
  its Monev on 2024-11-19 handed over two JKM claims and a JKK claim paid that day.
- Any other province: the same three shapes of 2025 (BKBK over its desa, APBD in one district,
  APBDES in another), as far as its gazetteer has desa for them.

Every payment buys 12 months from its `period_start` (one to seven days after the money
arrives); each worker's coverage episode runs over the period of the payment that paid for
them, except the planted faults: a few units' cover activated 15-60 days late, a few recorded
with 6 months of the 12, some workers NON_AKTIF or missing. `claims.csv` holds JKM and JKK
claims of covered workers at about 3 and 5 per 1,000 worker-years (mostly paid within two
weeks, some late, some rejected, recent ones SUBMITTED) and the families the chain failed:
deaths of workers enrolled but never covered, in Jambi desa whose 2025 village transfer
stalled (one claim rejected, one waiting), and a work accident in an unpaid Indragiri Hulu desa.

The demo ships the two optional files of issue 15 (`samples.requests`): `village_requests.csv`,
where every desa of Jambi's BKBK programmes applies for its transfer (a desa paid had its request
complete a few days before its first transfer; of those not paid, about one in four still
lacks a document, so its stalled VILLAGE_TRANSFER is the village's move), and
`branches.csv`: KC Rengat serves Indragiri Hulu and is the parent office of KCP Tembilahan
(Indragiri Hilir), KC Duri serves Bengkalis, KC Muara Bungo serves Bungo and the other Jambi
districts; Kutai Kartanegara has no branch in it. Other provinces have neither file.

Frames hold every value as the text a CSV would carry, with the variety real submissions have
(`DD/MM/YYYY` dates, `Rp 201.600` amounts, undotted codes). A handful of bad rows, each
breaking exactly one contract rule, are extra rows chosen so that quarantining them leaves the
story's stalls unchanged (they come with the 2025 Jambi, Indragiri Hilir and Indragiri Hulu
programmes, or a province's own three):

| source | reason | the row |
| --- | --- | --- |
| allocations | NOT_A_DESA | a BKBK allocation for a kelurahan |
| allocations | INCONSISTENT | a BKBK allocation line with premium_amount > allocated_amount |
| allocations | REGION_MISMATCH | an APBDES allocation for a desa of the next province |
| district_transfers | INCONSISTENT | a district transfer for the APBD programme |
| village_transfers | BAD_DATE | a transfer dated `31/02/2025` to a desa that got nothing |
| village_transfers | DUPLICATE_ID_CONFLICT | one transfer_id twice, different amounts (2 rows) |
| enrollments | INVALID_NIK | a NIK of 15 digits |
| enrollments | UNKNOWN_REGION | a desa's code the Kepmendagri 2025 edition retired (else one no edition had) |
| enrollments | MISSING_FIELD | an empty name |
| premium_payments | BAD_AMOUNT | an amount written `9,475,200` |
| premium_payments | UNKNOWN_PROGRAM | the programme id of two years before |
| premium_payments | REGION_MISMATCH | an APBD payment with a desa as payer |
| premium_payments | BAD_INT | months written `12 bulan` |
| coverage | INCONSISTENT | coverage_end before coverage_start |
| coverage | INCONSISTENT | status `NONAKTIF` |
| claims | INVALID_NIK | a NIK of 15 digits |
| claims | UNKNOWN_PROGRAM | the programme id of two years before |
| claims | INCONSISTENT | event_date after claim_date |
| claims | INCONSISTENT | paid_date before claim_date |
| claims | INCONSISTENT | PAID without paid_amount and paid_date |

The demo has all twenty (21 rows). An `as_of` other than `DEMO_AS_OF` gives the same story as
far as it had been delivered that day: records dated after `as_of` are left out (coverage by its
coverage_start, so a later day brings the covers activated late), and a claim paid after
`as_of` is still SUBMITTED, without its payment.
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
