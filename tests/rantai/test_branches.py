"""The BPJS branch of each case, stall and protection failure (issue 15): the branch serving
its unit's district in branches.csv, "" when none is known."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rantai.branches import branch_of
from rantai.report import stall_rows, who_must_act
from tests.rantai.test_stages import (
    BUNGO,
    INHIL,
    INHIL_APBD,
    JAMBI,
    JAMBI_BKBK,
    PEDUKUN,
    RIAU,
    allocation,
    bungo_allocations,
    district_transfer,
    enrollment,
    nik,
    program,
    run,
)
from tests.rantai.test_stages_v2 import claim


def branch(code: str, district: str, parent: str | None = None) -> dict[str, Any]:
    return {
        "branch_code": code,
        "name": code,
        "parent_branch_code": parent,
        "district_code": district,
    }


def test_a_code_s_branch_is_its_district_s() -> None:
    branches = pd.DataFrame([branch("KC-MUARA-BUNGO", BUNGO), branch("KCP-TEMBILAHAN", INHIL)])
    codes = pd.Series([PEDUKUN, BUNGO, "15.08.01", INHIL, "14.02.01.2001", None], dtype=object)
    assert branch_of(codes, branches).tolist() == [
        "KC-MUARA-BUNGO",
        "KC-MUARA-BUNGO",
        "KC-MUARA-BUNGO",
        "KCP-TEMBILAHAN",
        "",  # Indragiri Hulu has no branch in this file
        "",
    ]
    assert branch_of(codes, None).tolist() == [""] * 6
    assert branch_of(codes, pd.DataFrame(columns=["branch_code", "district_code"])).tolist() == (
        [""] * 6
    )


def _evaluation(**more: list[dict[str, Any]]) -> Any:
    return run(
        "2025-06-01",
        programs=[program(JAMBI_BKBK, "BKBK", JAMBI), program(INHIL_APBD, "APBD", RIAU)],
        allocations=[
            *bungo_allocations(),
            allocation(INHIL_APBD, INHIL, 10**9, 403_200_000, 2_000, "2025-01-02"),
        ],
        district_transfers=[district_transfer(JAMBI_BKBK, BUNGO, 160_000_000, "2025-01-15")],
        enrollments=[enrollment(nik(1), PEDUKUN, JAMBI_BKBK, "2025-01-05")],
        claims=[claim("C1", nik(1), JAMBI_BKBK, "JKM", "2025-03-01", "2025-05-01")],
        **more,
    )


def test_cases_stalls_and_failures_carry_their_branch() -> None:
    result = _evaluation(branches=[branch("KC-MUARA-BUNGO", BUNGO)])
    by_district = result.cases.groupby("district_code")["branch_code"].unique()
    assert list(by_district[BUNGO]) == ["KC-MUARA-BUNGO"]
    assert list(by_district[INHIL]) == [""]
    assert set(zip(result.stalls["district_code"], result.stalls["branch_code"], strict=True)) == {
        (BUNGO, "KC-MUARA-BUNGO"),
        (INHIL, ""),
    }
    assert result.failures["branch_code"].tolist() == ["KC-MUARA-BUNGO"]
    # Without branches.csv, no branch anywhere.
    bare = _evaluation()
    assert set(bare.cases["branch_code"]) == {""}
    assert set(bare.stalls["branch_code"]) == {""}
    assert bare.failures["branch_code"].tolist() == [""]


def test_the_run_page_names_bpjs_by_its_branch() -> None:
    assert who_must_act("BPJS", "KC-DURI") == "BPJS KC-DURI"
    assert who_must_act("BPJS", "") == "BPJS"
    assert who_must_act("DISTRICT", "KC-DURI") == "DISTRICT"
    # Issue 15: a village's own transfer waits for its complete request.
    assert who_must_act("VILLAGE", "", "VILLAGE_TRANSFER") == "VILLAGE: no complete request yet"
    assert who_must_act("VILLAGE", "KC-DURI", "PREMIUM_PAYMENT") == "VILLAGE"
    result = _evaluation(branches=[branch("KC-MUARA-BUNGO", BUNGO)])
    shown = {row["who_must_act"] for row in stall_rows(result.stalls, {}, 50)}
    assert "BPJS KC-MUARA-BUNGO" in shown
