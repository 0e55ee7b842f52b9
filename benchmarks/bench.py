"""National-scale benchmark: every desa of Indonesia and millions of workers, end to end.

    make bench                          # SQLite store
    make bench BENCH_DB=postgres        # PostgreSQL at 127.0.0.1:5432 (a fresh database per run)
    .venv/bin/python benchmarks/bench.py [--db sqlite|postgres] [--workers N] [--runs N]

It generates the national folder once (cached under `.bench/`, with the next day's delivery in
which 1% of the records are corrected), starts a Prefect server of its own (SQLite; its start
is not timed), and measures, each the median of `--runs` runs:

- full_s: `rantai run` of the national folder into an empty store, as a fresh process;
- floor_s: reading the same files into pandas (`pd.read_csv`, every column as text);
- a lower bound for full_s on this stack (printed, not in the BENCH line): an empty Prefect flow
  run as a fresh process, plus the floor, plus a bare insert of the rows read into an empty
  store (`bound.py`);
- incremental_s: `rantai run` of the next day's delivery on the store the full run left;
- village_rerun_s: the `rerun` flow for one village after a correction of its transfer, on
  the store the next day's run left, through Prefect, in a process that has Prefect imported
  (as a served flow or a worker's process would); `village_rerun_cold_s` adds the start of a
  fresh Python process, printed beside it;
- peak_mb: the peak resident memory of the full runs (the largest; from `wait4`);
- next_day_ratio: incremental_s / full_s (what the next day's delivery costs against a full run);
- report_s: `rantai report` of the whole nation on the store the full run left (one run: it is
  long; its peak memory is printed beside it).

Each measured run starts from a copy of its starting store, so repetitions are alike, and waits
for the Prefect server to finish the previous run's events before it starts. The last line:

    BENCH villages=N workers=N full_s=X floor_s=X ratio=X incremental_s=X village_rerun_s=X peak_mb=N
          next_day_ratio=X report_s=X
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from deployments.local import (  # noqa: E402
    free_port,
    server_env,
    start_server,
    stop,
    wait_until_healthy,
)

CACHE = PROJECT_DIR / ".bench"
AS_OF = dt.date(2025, 11, 7)  # the generated story's report date
NEXT_DAY = AS_OF + dt.timedelta(days=1)
POSTGRES_ADMIN = os.environ.get(
    "RANTAI_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RANTAI = [sys.executable, "-m", "rantai.cli"]


@dataclass(frozen=True)
class Timed:
    """A measured run: wall seconds, the process's peak resident memory, and what its flow
    run's tasks took (seconds by task name, from the Prefect API)."""

    seconds: float
    peak_mb: float
    tasks: dict[str, float] = field(default_factory=dict)


