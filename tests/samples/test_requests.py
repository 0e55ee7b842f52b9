"""The demo's optional files of issue 15: the Jambi villages' requests for their BKBK transfer
and the BPJS branches of the demo's districts."""

from __future__ import annotations

import pandas as pd
import pytest

from rantai.regions import load_gazetteer, normalise_codes
from rantai.validate import validate
from samples import DEMO_AS_OF, generate_demo, generate_province
from tests.samples.test_folders import parse_dates

GAZETTEER = load_gazetteer()


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    return generate_demo()


def test_every_jambi_bkbk_desa_applied_and_every_request_is_valid(demo) -> None:
    programs = validate("programs", demo["programs"], None, GAZETTEER).valid
    result = validate("village_requests", demo["village_requests"], programs, GAZETTEER)
    assert result.quarantine.empty
    requests = result.valid
    assert set(requests["program_id"]) == {"jambi-bkbk-2024", "jambi-bkbk-2025"}
    # Every desa with a (valid) allocation applied, and only those.
    allocations = validate("allocations", demo["allocations"], programs, GAZETTEER).valid
    for programme in ("jambi-bkbk-2024", "jambi-bkbk-2025"):
        allocated = allocations.loc[allocations["program_id"] == programme, "unit_code"]
        mine = requests.loc[requests["program_id"] == programme, "village_code"]
        assert set(mine) == set(allocated)
        assert mine.is_unique


def test_paid_villages_were_complete_before_their_first_transfer_a_few_are_not(demo) -> None:
    requests = demo["village_requests"].assign(
        village_code=lambda f: normalise_codes(f["village_code"]),
        complete=lambda f: parse_dates(f["complete_date"]),
        submitted=lambda f: parse_dates(f["submitted_date"]),
    )
    # The transfers that load (the bad rows' are quarantined).
    programs = validate("programs", demo["programs"], None, GAZETTEER).valid
    transfers = validate("village_transfers", demo["village_transfers"], programs, GAZETTEER).valid
    transfers = transfers.rename(columns={"transfer_date": "day"})
    first = transfers.groupby(["program_id", "village_code"])["day"].min()
    joined = requests.join(first, on=["program_id", "village_code"])
    paid = joined.loc[joined["day"].notna()]
    assert len(paid) > 100
    assert (paid["complete"] < paid["day"]).all()
    assert (joined["submitted"] <= joined["complete"]).where(joined["complete"].notna(), True).all()
    incomplete = joined.loc[joined["complete"].isna()]
    assert 0 < len(incomplete) < len(joined) / 4
    assert incomplete["missing_documents"].str.len().gt(0).all()
    assert (joined.loc[joined["complete"].notna(), "missing_documents"] == "").all()


def test_the_branches_seed(demo) -> None:
    branches = demo["branches"].assign(district=lambda f: normalise_codes(f["district_code"]))
    assert validate("branches", demo["branches"], None, GAZETTEER).quarantine.empty
    serving = dict(zip(branches["district"], branches["branch_code"], strict=True))
    assert serving["14.02"] == "KC-RENGAT"  # Indragiri Hulu
    assert serving["14.04"] == "KCP-TEMBILAHAN"  # Indragiri Hilir
    assert serving["14.03"] == "KC-DURI"  # Bengkalis
    assert serving["15.08"] == "KC-MUARA-BUNGO"  # Bungo
    parent = dict(zip(branches["branch_code"], branches["parent_branch_code"], strict=True))
    assert parent["KCP-TEMBILAHAN"] == "KC-RENGAT"
    assert "64.02" not in serving  # Kutai Kartanegara: no branch known


def test_other_provinces_have_neither_file() -> None:
    frames = generate_province("21", 1, DEMO_AS_OF)
    assert frames["village_requests"].empty and frames["branches"].empty
