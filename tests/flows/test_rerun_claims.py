"""Scoped reruns and claims (contract v2), on a real Prefect server: claims carry no region, so
a village or district rerun re-reads the claims of the workers enrolled in its scope, and no
others; each rerun's quarantine names only its scope's bad claims, numbered as in the file."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from flows.daily import daily_chain
from flows.rerun import rerun
from rantai.store.engine import engine_for
from rantai.store.schema import source_tables
from tests.chain_folders import INHIL, V1, V1_WORKERS, claims_load, first_load

pytestmark = pytest.mark.usefixtures("prefect_server")

AS_OF = dt.date(2025, 6, 30)


def stored_claims(db_url: str) -> list[tuple[str, str, str]]:
    claims = source_tables["claims"]
    with engine_for(db_url).connect() as conn:
        query = select(claims.c.claim_id, claims.c.nik, claims.c.status).order_by(claims.c.claim_id)
        return [tuple(row) for row in conn.execute(query)]


def quarantined(out: Path) -> list[tuple[str, str, str, str]]:
    with (out / "quarantine.csv").open(newline="", encoding="utf-8") as handle:
        return [
            (r["source"], r["row_number"], r["record_id"], r["reason"])
            for r in csv.DictReader(handle)
            if r["source"] == "claims"
        ]


def claim_stalls(out: Path) -> list[tuple[str, str, str]]:
    with (out / "stalls.csv").open(newline="", encoding="utf-8") as handle:
        return [
            (r["unit_code"], r["case_id"], r["amount_at_stake"])
            for r in csv.DictReader(handle)
            if r["stage"] == "CLAIM_PAYMENT"
        ]


def test_village_and_district_reruns_keep_the_claims_of_their_workers_only(tmp_path, db_url):
    before, after = tmp_path / "before", tmp_path / "after"
    first_load(before)  # the daily run knew no claims yet
    first_load(after)
    claims_load(after)  # then BPJS reported claims from Pedukun and Indragiri Hilir
    daily = daily_chain(
        input_dir=str(before),
        as_of=AS_OF,
        out_dir=str(tmp_path / "daily"),
        db_url=db_url,
        return_state=True,
    )
    assert daily.name == "Stalled"
    assert stored_claims(db_url) == []

    village = rerun(
        source=str(after),
        as_of=AS_OF,
        village_codes=[V1],
        out_dir=str(tmp_path / "village"),
        db_url=db_url,
        return_state=True,
    )
    assert not village.is_crashed(), village.message
    # Pedukun's two claims, and not Indragiri Hilir's (its workers are outside the village).
    assert stored_claims(db_url) == [
        ("CLM-1", V1_WORKERS[0], "PAID"),
        ("CLM-2", V1_WORKERS[1], "SUBMITTED"),
    ]
    assert quarantined(tmp_path / "village") == []
    # CLM-2 (JKM, filed 2025-06-03, 14 days to pay) is the village's overdue claim, by its id.
    assert claim_stalls(tmp_path / "village") == [("15.08.01.2001", "CLM-2", "42000000")]

    district = rerun(
        source=str(after),
        as_of=AS_OF,
        district_codes=[INHIL],
        out_dir=str(tmp_path / "district"),
        db_url=db_url,
        return_state=True,
    )
    assert not district.is_crashed(), district.message
    assert [c[0] for c in stored_claims(db_url)] == ["CLM-1", "CLM-2", "CLM-3"]
    # CLM-4 (PAID without its paid_date) is the district's, quarantined with its row in the file.
    assert quarantined(tmp_path / "district") == [("claims", "4", "CLM-4", "INCONSISTENT")]
    # CLM-3 was rejected (decided): no claim of the district is waiting.
    assert claim_stalls(tmp_path / "district") == []