def main() -> int:
    """Run the benchmark and print the BENCH line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--rerun-worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rerun_worker:
        return _rerun_worker(*args.rerun_worker)

    folders = national_folders(args.workers, args.seed)
    store = SqliteStores() if args.db == "sqlite" else PostgresStores()
    work = CACHE / f"work-{args.db}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    villages, workers = _counts(folders["day1"])
    print(f"national folder: {villages:,} desa with an allocation, {workers:,} enrolled workers")

    with prefect_server(work) as server:
        env = {**os.environ, **server.env}
        full, first_store = measure_full(folders["day1"], store, work, env, args.runs, server)
        floor = measure_floor(folders["day1"], args.runs)
        bound_flow, bound_insert = measure_bound(folders["day1"], store, work, env, args.runs)
        incremental, next_store, day2_out = measure_incremental(
            folders["day2"], store, first_store, work, env, args.runs, server
        )
        village, correction = village_correction(day2_out, work)
        rerun_warm, rerun_cold = measure_rerun(
            correction, village, store, next_store, work, env, args.runs, server
        )
        report = measure_report(first_store, work, env)
    store.drop_all()

    full_s = statistics.median(t.seconds for t in full)
    floor_s = statistics.median(floor)
    peak_mb = max(t.peak_mb for t in full)
    bound_s = statistics.median(bound_flow) + floor_s + statistics.median(bound_insert)
    print()
    print(f"store: {store.name}; runs per measure: {args.runs} (median)")
    print(f"full runs (s):          {_list(t.seconds for t in full)}")
    print(f"floor reads (s):        {_list(floor)}")
    print(f"incremental runs (s):   {_list(t.seconds for t in incremental)}")
    print(f"village reruns (s):     {_list(rerun_warm)}  (village {village})")
    print(f"  in a fresh process:   {_list(rerun_cold)}  (village_rerun_cold_s)")
    print(f"peak RSS of full runs:  {_list(t.peak_mb for t in full)} MB")
    print(f"national report (s):    {report.seconds:.2f}  (peak RSS {report.peak_mb:.0f} MB)")
    print(f"empty flow runs (s):    {_list(bound_flow)}")
    print(f"bare inserts (s):       {_list(bound_insert)}")
    print(
        f"lower bound: an empty flow {statistics.median(bound_flow):.1f} + the floor "
        f"{floor_s:.1f} + a bare insert {statistics.median(bound_insert):.1f} = {bound_s:.1f} s, "
        f"ratio {bound_s / floor_s:.2f} (no design on this stack does less; see bound.py)"
    )
    for name, runs in (("full", full), ("incremental", incremental)):
        print(f"{name} run, median seconds per task: {_tasks(runs)}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")
    incremental_s = statistics.median(t.seconds for t in incremental)
    print(
        f"BENCH villages={villages} workers={workers} full_s={full_s:.1f} floor_s={floor_s:.1f} "
        f"ratio={full_s / floor_s:.2f} incremental_s={incremental_s:.1f} "
        f"village_rerun_s={statistics.median(rerun_warm):.2f} peak_mb={peak_mb:.0f} "
        f"next_day_ratio={incremental_s / full_s:.2f} report_s={report.seconds:.1f}"
    )
    return 0


def _tasks(runs: list[Timed]) -> str:
    names = list(runs[0].tasks)
    spent = {n: statistics.median(r.tasks.get(n, 0.0) for r in runs) for n in names}
    total = statistics.median(r.seconds for r in runs)
    parts = [f"{n} {s:.1f}" for n, s in sorted(spent.items(), key=lambda i: -i[1])]
    # Some tasks run side by side (load beside evaluate, artifacts beside events), so the
    # tasks' sum can exceed the wall time.
    rest = total - sum(spent.values())
    return ", ".join(parts) + f"; wall minus the tasks' sum {rest:.1f}"


def _list(values: Iterable[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


# --- the input ------------------------------------------------------------------------------


def national_folders(workers: int, seed: int) -> dict[str, Path]:
    """The national folder and the next day's delivery, generated once per version of the
    generator and the gazetteer."""
    # The generator and the gazetteer editions it draws the desa from.
    inputs = [
        *sorted((PROJECT_DIR / "samples").glob("*.py")),
        *sorted((PROJECT_DIR / "rantai" / "data" / "wilayah").glob("*.csv")),
    ]
    source = b"".join(path.read_bytes() for path in inputs)
    version = hashlib.sha256(source + f"{workers}/{seed}".encode()).hexdigest()[:12]
    home = CACHE / f"national-{workers}-{seed}"
    stamp = home / "version"
    folders = {"day1": home / "day1", "day2": home / "day2"}
    if stamp.exists() and stamp.read_text() == version:
        return folders
    shutil.rmtree(home, ignore_errors=True)
    for name, changed in (("day1", "0"), ("day2", "0.01")):
        started = time.perf_counter()
        subprocess.run(
            [
                *RANTAI,
                "generate",
                "--national",
                "--workers",
                str(workers),
                "--seed",
                str(seed),
                "--changed",
                changed,
                "--out",
                str(folders[name]),
            ],
            check=True,
            cwd=PROJECT_DIR,
        )
        print(f"generated {folders[name]} in {time.perf_counter() - started:.1f} s")
    stamp.write_text(version)
    return folders


def _counts(folder: Path) -> tuple[int, int]:
    """Desa with an allocation and enrollment rows of a folder (bad rows included)."""
    import pandas as pd

    from rantai.regions import desa_codes, normalise_codes

    allocations = pd.read_csv(folder / "allocations.csv", dtype=str, usecols=["unit_code"])
    units = normalise_codes(allocations["unit_code"])
    desa = units[desa_codes(units)].nunique()
    with (folder / "enrollments.csv").open("rb") as rows:
        enrolled = sum(1 for _ in rows) - 1
    return int(desa), enrolled


# --- stores ----------------------------------------------------------------------------------


class SqliteStores:
    """Stores as SQLite files; a snapshot is a copy of the file."""

    name = "SQLite (WAL)"

    def __init__(self) -> None:
        self.files: list[Path] = []

    def fresh(self, folder: Path, name: str) -> str:
        path = folder / f"{name}.db"
        for leftover in folder.glob(f"{name}.db*"):
            leftover.unlink()
        self.files.append(path)
        return f"sqlite:///{path}"

    def copy(self, url: str, folder: Path, name: str) -> str:
        source = Path(url.removeprefix("sqlite:///"))
        target = self.fresh(folder, name)
        _checkpoint(source)
        shutil.copyfile(source, Path(target.removeprefix("sqlite:///")))
        return target

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()

    def drop_all(self) -> None:
        for path in self.files:
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink()


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the database file, so that a copy of the file is the whole store."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class PostgresStores:
    """Stores as PostgreSQL databases; a snapshot is `CREATE DATABASE ... TEMPLATE`."""

    name = "PostgreSQL 127.0.0.1:5432"

    def __init__(self) -> None:
        self.databases: list[str] = []
        self.prefix = f"rantai_bench_{uuid.uuid4().hex[:6]}"

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(statement)

    def _url(self, database: str) -> str:
        base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{database}"

    def fresh(self, folder: Path, name: str) -> str:
        database = f"{self.prefix}_{name}"
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._admin(f'CREATE DATABASE "{database}"')
        self.databases.append(database)
        return self._url(database)

    def copy(self, url: str, folder: Path, name: str) -> str:
        template = url.rsplit("/", 1)[1]
        database = f"{self.prefix}_{name}"
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        # A template must have no other sessions: end the finished runs' pooled connections.
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{template}' AND pid <> pg_backend_pid()"
        )
        self._admin(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        self.databases.append(database)
        return self._url(database)

    def drop(self, url: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')

    def drop_all(self) -> None:
        for database in self.databases:
            self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


# --- Prefect ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """The benchmark's own Prefect server."""

    env: dict[str, str]
    pid: int


