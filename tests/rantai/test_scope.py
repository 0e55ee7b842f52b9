"""What a scoped rerun re-reads from a delivery: `rantai.scope.select_rows` and `scope_for`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from connectors.files import read_folder
from rantai.ingest import validate_load
from rantai.regions import load_gazetteer
from rantai.scope import Scope, file_row_numbers, restrict, scope_for, select_rows
from rantai.stages import evaluate
from tests.chain_folders import (
    BUNGO,
    INHIL,
    INHIL_WORKERS,
    V1,
    V1_WORKERS,
    V2,
    W3,
    claims_load,
    first_load,
)

NO_ENROLLED = pd.DataFrame({"nik": [], "program_id": [], "village_code": []}, dtype=object)


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("first")
    first_load(folder)
    return {name: source.rows for name, source in read_folder(folder).items()}


def ids(rows: pd.DataFrame, column: str) -> list[str]:
    return rows[column].tolist()


def test_one_village_keeps_its_rows_its_districts_transfers_and_its_workers_cover(delivery):
    selected = select_rows(delivery, Scope(codes=(V1,)), NO_ENROLLED)

    assert ids(selected["programs"], "program_id") == ["jambi-bkbk-2025"]
    assert ids(selected["allocations"], "allocation_id") == ["A1"]
    # The district's transfer starts the village's transfer step: it is re-read too.
    assert ids(selected["district_transfers"], "transfer_id") == ["DT1"]
    # VT4 has a bad date: it stays in, to be quarantined with its row number in the file.
    assert ids(selected["village_transfers"], "transfer_id") == ["VT1", "VT4"]
    assert selected["village_transfers"].index.tolist() == [0, 3]
    assert ids(selected["premium_payments"], "payment_id") == ["PAY1", "PAY3", "PAY1"]
    assert set(selected["enrollments"]["nik"]) >= set(V1_WORKERS)
    assert not set(selected["enrollments"]["nik"]) & set(INHIL_WORKERS)
    # Coverage has no region: it follows the enrollments of the village.
    assert sorted(selected["coverage"]["nik"]) == sorted(V1_WORKERS)
    assert list(selected) == list(delivery)


def test_undotted_codes_are_placed_like_dotted_ones(delivery):
    selected = select_rows(delivery, Scope(codes=(V2,)), NO_ENROLLED)

    assert ids(selected["allocations"], "allocation_id") == ["A2"]  # written 1508012002
    assert ids(selected["village_transfers"], "transfer_id") == ["VT2"]
    assert selected["coverage"].empty  # nobody is enrolled in Lubuk Niur


def test_a_district_scope_takes_every_village_inside_it(delivery):
    selected = select_rows(delivery, Scope(codes=(BUNGO,)), NO_ENROLLED)

    assert ids(selected["allocations"], "allocation_id") == ["A1", "A2"]
    # The kelurahan's transfer is inside Bungo too (and will be quarantined NOT_A_DESA).
    assert ids(selected["village_transfers"], "transfer_id") == ["VT1", "VT2", "VT3", "VT4"]


def test_a_kecamatan_scope_takes_its_villages_and_the_rows_of_its_district_above_it(delivery):
    kecamatan = V1[:8]  # 15.08.01, Tanah Tumbuh
    selected = select_rows(delivery, Scope(codes=(kecamatan,)), NO_ENROLLED)

    assert ids(selected["allocations"], "allocation_id") == ["A1", "A2"]
    # The district's transfer starts its villages' transfer steps: it is read too.
    assert ids(selected["district_transfers"], "transfer_id") == ["DT1"]
    # The kelurahan of another kecamatan of Bungo (15.08.03) is not.
    assert ids(selected["village_transfers"], "transfer_id") == ["VT1", "VT2", "VT4"]
    assert sorted(set(selected["coverage"]["nik"])) == sorted(V1_WORKERS)
    assert not set(selected["enrollments"]["nik"]) & set(INHIL_WORKERS)
    assert select_rows(delivery, Scope(codes=("15.08.02",)), NO_ENROLLED)["allocations"].empty


def test_a_kecamatan_scope_keeps_its_villages_cases_and_not_its_districts_own(delivery):
    frames = {
        n: r.valid for n, r in validate_load(delivery, pd.DataFrame(), load_gazetteer()).items()
    }
    evaluation = evaluate(frames, dt.date(2025, 6, 30))
    kecamatan = restrict(evaluation, Scope(codes=(V1[:8],)))
    assert set(kecamatan.cases["unit_code"]) == {V1, V2}
    whole = restrict(evaluation, Scope(codes=(BUNGO,)))
    assert BUNGO in set(whole.cases["unit_code"])  # the district's own step is the district's


def test_programme_and_province_scopes(delivery):
    by_programme = select_rows(delivery, Scope(program_id="inhil-apbd-2025"), NO_ENROLLED)
    assert ids(by_programme["programs"], "program_id") == ["inhil-apbd-2025"]
    assert ids(by_programme["allocations"], "allocation_id") == ["A3"]
    assert sorted(by_programme["coverage"]["nik"]) == sorted(INHIL_WORKERS)

    riau = select_rows(delivery, Scope(province_code="14"), NO_ENROLLED)
    assert ids(riau["programs"], "program_id") == ["inhil-apbd-2025", "inhu-apbdes-2025"]
    assert ids(riau["allocations"], "allocation_id") == ["A3", "A4", "A5", "A6", "A7"]
    assert riau["village_transfers"].empty


def test_coverage_follows_stored_enrollments_when_the_delivery_has_none(delivery):
    without_enrollments = {k: v for k, v in delivery.items() if k != "enrollments"}
    stored = pd.DataFrame(
        {
            "nik": V1_WORKERS[:2] + INHIL_WORKERS[:1],
            "program_id": ["jambi-bkbk-2025"] * 2 + ["inhil-apbd-2025"],
            "village_code": [V1, V1, "14.04.01.2002"],
        },
        dtype=object,
    )

    selected = select_rows(without_enrollments, Scope(codes=(V1,)), stored)

    assert sorted(selected["coverage"]["nik"]) == sorted(V1_WORKERS[:2])


@pytest.fixture(scope="module")
def with_claims(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("claims")
    first_load(folder)
    claims_load(folder)
    return {name: source.rows for name, source in read_folder(folder).items()}


def test_a_village_rerun_keeps_the_claims_of_its_workers_and_no_others(with_claims):
    # Claims carry no region: like cover, they follow their worker's enrolment in the programme.
    selected = select_rows(with_claims, Scope(codes=(V1,)), NO_ENROLLED)
    assert ids(selected["claims"], "claim_id") == ["CLM-1", "CLM-2"]
    assert set(selected["claims"]["nik"]) <= set(V1_WORKERS)
    assert selected["claims"].index.tolist() == [0, 1]  # their rows in the file

    assert select_rows(with_claims, Scope(codes=(V2,)), NO_ENROLLED)["claims"].empty


def test_a_district_rerun_keeps_the_claims_of_the_workers_inside_it(with_claims):
    inhil = select_rows(with_claims, Scope(codes=(INHIL,)), NO_ENROLLED)
    # CLM-4 (PAID without its paid_date) stays in, to be quarantined with its row number.
    assert ids(inhil["claims"], "claim_id") == ["CLM-3", "CLM-4"]
    assert inhil["claims"].index.tolist() == [2, 3]
    bungo = select_rows(with_claims, Scope(codes=(BUNGO,)), NO_ENROLLED)
    assert ids(bungo["claims"], "claim_id") == ["CLM-1", "CLM-2"]


def test_claims_in_programme_and_province_scopes(with_claims):
    by_programme = select_rows(with_claims, Scope(program_id="inhil-apbd-2025"), NO_ENROLLED)
    assert ids(by_programme["claims"], "claim_id") == ["CLM-3", "CLM-4"]
    jambi = select_rows(with_claims, Scope(province_code="15"), NO_ENROLLED)
    assert ids(jambi["claims"], "claim_id") == ["CLM-1", "CLM-2"]


def test_claims_follow_stored_enrollments_when_the_delivery_has_none(with_claims):
    only_claims = {"claims": with_claims["claims"]}
    stored = pd.DataFrame(
        {
            "nik": [V1_WORKERS[1], INHIL_WORKERS[1]],
            "program_id": ["jambi-bkbk-2025", "inhil-apbd-2025"],
            "village_code": [V1, "14.04.01.2002"],
        },
        dtype=object,
    )
    assert ids(select_rows(only_claims, Scope(codes=(V1,)), stored)["claims"], "claim_id") == [
        "CLM-2"
    ]
    assert ids(select_rows(only_claims, Scope(codes=(INHIL,)), stored)["claims"], "claim_id") == [
        "CLM-3"
    ]


def test_a_claim_under_another_programme_than_the_workers_enrolment_is_not_in_scope(
    with_claims,
):
    # The worker (nik, program_id) is what is enrolled in the scope: V1's worker claiming under
    # the Indragiri Hilir programme is that programme's claim, not V1's.
    claims = with_claims["claims"].copy()
    claims.loc[0, "program_id"] = "inhil-apbd-2025"
    raw = {**with_claims, "claims": claims}
    assert ids(select_rows(raw, Scope(codes=(V1,)), NO_ENROLLED)["claims"], "claim_id") == ["CLM-2"]


def test_rows_whose_region_is_not_a_code_are_left_to_the_full_run():
    raw = {
        "allocations": pd.DataFrame(
            {
                "allocation_id": ["A", "B", "C"],
                "program_id": ["p"] * 3,
                "unit_code": [V1, "x", None],
            }
        )
    }
    selected = select_rows(raw, Scope(codes=(V1,)), NO_ENROLLED)
    assert ids(selected["allocations"], "allocation_id") == ["A"]


def test_everything_is_everything(delivery):
    assert select_rows(delivery, Scope(), NO_ENROLLED) == delivery


def test_scope_for_normalises_and_checks_codes():
    gazetteer = load_gazetteer()
    scope = scope_for(gazetteer, "jambi-bkbk-2025", None, ["1508"], ["1508012001", V1])
    assert scope == Scope(program_id="jambi-bkbk-2025", codes=(BUNGO, V1))
    assert scope_for(gazetteer, province_code="14", district_codes=[INHIL]).codes == (INHIL,)
    assert scope_for(gazetteer, village_codes=[W3]).label() == W3
    kecamatan = scope_for(gazetteer, "jambi-bkbk-2025", "15", subdistrict_codes=["150801"])
    assert kecamatan == Scope("jambi-bkbk-2025", "15", ("15.08.01",))

    with pytest.raises(ValueError, match=r"village_codes: '15\.08' is not a village code"):
        scope_for(gazetteer, village_codes=[BUNGO])
    with pytest.raises(ValueError, match=r"district_codes: '99\.99' is not a district"):
        scope_for(gazetteer, district_codes=["99.99"])
    with pytest.raises(ValueError, match=r"15\.08 is outside province 14"):
        scope_for(gazetteer, province_code="14", district_codes=[BUNGO])
    with pytest.raises(ValueError, match=r"subdistrict_codes: '15\.08' is not a subdistrict"):
        scope_for(gazetteer, subdistrict_codes=[BUNGO])
    with pytest.raises(ValueError, match=r"subdistrict_codes: '15\.08\.99' is not a subdistrict"):
        scope_for(gazetteer, subdistrict_codes=["15.08.99"])
    with pytest.raises(ValueError, match="province_code: '1508' is not a province"):
        scope_for(gazetteer, province_code="1508")
    # The Kepmendagri 2025 edition: Papua Selatan is a province; Merauke's code before the
    # 2022 split is retired, and the refusal says so.
    assert scope_for(gazetteer, province_code="93", district_codes=["9301"]).codes == ("93.01",)
    with pytest.raises(
        ValueError,
        match=r"district_codes: '9101' is not a district code in the gazetteer \(expected e\.g\. "
        r"15\.08\): retired in the Kepmendagri 2025 edition; was KAB\. MERAUKE, now 93\.01$",
    ):
        scope_for(gazetteer, district_codes=["9101"])


def test_file_row_numbers_map_positions_in_a_selection_back_to_the_file():
    quarantined = pd.DataFrame({"row_number": [1, 2], "reason": ["BAD_DATE", "NOT_A_DESA"]})
    renumbered = file_row_numbers(quarantined, pd.Index([0, 3]))
    assert renumbered["row_number"].tolist() == [1, 4]
    assert file_row_numbers(quarantined.iloc[0:0], pd.Index([])).empty


def test_a_programme_rerun_re_reads_the_predecessors_it_names():
    # Contract v2: a programme must name a known predecessor. When last year's programme comes
    # in the same delivery, a rerun of this year's re-reads it (and its own predecessor), or
    # this year's would be refused UNKNOWN_PROGRAM where a full run accepts it.
    programs = pd.DataFrame(
        {
            "program_id": ["jambi-2023", "jambi-2024", "jambi-2025", "inhil-2025"],
            "province_code": ["15", "15", "15", "14"],
            "predecessor_id": [None, "jambi-2023", " jambi-2024 ", None],
        },
        dtype=object,
    )
    selected = select_rows({"programs": programs}, Scope(program_id="jambi-2025"), NO_ENROLLED)
    assert ids(selected["programs"], "program_id") == ["jambi-2023", "jambi-2024", "jambi-2025"]
    only_2024 = select_rows({"programs": programs}, Scope(program_id="jambi-2024"), NO_ENROLLED)
    assert ids(only_2024["programs"], "program_id") == ["jambi-2023", "jambi-2024"]
    v1 = programs.drop(columns=["predecessor_id"])
    assert ids(
        select_rows({"programs": v1}, Scope(program_id="jambi-2025"), NO_ENROLLED)["programs"],
        "program_id",
    ) == ["jambi-2025"]


def test_restrict_keeps_the_protection_failures_claims_and_expiring_inside_the_scope(with_claims):
    # Contract v2's frames follow the scope as the stalls do: by programme and unit.
    validated = validate_load(with_claims, pd.DataFrame(), load_gazetteer())
    evaluation = evaluate({k: v.valid for k, v in validated.items()}, dt.date(2025, 6, 30))
    assert set(evaluation.claims["claim_id"]) == {"CLM-1", "CLM-2", "CLM-3"}
    assert {INHIL, V1} <= set(evaluation.protection["unit_code"])

    village = restrict(evaluation, Scope(codes=(V1,)))
    assert list(village.claims["claim_id"]) == ["CLM-1", "CLM-2"]
    assert set(village.protection["unit_code"]) == {V1}
    assert set(village.expiring["unit_code"]) <= {V1}
    assert set(village.failures["unit_code"]) <= {V1}
    inhil = restrict(evaluation, Scope(program_id="inhil-apbd-2025"))
    assert list(inhil.claims["claim_id"]) == ["CLM-3"]
    assert set(inhil.protection["program_id"]) == {"inhil-apbd-2025"}
    riau = restrict(evaluation, Scope(province_code="14"))
    assert list(riau.claims["claim_id"]) == ["CLM-3"]
    assert restrict(evaluation, Scope()) is evaluation
