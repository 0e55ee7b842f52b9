"""`rantai run --source URL` against `rantai simulate` in a subprocess (real HTTP on loopback, a
real Prefect server): faults cost retries, never records; a source that stays down degrades the
run and is caught up later through `updated_since`; a token never shows."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import TaskRun
from sqlalchemy import func, select

from connectors.files import read_folder
from rantai.cli import main
from rantai.records import SOURCES
from rantai.store.engine import engine_for
from rantai.store.schema import (
    history_tables,
    load_batches,
    metadata,
    runs,
    source_marks,
    source_tables,
)
from tests.chain_folders import (
    V1,
    YEAR,
    branches_load,
    claims_load,
    first_load,
    requests_load,
    write,
)
from tests.recorded import recorded_task_runs
from tests.simulated import FAST_RETRIES, REPO, SLOW_MS, simulator, tally

pytestmark = pytest.mark.usefixtures("prefect_server")

TOKEN = "source-token-8d2f41"
BPJS = ["enrollments", "premium_payments", "coverage", "claims", "branches"]


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST_RETRIES.items():
        monkeypatch.setenv(name, value)


def run_files(folder: Path, as_of: str, out: Path, db: str) -> int:
    return main(["run", "--input", str(folder), "--as-of", as_of, "--out", str(out), "--db", db])


def run_http(url: str, as_of: str, out: Path, db: str, *token: str) -> int:
    argv = ["run", "--source", url, "--as-of", as_of, "--out", str(out), "--db", db]
    return main(argv + (["--token", *token] if token else ["--token", TOKEN]))


def stored(db_url: str) -> dict[str, tuple[int, str]]:
    """Per source and history table: (row count, checksum of the sorted (key, content) pairs)."""
    found = {}
    with engine_for(db_url).connect() as conn:
        for name, source in SOURCES.items():
            for label, table in (
                (name, source_tables[name]),
                (f"{name}_history", history_tables[name]),
            ):
                keys = [table.c[k] for k in source.key]
                rows = sorted(
                    tuple(map(str, r)) for r in conn.execute(select(*keys, table.c.content_hash))
                )
                found[label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return found


def rows_read(db_url: str) -> dict[str, int]:
    with engine_for(db_url).connect() as conn:
        query = select(load_batches.c.source, func.sum(load_batches.c.rows_read)).group_by(
            load_batches.c.source
        )
        return {source: int(n) for source, n in conn.execute(query)}


def stall_keys(out: Path) -> list[tuple[str, ...]]:
    with (out / "stalls.csv").open(encoding="utf-8", newline="") as handle:
        return [
            (r["unit_code"], r["stage"], r["days_overdue"], r["amount_at_stake"], r["severity"])
            for r in csv.DictReader(handle)
        ]


def flow_run_ids(db_url: str) -> list[str]:
    with engine_for(db_url).connect() as conn:
        return list(conn.execute(select(runs.c.flow_run_id).order_by(runs.c.started_at)).scalars())


def marks(db_url: str) -> dict[str, tuple[str, str]]:
    with engine_for(db_url).connect() as conn:
        query = select(source_marks.c.source, source_marks.c.run_id, source_marks.c.location)
        return {source: (run_id, location) for source, run_id, location in conn.execute(query)}


def correct_pay1(folder: Path) -> None:
    """BPJS receives PAY1 again, now for all 20 workers (the correction of `second_load`)."""
    path = folder / "premium_payments.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if row[0] == "PAY1":  # both (identical) copies
            row[4], row[5] = str(20 * YEAR), "20"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def pay_clm2(folder: Path) -> None:
    """BPJS pays the JKM claim CLM-2 (Rp42,000,000 on 2025-07-10): a correction of the claim."""
    path = folder / "claims.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    for row in rows:
        if row[0] == "CLM-2":
            row[6:9] = ["PAID", "42.000.000", "2025-07-10"]
    write(folder, "claims", header, rows)


def test_thirty_percent_faults_load_exactly_the_files_rows_and_stalls(tmp_path, db_url):
    folder, out_files, out_http = tmp_path / "in", tmp_path / "out-files", tmp_path / "out-http"
    first_load(folder)
    claims_load(folder)
    # Issue 15: the village finance system's requests and BPJS's branches come the same way.
    requests_load(folder)
    branches_load(folder)
    files_db = f"sqlite:///{tmp_path / 'files.db'}"
    assert run_files(folder, "2025-06-30", out_files, files_db) == 0

    options = ("--fail-rate", "0.3", "--token", TOKEN, "--slow-ms", SLOW_MS)
    with simulator(folder, *options) as url:
        assert run_http(url, "2025-06-30", out_http, db_url) == 0
        served = tally(url)

    # Faults happened and cost retries ...
    fetches = json.loads((out_http / "fetches.json").read_text())
    assert sum(served["faults"].values()) > 0
    assert sum(f["retries"] for f in fetches.values()) > 0
    assert sum(f["requests"] for f in fetches.values()) == served["requests"]
    # ... but not one record: every source's rows arrived, and the store holds the same rows
    # (counts and checksums of keys and content) as loading the files did.
    assert (
        rows_read(db_url)
        == rows_read(files_db)
        == {name: len(raw.rows) for name, raw in read_folder(folder).items()}
    )
    assert stored(db_url) == stored(files_db)
    assert stored(db_url)["claims"][0] == 3  # CLM-4, PAID without its paid_date, is quarantined
    assert (stored(db_url)["village_requests"][0], stored(db_url)["branches"][0]) == (2, 3)
    for name in ("stalls.csv", "quarantine.csv", "summary.json"):
        assert (out_http / name).read_bytes() == (out_files / name).read_bytes(), name
    assert json.loads((out_http / "summary.json").read_text())["stale_sources"] == []


def test_a_source_down_all_run_degrades_it_and_the_next_run_catches_up(tmp_path, monkeypatch):
    folder, db = tmp_path / "in", f"sqlite:///{tmp_path / 'http.db'}"
    first_load(folder)
    claims_load(folder)
    # Exact row counts below: ask from the mark itself (the overlap would resend a few rows).
    monkeypatch.setenv("RANTAI_SOURCE_OVERLAP_SECONDS", "0")
    out1, out2, out3 = (tmp_path / f"out{n}" for n in (1, 2, 3))

    with simulator(folder, "--token", TOKEN) as treasury:
        with simulator(folder, "--token", TOKEN) as bpjs:
            monkeypatch.setenv("RANTAI_BPJS_URL", bpjs)
            assert run_http(treasury, "2025-06-30", out1, db) == 0
        bpjs_port = bpjs.rsplit(":", 1)[1]
        first_marks = marks(db)
        assert {s: loc for s, (_, loc) in first_marks.items() if s in BPJS} == dict.fromkeys(
            BPJS, bpjs
        )

        # While BPJS is down, PAY1 is corrected there and the JKM claim CLM-2 is paid: the next
        # runs must not lose either.
        correct_pay1(folder)
        pay_clm2(folder)
        assert run_http(treasury, "2025-07-15", out2, db) == 1

        summary2 = json.loads((out2 / "summary.json").read_text())
        assert summary2["stale_sources"] == BPJS
        assert all(bpjs in summary2["stale_reasons"][s] for s in BPJS)
        fetched2 = json.loads((out2 / "fetches.json").read_text())
        # The treasury and village finance were asked only for what changed: nothing.
        assert {s: f["rows"] for s, f in fetched2.items() if s not in BPJS} == dict.fromkeys(
            (
                "programs",
                "allocations",
                "district_transfers",
                "village_transfers",
                "village_requests",
            ),
            0,
        )
        # BPJS keeps its old marks (run 1); the others moved on (run 2).
        second_marks = marks(db)
        assert {s: second_marks[s] for s in BPJS} == {s: first_marks[s] for s in BPJS}
        assert second_marks["programs"][0] != first_marks["programs"][0]

        with simulator(folder, "--token", TOKEN, "--port", bpjs_port):
            assert run_http(treasury, "2025-07-15", out3, db) == 0
        fetched3 = json.loads((out3 / "fetches.json").read_text())

    # Run 2 was Degraded, evaluated on what was stored, and said so on its run page.
    with get_client(sync_client=True) as client:
        run2 = client.read_flow_run(flow_run_ids(db)[1])
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run2.id]))
        )
    assert run2.state_name == "Degraded" and run2.state.is_failed()
    assert run2.state.message.startswith("5 stale source(s), evaluated on stored data: ")
    assert " stalled: " in run2.state.message  # Degraded wins, and still says what is stalled
    summary_page = next(a for a in artifacts if a.key == "rantai-summary").data
    assert (
        "Degraded: 5 stale source(s): enrollments, premium_payments, coverage, claims, branches"
        in summary_page
    )

    # Run 3 asked BPJS from its old marks: only the changed files came, nothing else.
    assert {s: f["rows"] for s, f in fetched3.items()} == {
        **dict.fromkeys(SOURCES, 0),
        "premium_payments": 6,
        "claims": 4,
    }
    assert json.loads((out3 / "summary.json").read_text())["stale_sources"] == []

    # Nothing lost: the store holds what loading the two deliveries from files gives.
    before, files_db = tmp_path / "before", f"sqlite:///{tmp_path / 'files.db'}"
    first_load(before)
    claims_load(before)
    assert run_files(before, "2025-06-30", tmp_path / "f1", files_db) == 0
    assert run_files(folder, "2025-07-15", tmp_path / "f2", files_db) == 0
    assert stored(db) == stored(files_db)
    assert stored(db)["premium_payments_history"][0] == 1  # PAY1's first version
    assert stored(db)["claims_history"][0] == 1  # CLM-2 while it was SUBMITTED
    assert stall_keys(out3) == stall_keys(tmp_path / "f2")
    # Run 2's stalls were those of the stored (first) delivery as of 2025-07-15.
    assert run_files(before, "2025-07-15", tmp_path / "f3", f"sqlite:///{tmp_path / 'f3.db'}") == 0
    assert stall_keys(out2) == stall_keys(tmp_path / "f3")
    assert (V1, "PREMIUM_PAYMENT") in {k[:2] for k in stall_keys(out2)}
    assert (V1, "PREMIUM_PAYMENT") not in {k[:2] for k in stall_keys(out3)}


def test_a_wrong_token_names_the_sources_and_the_token_shows_nowhere(
    tmp_path, prefect_server, monkeypatch
):
    folder, db = tmp_path / "in", f"sqlite:///{tmp_path / 'http.db'}"
    first_load(folder)
    wrong = "wrong-token-c0ffee77"
    block = "rantai-test-source-token"
    Secret(value=TOKEN).save(block, overwrite=True)

    with simulator(folder, "--token", TOKEN) as url:
        # As an operator would run it: a separate process, everything it prints captured.
        argv = ["run", "--source", url, "--token", wrong, "--as-of", "2025-06-30"]
        env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_LOGGING_LEVEL": "DEBUG"}
        refused = subprocess.run(
            [sys.executable, "-m", "rantai.cli", *argv, "--out", str(tmp_path / "o1"), "--db", db],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        # The right token from a Prefect Secret block: nothing on the command line.
        monkeypatch.setenv("RANTAI_SOURCE_TOKEN_BLOCK", block)
        right = main(
            ["run", "--source", url, "--as-of", "2025-06-30", "--out", str(tmp_path / "o2")]
            + ["--db", db]
        )

    assert refused.returncode == 1, refused.stderr[-2000:]
    message = refused.stderr.strip().splitlines()[-1]
    assert message.startswith("rantai: degraded, outputs in ")
    assert all(
        f"{s}: {url}/v1/{s} refused the token (401 Unauthorized)" in message for s in SOURCES
    )
    assert right == 0

    seen = [refused.stdout, refused.stderr]
    seen += [p.read_text() for out in ("o1", "o2") for p in (tmp_path / out).iterdir()]
    with get_client(sync_client=True) as client:
        for flow_run_id in flow_run_ids(db):
            flow_run = client.read_flow_run(flow_run_id)
            seen.append(json.dumps(flow_run.parameters, default=str))
            seen.append(str(flow_run.state.message))
            logs = client.read_logs(
                log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id]))
            )
            seen += [log.message for log in logs]
            artifacts = client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id])
                )
            )
            seen += [json.dumps(a.data, default=str) for a in artifacts]
            task_runs = recorded_task_runs(client, flow_run.id, until=_fetched_coverage)
            assert _fetched_coverage(task_runs)
            seen += [t.model_dump_json() for t in task_runs]
    assert any("refused the token" in text for text in seen[2:])  # the checks do look
    assert len(seen) > 20
    with engine_for(db).connect() as conn:
        for table in metadata.sorted_tables:
            seen += [repr(tuple(row)) for row in conn.execute(select(table))]
    for text in seen:
        assert wrong not in text and TOKEN not in text


def test_records_missing_a_required_field_stop_the_run_and_store_nothing(tmp_path):
    folder, db = tmp_path / "in", f"sqlite:///{tmp_path / 'http.db'}"
    first_load(folder)
    (folder / "coverage.csv").write_text("nik,program_id,kpj_no\n1,2,3\n", encoding="utf-8")
    with simulator(folder, "--token", TOKEN) as url:
        assert run_http(url, "2025-06-30", tmp_path / "out", db) == 2
    with engine_for(db).connect() as conn:
        assert conn.execute(select(func.count()).select_from(load_batches)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(source_marks)).scalar() == 0


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--input", "in", "--source", "http://127.0.0.1:9"], "not both"),
        ([], "one of --input DIR or --source URL is required"),
        (["--input", "in", "--token", "t"], "--token goes with --source"),
        (["--source", "ftp://example"], "must be an http(s) URL"),
    ],
)
def test_run_takes_exactly_one_source(tmp_path, capsys, monkeypatch, argv, complaint):
    monkeypatch.delenv("RANTAI_SOURCE", raising=False)
    (tmp_path / "in").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["run", *argv, "--as-of", "2025-06-30", "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert complaint in err and len(err.strip().splitlines()) == 1


def _fetched_coverage(task_runs: list[TaskRun]) -> bool:
    return any(t.name.startswith("fetch-coverage") for t in task_runs)