@contextmanager
def prefect_server(work: Path) -> Iterator[Server]:
    """A `prefect server start` of our own (SQLite, in `work`), so that no run waits for an
    ephemeral server to start; its start is not part of any measure."""
    home = work / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    process = start_server("127.0.0.1", port, server_env(home), log=work / "prefect-server.log")
    try:
        wait_until_healthy(api_url, process)
        yield Server(
            env={
                "PREFECT_API_URL": api_url,
                "PREFECT_HOME": str(home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            },
            pid=process.pid,
        )
    finally:
        stop(process)


def settle(server: Server, idle_share: float = 0.1, timeout_s: float = 120) -> None:
    """Wait until the server has worked off the last run's events and logs (CPU near idle)."""
    deadline = time.monotonic() + timeout_s
    previous = _cpu_seconds(server.pid)
    while time.monotonic() < deadline:
        time.sleep(1)
        now = _cpu_seconds(server.pid)
        if now - previous < idle_share:
            return
        previous = now


def _cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children (the server runs its services in children)."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields[1] is the parent pid, fields[2] the session: the server's session holds all.
        if int(fields[3]) == pid or int(proc.name) == pid:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# --- measures --------------------------------------------------------------------------------


def run_timed(command: list[str], env: dict[str, str], log: Path) -> Timed:
    """Run a command as a fresh process; its wall time and peak RSS (from wait4)."""
    with log.open("wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_DIR, stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}); see {log}")
    return Timed(seconds, usage.ru_maxrss / 1024, _last_run_tasks(env))


def _last_run_tasks(env: dict[str, str]) -> dict[str, float]:
    """Seconds per task of the newest flow run on the benchmark's server."""
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    with SyncPrefectClient(env["PREFECT_API_URL"]) as client:
        runs = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
        if not runs:
            return {}
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[runs[0].id]))
        )
    spent: dict[str, float] = {}
    for task in tasks:
        name = task.name.rsplit("-", 1)[0]
        spent[name] = spent.get(name, 0.0) + task.total_run_time.total_seconds()
    return spent


