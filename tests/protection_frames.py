"""Hand-made v2 frames (what `Evaluation.protection` and `Evaluation.failures` hold, V2.md "The
frames"), on the units of tests/chain_folders.py: the outputs, the run page and the events are
built and tested on these while the engine that fills them is written."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from rantai.records import JKM_BENEFIT
from rantai.stages import FAILURE_COLUMNS, FAILURE_PLACE_COLUMNS, PROTECTION_COLUMNS
from tests.chain_folders import BUNGO, INHIL, V1, V2

AS_OF = dt.date(2025, 6, 30)


def failures(*claim_ids: str) -> pd.DataFrame:
    """Protection failures as the engine gives them (sorted event_date, claim_id): a death in
    Lubuk Niur while its village transfer was 21 days overdue (JKM, Rp42 million), and a work
    accident in Indragiri Hilir while BPJS had not activated the paid cover (JKK, not yet
    paid: its benefit is unknown). `claim_ids` rename the claims in that order."""
    names = list(claim_ids) or ["KLM-0001", "KLM-0002"]
    frame = pd.DataFrame(
        {
            "claim_id": names[:2],
            "program_id": ["jambi-bkbk-2025", "inhil-apbd-2025"],
            "unit_code": [V2, INHIL],
            "benefit": ["JKM", "JKK"],
            "event_date": [dt.date(2025, 4, 2), dt.date(2025, 5, 29)],
            "status": ["SUBMITTED", "SUBMITTED"],
            "blocking_stage": ["VILLAGE_TRANSFER", "COVERAGE_ACTIVATION"],
            "days_overdue_on_event": [21, 2],
            "benefit_at_stake": pd.array([JKM_BENEFIT, pd.NA], dtype="Int64"),
            "responsible": ["DISTRICT", "BPJS"],
            "funding_source": ["BKBK", "APBD"],
            "province_code": ["15", "14"],
            "district_code": [BUNGO, INHIL],
            "branch_code": ["", ""],  # no branches known
        }
    )
    return frame[FAILURE_COLUMNS + FAILURE_PLACE_COLUMNS]


def no_failures() -> pd.DataFrame:
    return failures().iloc[0:0]


def protection() -> pd.DataFrame:
    """protection.csv rows of two units, as of AS_OF."""
    frame = pd.DataFrame(
        {
            "as_of": [AS_OF, AS_OF],
            "program_id": ["jambi-bkbk-2025", "jambi-bkbk-2025"],
            "funding_source": ["BKBK", "BKBK"],
            "province_code": ["15", "15"],
            "district_code": [BUNGO, BUNGO],
            "unit_code": [V1, V2],
            "workers_targeted": [20, 10],
            "workers_paid": [10, 0],
            "workers_activated": [8, 0],
            "workers_covered": [8, 0],
            "workers_lapsed": [0, 0],
            "workers_expiring_30d": [0, 0],
            "paid_worker_months": [120, 0],
            "covered_worker_months": [72, 0],
            "uncovered_worker_days": [2_100, 1_810],
        }
    )
    return frame[PROTECTION_COLUMNS]
