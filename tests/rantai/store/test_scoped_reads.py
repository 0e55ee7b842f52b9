"""Scoped reads: a rerun for some villages or districts reads only their rows, and judges their
cases exactly as a run over everything would; a table that holds just what was loaded is taken
from memory, and read from the store as soon as it holds anything else."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from connectors.files import read_folder
from rantai.ingest import validate_load
from rantai.regions import load_gazetteer
from rantai.scope import Scope, restrict
from rantai.stages import COLUMNS_USED, evaluate
from rantai.store.engine import engine_for
from rantai.store.load import load_source, new_batch
from rantai.store.queries import Loaded, read_enrolled, read_frames
from samples import DEMO_AS_OF, generate_demo
from tests.chain_folders import (
    BUNGO,
    INHIL,
    REQUEST_HEADER,
    V1,
    V2,
    claims_load,
    first_load,
    write,
)

CASE_KEY = ["program_id", "unit_code", "stage"]


@pytest.fixture(scope="module")
def demo_validated():
    frames = generate_demo(seed=11)
    return validate_load(frames, pd.DataFrame(), load_gazetteer())


def store(db_url: str, validated) -> dict[str, Loaded]:  # type: ignore[no-untyped-def]
    loaded = {}
    with engine_for(db_url).begin() as conn:
        for name, result in validated.items():
            batch = new_batch(conn, "run", name, "demo", "0" * 64, len(result.valid))
            report = load_source(conn, name, batch, result.valid, result.quarantine, 0)
            assert report.fingerprint is not None
            loaded[name] = Loaded(result.valid, report.fingerprint)
    return loaded


def cases(frames: dict[str, pd.DataFrame], scope: Scope) -> pd.DataFrame:
    evaluation = restrict(evaluate(frames, DEMO_AS_OF), scope)
    return evaluation.cases.sort_values(CASE_KEY).reset_index(drop=True)


def test_a_scoped_read_judges_its_cases_as_a_full_read_does(db_url, demo_validated):
    store(db_url, demo_validated)
    with engine_for(db_url).connect() as conn:
        everything = read_frames(conn, Scope(), COLUMNS_USED)
        stalled = cases(everything, Scope())
        stalled = stalled[stalled["stalled"]]
        # Stalled villages (an APBD programme's unit is its district, e.g. Bengkalis 14.03).
        in_village = stalled["unit_code"].str.len() == 13
        villages = [
            stalled.loc[in_village & (stalled["stage"] == stage), "unit_code"].iloc[0]
            for stage in ("VILLAGE_TRANSFER", "PREMIUM_PAYMENT", "COVERAGE_ACTIVATION")
        ]
        scopes = [
            Scope(codes=(villages[0],)),
            Scope(codes=tuple(sorted(set(villages)))),
            Scope(codes=("14.04",)),  # the APBD district, its case and its desa
            Scope(program_id="jambi-bkbk-2025", codes=(villages[0][:5],)),
        ]
        for scope in scopes:
            scoped = read_frames(conn, scope, COLUMNS_USED)
            expected = cases(everything, scope)
            assert len(expected), scope
            pd.testing.assert_frame_equal(cases(scoped, scope), expected, obj=str(scope))
            # Only the rows that bear on the scope were read: a few villages' or one district's.
            share = 100 if all(len(code) == 13 for code in scope.codes) else 3
            for name in ("allocations", "enrollments", "coverage"):
                assert len(scoped[name]) < len(everything[name]) / share, (scope, name)


def test_enrolled_workers_of_a_scope(db_url, demo_validated):
    store(db_url, demo_validated)
    enrolled = demo_validated["enrollments"].valid
    village = enrolled["village_code"].iloc[0]
    with engine_for(db_url).connect() as conn:
        rows = read_enrolled(conn, Scope(codes=(village,)))
        province = read_enrolled(conn, Scope(province_code="14"))
    assert sorted(rows["nik"]) == sorted(enrolled.loc[enrolled["village_code"] == village, "nik"])
    assert list(rows.columns) == ["nik", "program_id", "village_code"]
    assert len(province) == enrolled["village_code"].str.startswith("14.").sum()


def test_loaded_records_are_read_from_memory_only_while_the_store_holds_just_them(
    db_url, demo_validated
):
    loaded = store(db_url, demo_validated)
    with engine_for(db_url).connect() as conn:
        from_store = read_frames(conn, Scope(), COLUMNS_USED)
        from_memory = read_frames(conn, Scope(), COLUMNS_USED, loaded)
    for name, frame in from_store.items():
        left = frame.sort_values(list(frame.columns)).reset_index(drop=True)
        right = from_memory[name].sort_values(list(frame.columns)).reset_index(drop=True)
        pd.testing.assert_frame_equal(left, right, obj=name)
    assert (
        cases(from_memory, Scope()).equals(cases(from_store, Scope()))
        and evaluate(from_memory, DEMO_AS_OF).programs == evaluate(from_store, DEMO_AS_OF).programs
    )

    # Another load changes a payment: the store no longer holds just what was loaded.
    payments = demo_validated["premium_payments"].valid.head(1).copy()
    payments["paid_date"] = pd.Timestamp(dt.date(2025, 1, 2))
    with engine_for(db_url).begin() as conn:
        batch = new_batch(conn, "run2", "premium_payments", "fix", "1" * 64, 1)
        load_source(conn, "premium_payments", batch, payments, pd.DataFrame(), 1)
    with engine_for(db_url).connect() as conn:
        again = read_frames(conn, Scope(), COLUMNS_USED, loaded)
    changed = again["premium_payments"]
    fixed = changed["paid_date"][changed["program_id"] == payments["program_id"].iloc[0]]
    assert pd.Timestamp(dt.date(2025, 1, 2)) in set(fixed)


@pytest.fixture(scope="module")
def chain_with_claims(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("claims")
    first_load(folder)
    claims_load(folder)
    raw = {name: source.rows for name, source in read_folder(folder).items()}
    return validate_load(raw, pd.DataFrame(), load_gazetteer())


@pytest.mark.parametrize(
    ("scope", "claims"),
    [
        (Scope(codes=(V1,)), ["CLM-1", "CLM-2"]),
        (Scope(codes=(V2,)), []),  # nobody is enrolled in Lubuk Niur
        (Scope(codes=(BUNGO,)), ["CLM-1", "CLM-2"]),
        (Scope(codes=(INHIL,)), ["CLM-3"]),  # CLM-4 was quarantined
        (Scope(codes=(V1, INHIL)), ["CLM-1", "CLM-2", "CLM-3"]),
        (Scope(program_id="inhil-apbd-2025", codes=(INHIL,)), ["CLM-3"]),
        (Scope(program_id="jambi-bkbk-2025", codes=(INHIL,)), []),
    ],
)
def test_a_scoped_read_keeps_the_claims_of_the_scopes_workers_and_no_others(
    db_url, chain_with_claims, scope, claims
):
    # Claims carry no region: they follow their worker's enrolment, as cover does.
    store(db_url, chain_with_claims)
    with engine_for(db_url).connect() as conn:
        everything = read_frames(conn, Scope())
        scoped = read_frames(conn, scope)
        columns = read_frames(conn, scope, {"claims": ["claim_id", "nik", "program_id"]})
    assert sorted(everything["claims"]["claim_id"]) == ["CLM-1", "CLM-2", "CLM-3"]
    assert sorted(scoped["claims"]["claim_id"]) == claims
    assert sorted(columns["claims"]["claim_id"]) == claims
    workers = set(scoped["enrollments"]["nik"])
    assert set(scoped["claims"]["nik"]) <= workers


def test_a_claim_follows_the_enrolment_in_its_own_programme(db_url):
    # A worker enrolled in Pedukun for 2024 moved to Lubuk Niur for 2025 and claims under 2025:
    # the claim is Lubuk Niur's. Both programmes have allocations in both villages, so only the
    # enrolment in the claim's programme places it.
    worker = "1508010101900001"
    programs = pd.DataFrame(
        {
            "program_id": ["jambi-2024", "jambi-2025"],
            "funding_source": ["BKBK", "BKBK"],
            "province_code": ["15", "15"],
            "fiscal_year": ["2024", "2025"],
            "name": ["BKBK 2024", "BKBK 2025"],
        },
        dtype=object,
    )
    allocations = pd.DataFrame(
        [
            {
                "allocation_id": f"{program}-{village}",
                "program_id": program,
                "unit_code": village,
                "allocated_amount": "201600",
                "premium_amount": "201600",
                "target_workers": "1",
                "months": "12",
                "decree_date": "2025-01-15",
            }
            for program in ("jambi-2024", "jambi-2025")
            for village in (V1, V2)
        ],
        dtype=object,
    )
    enrollments = pd.DataFrame(
        {
            "nik": [worker, worker],
            "name": ["Pekerja", "Pekerja"],
            "village_code": [V1, V2],
            "occupation": ["petani", "petani"],
            "program_id": ["jambi-2024", "jambi-2025"],
            "registered_date": ["2024-02-01", "2025-02-01"],
        },
        dtype=object,
    )
    claims = pd.DataFrame(
        [
            {
                "claim_id": "CLM-MOVED",
                "nik": worker,
                "program_id": "jambi-2025",
                "benefit": "JKK",
                "event_date": "2025-06-01",
                "claim_date": "2025-06-02",
                "status": "SUBMITTED",
            }
        ],
        dtype=object,
    )
    raw = {
        "programs": programs,
        "allocations": allocations,
        "enrollments": enrollments,
        "claims": claims,
    }
    store(db_url, validate_load(raw, pd.DataFrame(), load_gazetteer()))
    with engine_for(db_url).connect() as conn:
        pedukun = read_frames(conn, Scope(codes=(V1,)))
        lubuk_niur = read_frames(conn, Scope(codes=(V2,)))
        bungo = read_frames(conn, Scope(codes=(BUNGO,)))
    assert pedukun["claims"].empty
    assert list(lubuk_niur["claims"]["claim_id"]) == ["CLM-MOVED"]
    assert list(bungo["claims"]["claim_id"]) == ["CLM-MOVED"]
    # Cover is another matter: the worker's cover of any programme counts, so it is not split.
    assert set(pedukun["enrollments"]["program_id"]) == {"jambi-2024"}


def test_a_village_rerun_reads_its_programme_s_requests_whole(db_url, tmp_path):
    # Only Pedukun applied (complete): the programme's villages apply, so Lubuk Niur's stalled
    # transfer is its own move, in a rerun of Lubuk Niur alone as in the full run.
    folder = tmp_path / "in"
    first_load(folder)
    write(
        folder,
        "village_requests",
        REQUEST_HEADER,
        [["jambi-bkbk-2025", V1, "2025-02-12", "2025-02-20", ""]],
    )
    raw = {name: source.rows for name, source in read_folder(folder).items()}
    store(db_url, validate_load(raw, pd.DataFrame(), load_gazetteer()))
    scope = Scope(codes=(V2,))
    with engine_for(db_url).connect() as conn:
        everything = read_frames(conn, Scope(), COLUMNS_USED)
        scoped = read_frames(conn, scope, COLUMNS_USED)
    assert scoped["village_requests"]["village_code"].tolist() == [V1]
    as_of = dt.date(2025, 6, 30)
    full = restrict(evaluate(everything, as_of), scope).stalls
    rerun = restrict(evaluate(scoped, as_of), scope).stalls
    assert full[["unit_code", "stage", "responsible"]].values.tolist() == [
        [V2, "VILLAGE_TRANSFER", "VILLAGE"]
    ]
    pd.testing.assert_frame_equal(rerun, full)
