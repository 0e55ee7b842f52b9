"""Bad invocations are refused before anything is stored: exit 2, one line naming the option,
no delivery in the store, no folder made on the side. And a scope that names nothing is a
mistake, never an all-clear."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select

from rantai.bounds import DATE_MAX, DATE_MIN
from rantai.cli import main
from rantai.store.schema import load_batches, runs
from tests.chain_folders import first_load

pytestmark = pytest.mark.usefixtures("prefect_server")


def stored_rows(database: Path) -> int:
    """Load batches and runs recorded in a SQLite store (0 when there is no store at all)."""
    if not database.exists():
        return 0
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("load_batches"):
                return 0
            return sum(
                conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (load_batches, runs)
            )
    finally:
        engine.dispose()


@pytest.fixture
def refused(prefect_server: str) -> Callable[..., str]:
    """Runs `rantai` as a user does; asserts exit 2, no traceback, and a last line on stderr
    naming the option (the only line, unless the flow had started and logged); returns it."""

    def command(argv: list[str], option: str, flow_started: bool = False) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "rantai.cli", *argv],
            capture_output=True,
            text=True,
            env={**os.environ, "PREFECT_API_URL": prefect_server},
            timeout=300,
        )
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, (done.returncode, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout, done.stderr
        assert flow_started or len(lines) == 1, done.stderr
        assert lines[-1].startswith("rantai ") and option in lines[-1], lines[-1]
        return lines[-1]

    return command


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    first_load(folder)
    return folder


def run_args(delivery: Path, out: Path, database: Path, *more: str) -> list[str]:
    db = f"sqlite:///{database}"
    return ["run", "--input", str(delivery), "--as-of", "2025-06-30", "--out", str(out)] + [
        "--db",
        db,
        *more,
    ]


@pytest.mark.parametrize("where", ["a file", "/dev/full", "inside a file", "/proc/self"])
def test_run_refuses_an_out_that_is_not_a_writable_folder_and_stores_nothing(
    tmp_path, delivery, refused, where
):
    a_file = tmp_path / "report.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    out = {
        "a file": a_file,
        "/dev/full": Path("/dev/full"),
        "inside a file": a_file / "out",
        # A folder that exists but takes no files, even for root.
        "/proc/self": Path("/proc/self"),
    }[where]
    database = tmp_path / "rantai.db"

    refused(run_args(delivery, out, database), "--out")

    assert stored_rows(database) == 0


def test_run_makes_a_missing_out_folder(tmp_path, delivery):
    out = tmp_path / "new" / "out"
    assert main(run_args(delivery, out, tmp_path / "rantai.db")) == 0
    assert (out / "stalls.csv").exists()
    assert not [p for p in out.iterdir() if "probe" in p.name]


@pytest.mark.parametrize(
    "db",
    [
        "not a url",
        "mysql://user@127.0.0.1/rantai",
        "postgresql+psycopg://user@127.0.0.1:notaport/rantai",
        "postgresql+asyncpg://user@127.0.0.1/rantai",
        "sqlite+unknown:///x.db",
    ],
)
def test_run_refuses_a_store_url_it_cannot_use_and_stores_nothing(tmp_path, delivery, refused, db):
    out = tmp_path / "out"
    argv = ["run", "--input", str(delivery), "--as-of", "2025-06-30", "--out", str(out)]

    refused([*argv, "--db", db], "--db")

    assert not (out / "summary.json").exists()


def test_run_never_makes_the_folders_of_a_sqlite_store(tmp_path, delivery, refused):
    missing = tmp_path / "nonexistent" / "dir"
    argv = run_args(delivery, tmp_path / "out", missing / "x.db")

    line = refused(argv, "--db")

    assert str(missing) in line
    assert not missing.parent.exists()


@pytest.mark.parametrize(
    "as_of", ["9999-12-31", "2300-12-31", "0001-01-01", str(DATE_MAX + dt.timedelta(days=1))]
)
def test_run_refuses_an_evaluation_date_outside_the_bounds_and_stores_nothing(
    tmp_path, delivery, refused, as_of
):
    database = tmp_path / "rantai.db"
    argv = run_args(delivery, tmp_path / "out", database)
    argv[argv.index("2025-06-30")] = as_of

    line = refused(argv, "--as-of")

    assert str(DATE_MIN) in line and str(DATE_MAX) in line
    assert stored_rows(database) == 0


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--province", "abc"),
        ("--province", "99"),
        ("--province", "15.01"),
        ("--province", ""),
        ("--province", "15.08.01.2001"),
        ("--program", "no-such-programme"),
        ("--program", ""),
    ],
)
def test_run_refuses_a_scope_that_names_nothing_and_stores_nothing(
    tmp_path, delivery, refused, option, value
):
    database = tmp_path / "rantai.db"
    out = tmp_path / "out"

    # A programme is known only once the delivery is read: the flow refuses it, before the load.
    refused(
        run_args(delivery, out, database, option, value),
        option,
        flow_started=option == "--program" and bool(value),
    )

    assert stored_rows(database) == 0
    assert not (out / "summary.json").exists()


def test_run_takes_a_programme_that_is_new_in_this_delivery(tmp_path, delivery):
    database = tmp_path / "rantai.db"
    argv = run_args(delivery, tmp_path / "out", database, "--program", "jambi-bkbk-2025")

    assert main(argv) == 0
    assert stored_rows(database) > 0


def test_run_takes_a_programme_known_in_the_store_but_not_delivered_again(tmp_path, delivery):
    database = tmp_path / "rantai.db"
    assert main(run_args(delivery, tmp_path / "out1", database)) == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = run_args(empty, tmp_path / "out2", database, "--program", "inhil-apbd-2025")

    assert main(argv) == 0


@pytest.fixture
def stored(tmp_path: Path, delivery: Path) -> Path:
    """A store holding the first delivery."""
    database = tmp_path / "stored.db"
    assert main(run_args(delivery, tmp_path / "first", database)) == 0
    return database


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--province", "abc"),
        ("--province", "99"),
        ("--province", ""),
        ("--program", "no-such-programme"),
        ("--as-of", "9999-12-31"),
        ("--out", "/dev/full"),
    ],
)
def test_report_refuses_what_run_refuses(tmp_path, stored, refused, option, value):
    argv = ["report", "--db", f"sqlite:///{stored}", "--as-of", "2025-06-30"]
    argv += ["--out", str(tmp_path / "report")] if option != "--out" else []

    refused([*argv, option, value], option)


def test_report_refuses_a_malformed_store_url(tmp_path, refused):
    argv = ["report", "--db", "not a url", "--as-of", "2025-06-30", "--out", str(tmp_path)]
    refused(argv, "--db")


def test_report_before_any_record_is_an_empty_report_not_a_crash(tmp_path, stored, capsys):
    out = tmp_path / "report"
    argv = ["report", "--db", f"sqlite:///{stored}", "--as-of", str(DATE_MIN), "--out", str(out)]
    capsys.readouterr()

    status = main(argv)

    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "failed" not in captured.err and "Traceback" not in captured.err
    assert (out / "report.html").stat().st_size > 0
    assert (out / "report.xlsx").stat().st_size > 0


@pytest.mark.parametrize("db", ["not a url", "sqlite:///{missing}/x.db"])
def test_history_refuses_a_store_url_it_cannot_use(tmp_path, refused, db):
    missing = tmp_path / "nonexistent"
    refused(["history", "--stalls", "--db", db.format(missing=missing)], "--db")
    assert not missing.exists()


@pytest.mark.parametrize(("option", "value"), [("--out", "/dev/full"), ("--db", "not a url")])
def test_demo_refuses_a_bad_out_or_store_url(tmp_path, refused, option, value):
    argv = ["demo", "--out", str(tmp_path / "demo"), option, value]
    refused(argv, option)
    assert not (tmp_path / "demo" / "input").exists()


def test_opening_a_store_in_a_missing_folder_is_refused_not_made(tmp_path):
    from rantai.store.engine import StoreUrlError, make_engine

    with pytest.raises(StoreUrlError, match="does not exist"):
        make_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("parameters", "named"),
    [({"province_code": "99"}, "province_code"), ({"program_id": "nope-2025"}, "program_id")],
)
def test_the_daily_flow_refuses_a_scope_that_names_nothing_before_the_load(
    tmp_path, delivery, parameters, named
):
    from flows.daily import daily_chain
    from flows.states import REFUSED

    database = tmp_path / "rantai.db"
    state = daily_chain(
        input_dir=str(delivery),
        as_of=dt.date(2025, 6, 30),
        out_dir=str(tmp_path / "out"),
        db_url=f"sqlite:///{database}",
        return_state=True,
        **parameters,
    )

    assert state.name == REFUSED and state.message.startswith(f"{named}: ")
    assert stored_rows(database) == 0


def test_a_store_that_does_not_answer_is_one_line_not_two(capsys):
    # A well-formed URL whose server is not there: an outage (exit 1), still said in one line.
    status = main(["history", "--stalls", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x"])

    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1
    assert len(err) == 1 and err[0].startswith("rantai: failed: OperationalError"), err