def _run(input_dir: Path, as_of: dt.date, out: Path, db_url: str) -> list[str]:
    return [
        *RANTAI,
        "run",
        "--input",
        str(input_dir),
        "--as-of",
        as_of.isoformat(),
        "--out",
        str(out),
        "--db",
        db_url,
    ]


def measure_full(
    day1: Path,
    store: SqliteStores | PostgresStores,
    work: Path,
    env: dict[str, str],
    runs: int,
    server: Server,
) -> tuple[list[Timed], str]:
    """`rantai run` of the national folder into an empty store, `runs` times."""
    results = []
    kept = ""
    for i in range(runs):
        url = store.fresh(work, f"full{i}")
        settle(server)
        out = work / f"full{i}"
        timed = run_timed(_run(day1, AS_OF, out, url), env, work / f"full{i}.log")
        print(f"full run {i + 1}: {timed.seconds:.1f} s, peak {timed.peak_mb:.0f} MB", flush=True)
        results.append(timed)
        if kept:
            store.drop(url)
        else:
            kept = url  # the first full run's store starts the incremental runs
    return results, kept


def measure_report(first_store: str, work: Path, env: dict[str, str]) -> Timed:
    """`rantai report` of the nation as of the story's date on the full run's store, once."""
    out = work / "report"
    command = [*RANTAI, "report", "--db", first_store, "--as-of", AS_OF.isoformat()]
    timed = run_timed([*command, "--out", str(out)], env, work / "report.log")
    print(f"national report: {timed.seconds:.1f} s, peak {timed.peak_mb:.0f} MB", flush=True)
    return Timed(timed.seconds, timed.peak_mb)


def measure_floor(day1: Path, runs: int) -> list[float]:
    """Reading the national folder's files into pandas, every column as text: the floor
    (`bound.read_floor`, the same read the bound's insert starts from)."""
    script = str(PROJECT_DIR / "benchmarks" / "bound.py")
    results = []
    for i in range(runs):
        # In a fresh process each time, timed inside it: the read alone, imports excluded.
        reply = subprocess.run(
            [sys.executable, script, "floor", str(day1)], capture_output=True, text=True, check=True
        )
        results.append(float(reply.stdout.strip()))
        print(f"floor read {i + 1}: {results[-1]:.1f} s", flush=True)
    return results


def measure_bound(
    day1: Path, store: SqliteStores | PostgresStores, work: Path, env: dict[str, str], runs: int
) -> tuple[list[float], list[float]]:
    """The parts of the lower bound (see `bound.py`): an empty Prefect flow run as a fresh
    process, and a bare insert of the floor's rows into an empty store."""
    script = str(PROJECT_DIR / "benchmarks" / "bound.py")
    flows, inserts = [], []
    for i in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, script, "flow"], env=env, check=True, capture_output=True)
        flows.append(time.perf_counter() - started)
        url = store.fresh(work, f"bound{i}")
        reply = subprocess.run(
            [sys.executable, script, "insert", str(day1), url],
            capture_output=True,
            text=True,
            check=True,
        )
        inserts.append(float(reply.stdout.strip().splitlines()[-1]))
        store.drop(url)
        print(f"empty flow {i + 1}: {flows[-1]:.1f} s; bare insert {inserts[-1]:.1f} s", flush=True)
    return flows, inserts


def measure_incremental(
    day2: Path,
    store: SqliteStores | PostgresStores,
    first_store: str,
    work: Path,
    env: dict[str, str],
    runs: int,
    server: Server,
) -> tuple[list[Timed], str, Path]:
    """`rantai run` of the next day's delivery (1% corrected) on the full run's store."""
    results = []
    kept = ""
    out = work / "incremental0"
    for i in range(runs):
        url = store.copy(first_store, work, f"incremental{i}")
        settle(server)
        out = work / f"incremental{i}"
        timed = run_timed(_run(day2, NEXT_DAY, out, url), env, work / f"incremental{i}.log")
        new, corrected = _last_load(url)
        print(
            f"incremental run {i + 1}: {timed.seconds:.1f} s ({new:,} records new, "
            f"{corrected:,} corrected)",
            flush=True,
        )
        results.append(timed)
        if kept:
            store.drop(url)
        else:
            kept = url
    return results, kept, work / "incremental0"


def _last_load(db_url: str) -> tuple[int, int]:
    """Records the last run's load inserted and replaced (from `load_batches`)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT SUM(rows_inserted), SUM(rows_replaced) FROM load_batches WHERE "
                    "run_id = (SELECT run_id FROM load_batches ORDER BY batch_id DESC LIMIT 1)"
                )
            ).one()
    finally:
        engine.dispose()
    return int(row[0] or 0), int(row[1] or 0)


def village_correction(day2_out: Path, work: Path) -> tuple[str, Path]:
    """A village whose transfer stalled on day 2, and a delivery with its transfer, found."""
    with (day2_out / "stalls.csv").open(newline="", encoding="utf-8") as rows:
        stalls = [r for r in csv.DictReader(rows) if r["stage"] == "VILLAGE_TRANSFER"]
    stall = min(stalls, key=lambda r: (r["unit_code"], r["program_id"]))
    folder = work / "correction"
    folder.mkdir(exist_ok=True)
    with (folder / "village_transfers.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["transfer_id", "program_id", "village_code", "amount", "transfer_date", "sp2d_no"]
        )
        code = stall["unit_code"]
        writer.writerow(
            [
                f"VT-{code.replace('.', '')}-BENCH",
                stall["program_id"],
                code,
                stall["amount_at_stake"],
                (NEXT_DAY - dt.timedelta(days=3)).isoformat(),
                f"9001/SP2D/BKBK/{code[:5].replace('.', '')}/2025",
            ]
        )
    return code, folder


def measure_rerun(
    correction: Path,
    village: str,
    store: SqliteStores | PostgresStores,
    next_store: str,
    work: Path,
    env: dict[str, str],
    runs: int,
    server: Server,
) -> tuple[list[float], list[float]]:
    """The rerun flow for the corrected village, on copies of the next day's store."""
    warm: list[float] = []
    cold: list[float] = []
    for i in range(runs):
        url = store.copy(next_store, work, f"rerun{i}")
        settle(server)
        out = work / f"rerun{i}"
        timings = work / f"rerun{i}.json"
        started = time.perf_counter()
        run_timed(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--rerun-worker",
                str(correction),
                village,
                f"{url}|{out}",
                str(timings),
            ],
            env,
            work / f"rerun{i}.log",
        )
        cold.append(time.perf_counter() - started)
        reply = json.loads(timings.read_text())
        warm.append(reply["seconds"])
        print(
            f"village rerun {i + 1}: {reply['seconds']:.2f} s in the flow's process, "
            f"{cold[-1]:.2f} s with its start; {reply['state']}, resolved {reply['resolved']}",
            flush=True,
        )
        store.drop(url)
    return warm, cold


def _rerun_worker(correction: str, village: str, target: str, timings: str) -> int:
    """In a fresh process: import the rerun flow, then time one rerun of the village."""
    from flows.rerun import rerun

    db_url, out = target.split("|", 1)
    started = time.perf_counter()
    state = rerun(
        source=correction,
        as_of=NEXT_DAY,
        village_codes=[village],
        out_dir=out,
        db_url=db_url,
        return_state=True,
    )
    seconds = time.perf_counter() - started
    summary = json.loads((Path(out) / "summary.json").read_text())
    Path(timings).write_text(
        json.dumps({"seconds": seconds, "state": state.name, "resolved": summary.get("resolved")})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
