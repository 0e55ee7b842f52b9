"""The `rantai` command: run the chain, generate sample input, run the demo."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from rantai.scope import Scope

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad invocation: exit status 2 with a one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # The contract wants one line for a bad invocation, not argparse's usage block.
        raise UsageError(f"{self.prog}: {message}")


def _date(text: str) -> dt.date:
    from rantai.bounds import DATE_MAX, DATE_MIN

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None
    if not DATE_MIN <= day <= DATE_MAX:
        raise argparse.ArgumentTypeError(
            f"expected a date from {DATE_MIN} to {DATE_MAX}, found {text!r}"
        )
    return day


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rantai", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="evaluate the chain on an input folder (a Prefect flow)")
    run.add_argument("--input", type=Path, help="folder of contract files")
    run.add_argument("--source", help="or: base URL of the source systems' API (http/https)")
    run.add_argument("--token", help="with --source: bearer token (better: RANTAI_SOURCE_TOKEN)")
    run.add_argument("--as-of", required=True, type=_date, help="evaluation date YYYY-MM-DD")
    run.add_argument("--out", required=True, type=Path, help="folder for the output files")
    run.add_argument("--db", help="store URL (default RANTAI_DB_URL, else a per-user SQLite file)")
    run.add_argument("--program", help="evaluate one programme only")
    run.add_argument("--province", help="evaluate one province only (code, e.g. 15)")
    run.add_argument("--report", action="store_true", help="also write the Monev report")

    monev = commands.add_parser("report", help="the Monev report (report.html, report.xlsx)")
    monev.add_argument("--db", help="store URL (default RANTAI_DB_URL, else the per-user file)")
    monev.add_argument("--as-of", required=True, type=_date, help="report date YYYY-MM-DD")
    monev.add_argument("--program", help="one programme only")
    monev.add_argument("--province", help="one province only (code, e.g. 15)")
    cut = monev.add_mutually_exclusive_group()
    cut.add_argument("--district", help="one district (kabupaten/kota) only (code, e.g. 15.08)")
    cut.add_argument("--kecamatan", help="one kecamatan only: its villages (code, e.g. 15.08.01)")
    cut.add_argument("--branch", help="the districts a BPJS branch (Kantor Cabang) serves")
    monev.add_argument("--out", required=True, type=Path, help="folder for the report files")
    monev.add_argument("--pdf", action="store_true", help="also report.pdf (headless Chromium)")

    demo = commands.add_parser("demo", help="generate the bundled sample and evaluate it")
    demo.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder")
    demo.add_argument("--seed", type=int, default=2025)
    demo.add_argument("--db", help="store URL (default: a fresh SQLite file in --out)")
    demo.add_argument(
        "--as-of",
        type=_date,
        help="evaluation date YYYY-MM-DD; the input is what was delivered by then "
        "(default 2025-11-07)",
    )

    history = commands.add_parser("history", help="a record's versions, or the stall flag history")
    history.add_argument("--db", help="store URL (default RANTAI_DB_URL)")
    history.add_argument("--key", help="record key as in quarantine.csv, e.g. PAY1 or NIK|program")
    history.add_argument("--source", help="contract file stem (default: every source keyed alike)")
    history.add_argument("--stalls", action="store_true", help="when flags opened and resolved")
    history.add_argument("--program", help="with --stalls: one programme")
    history.add_argument("--unit", help="with --stalls: one unit code")

    sim = commands.add_parser("simulate", help="serve a contract folder as a flaky source API")
    sim.add_argument("--data", required=True, type=Path, help="contract folder to serve")
    sim.add_argument("--port", required=True, type=int, help="TCP port (0: any free one)")
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sim.add_argument("--fail-rate", type=float, default=0.0, help="share of faulty answers 0..1")
    sim.add_argument("--rate-limit", type=float, default=0.0, help="requests/s before 429s")
    sim.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    sim.add_argument("--slow-ms", type=int, default=3000, help="stall of a 'slow' fault")
    sim.add_argument("--retry-after", type=int, default=1, help="seconds a 429 asks to wait")
    sim.add_argument("--token", help="bearer token required of clients (default: none)")
    sim.add_argument("--seed", type=int, help="seed of the fault draws")

    gen = commands.add_parser(
        "generate", help="write a realistic input folder for a province or the whole nation"
    )
    where = gen.add_mutually_exclusive_group(required=True)
    where.add_argument("--province", help="province code, e.g. 15 (Jambi)")
    where.add_argument("--national", action="store_true", help="every desa of all 38 provinces")
    gen.add_argument(
        "--workers", type=int, help="with --national: enrolled workers (default 3,000,000)"
    )
    gen.add_argument(
        "--changed",
        type=float,
        default=0.0,
        help="with --national: share of records corrected, as the next delivery (e.g. 0.01)",
    )
    gen.add_argument("--seed", type=int, default=2025)
    gen.add_argument("--as-of", type=_date, help="date the story is told at (default 2025-11-07)")
    gen.add_argument("--out", required=True, type=Path)
    return parser


def _prepare_prefect() -> None:
    from rantai.settings import PREFECT_DEFAULTS

    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


# Invocation checks: everything a command is given is checked before anything is stored, so a
# bad invocation exits 2 with one line and leaves the store and the disk as they were.


def _check_out(command: str, out: Path) -> None:
    """`--out` must be a folder Rantai can write to: made when missing, then tried with a probe
    file (a file, a device such as /dev/full, a read-only or full place all fail here)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".rantai-probe-{os.getpid()}"
        try:
            with probe.open("wb") as handle:
                handle.write(b"rantai")
                handle.flush()
                os.fsync(handle.fileno())
        finally:
            probe.unlink(missing_ok=True)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(
            f"rantai {command}: --out {out} is not a writable folder: {reason}"
        ) from None


def _check_db(command: str, given: str | None) -> str:
    """The store URL a command uses (`--db`, else RANTAI_DB_URL, else the per-user file),
    checked: a supported database, parseable, and for SQLite a folder that exists."""
    from rantai.settings import Settings
    from rantai.store.engine import StoreUrlError, check_store_url

    url = given or Settings().database_url()
    try:
        check_store_url(url)
    except StoreUrlError as error:
        where = "--db" if given else "RANTAI_DB_URL"
        raise UsageError(f"rantai {command}: {where}: {error}") from None
    return url


# The flows name the scope by its parameters; the command line by its options.
_OPTIONS = {
    "program_id": "--program",
    "province_code": "--province",
    "district_codes": "--district",
    "subdistrict_codes": "--kecamatan",
}


def _check_scope(command: str, program: str | None, province: str | None) -> str | None:
    """A scope given on the command line must name something: the province a province code of
    the gazetteer (the programme is checked against what is known where that is known: the
    store, and for `rantai run` this delivery too). Returns the province as the gazetteer
    writes it."""
    from rantai.regions import load_gazetteer
    from rantai.scope import checked_province

    if program is not None and not program.strip():
        raise UsageError(f"rantai {command}: --program {program!r} names no programme")
    if province is None:
        return None
    try:
        return checked_province(load_gazetteer(), province)
    except ValueError as error:
        raise UsageError(f"rantai {command}: --province {error}") from None


def _as_options(message: str) -> str:
    """A flow's message about a parameter (`program_id: ...`), worded with its option."""
    for parameter, option in _OPTIONS.items():
        if message.startswith(f"{parameter}: "):
            return option + message.removeprefix(parameter + ":")
    return message


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def run_chain(
    input_dir: Path | str,
    as_of: dt.date,
    out_dir: Path,
    db_url: str | None,
    program_id: str | None = None,
    province_code: str | None = None,
    token: str | None = None,
    report: bool = False,
) -> tuple[int, str]:
    """Run the daily-chain flow on a folder or a source URL; returns (exit status, one line).

    A Degraded run (sources stayed unreachable) exits 1: its outputs are written, but they
    rest on stale data, and a scheduler must not take that for success.
    """
    location = str(input_dir)
    if not _is_url(location) and not Path(location).is_dir():
        return EXIT_USAGE, f"rantai: input folder {input_dir} does not exist"
    _prepare_prefect()
    from pydantic import SecretStr

    from rantai.temporary_server import start_temporary_server

    start_temporary_server()  # without a server configured: one that dies with this command

    from flows.daily import daily_chain
    from flows.states import DEGRADED, REFUSED, STALLED, UNREADABLE

    state = daily_chain(
        input_dir=location,
        as_of=as_of,
        out_dir=str(out_dir),
        db_url=db_url,
        program_id=program_id,
        province_code=province_code,
        token=SecretStr(token) if token else None,
        report=report,
        return_state=True,
    )
    message = (state.message or "").splitlines()[0] if state.message else ""
    if state.name == UNREADABLE:
        return EXIT_USAGE, f"rantai: unreadable input: {message}"
    if state.name == REFUSED:
        return EXIT_USAGE, f"rantai run: {_as_options(message)}"
    if state.name == DEGRADED:
        return EXIT_ERROR, f"rantai: degraded, outputs in {out_dir} rest on stale data: {message}"
    if state.name == STALLED or state.is_completed():
        return EXIT_OK, f"rantai: {message or state.name}; outputs in {out_dir}"
    return EXIT_ERROR, f"rantai: run ended {state.name}: {message}"


def _generate(args: argparse.Namespace) -> list[Path]:
    from samples import DEMO_AS_OF, NATIONAL_WORKERS, write_national

    if not args.national:
        if args.workers is not None or args.changed:
            raise UsageError("rantai generate: --workers and --changed go with --national")
        return _generate_province(args.province, args.seed, args.as_of, args.out)
    workers = NATIONAL_WORKERS if args.workers is None else args.workers
    if workers < 1:
        raise UsageError(f"rantai generate: --workers must be at least 1, found {workers}")
    if not 0 <= args.changed <= 1:
        raise UsageError(f"rantai generate: --changed must be from 0 to 1, found {args.changed}")
    # Provinces are independent stories: one process per core writes the same bytes faster.
    return write_national(
        args.out,
        workers,
        args.seed,
        args.as_of or DEMO_AS_OF,
        changed=args.changed,
        processes=min(4, os.cpu_count() or 1),
    )


def _generate_province(province: str, seed: int, as_of: dt.date | None, out: Path) -> list[Path]:
    from rantai.regions import load_gazetteer
    from rantai.scope import checked_province
    from samples import DEMO_AS_OF, generate_province, write_folder

    try:
        code = checked_province(load_gazetteer(), province)
    except ValueError as error:
        raise UsageError(f"rantai generate: --province {error}") from None
    return write_folder(generate_province(code, seed, as_of or DEMO_AS_OF), out)


def _history(args: argparse.Namespace) -> tuple[int, str]:
    import pandas as pd

    from rantai.records import SOURCES
    from rantai.store.engine import engine_for
    from rantai.store.history import find_record, stall_history

    if bool(args.key) == bool(args.stalls):
        raise UsageError("rantai history: give either --key KEY or --stalls")
    if args.source and args.source not in SOURCES:
        raise UsageError(
            f"rantai history: unknown source {args.source!r}; one of {', '.join(SOURCES)}"
        )
    with engine_for(_check_db("history", args.db)).connect() as conn:
        try:
            found = (
                stall_history(conn, args.program, args.unit)
                if args.stalls
                else find_record(conn, args.key, args.source)
            )
        except ValueError as error:
            raise UsageError(f"rantai history: {error}") from None
    if found.empty:
        return EXIT_ERROR, "rantai history: nothing found"
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(found.to_string(index=False))
    return EXIT_OK, f"rantai history: {len(found)} row(s)"


def _demo(
    out: Path, seed: int, db_url: str | None, as_of: dt.date | None = None
) -> tuple[int, str]:
    """Generate the demo's story as delivered on `as_of` (default DEMO_AS_OF) and evaluate it
    as of that day."""
    from samples import DEMO_AS_OF, generate_demo, write_folder

    day = as_of or DEMO_AS_OF

    _check_out("demo", out)
    if db_url is not None:
        _check_db("demo", db_url)
    # The demo's story is on stdout; Prefect's per-task chatter would bury it.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    input_dir = out / "input"
    if input_dir.exists():
        shutil.rmtree(input_dir)
    write_folder(generate_demo(seed, day), input_dir)
    if db_url is None:
        database = out / "rantai-demo.db"
        for leftover in out.glob("rantai-demo.db*"):
            leftover.unlink()
        db_url = f"sqlite:///{database.resolve()}"
    status, message = run_chain(input_dir, day, out, db_url, report=True)
    if status == EXIT_OK:
        print(demo_report(out, input_dir))
    return status, message


def demo_report(out: Path, input_dir: Path) -> str:
    """A short, readable account of a run's outputs: what is stalled, where, money and workers."""
    import pandas as pd

    from rantai.regions import load_gazetteer
    from rantai.report import rupiah

    names = load_gazetteer().names
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    codes = dict.fromkeys(("province_code", "district_code", "unit_code"), str)
    stalls = pd.read_csv(out / "stalls.csv", dtype=codes)
    lines = [f"Rantai demo: the chain as of {summary['as_of']} (input: {input_dir})", ""]
    for p in summary["programs"]:
        allocated = p["allocated"] or 1
        lines.append(
            f"{p['program_id']} ({p['funding_source']}, {names.get(p['province_code'], '')})"
        )
        lines.append(f"  allocated {rupiah(p['allocated'])}")
        if p["funding_source"] == "BKBK":
            lines.append(
                f"  reached districts {rupiah(p['transferred_to_districts'])} "
                f"({100 * p['transferred_to_districts'] / allocated:.0f}%), "
                f"village accounts {rupiah(p['transferred_to_villages'])} "
                f"({100 * p['transferred_to_villages'] / allocated:.0f}%)"
            )
        lines.append(
            f"  premiums paid {rupiah(p['premiums_paid'])}; workers targeted {p['workers_targeted']:,},"
            f" paid for {p['workers_paid']:,}, covered {p['workers_active']:,}"
        )
    lines += ["", f"Stalled steps: {len(stalls)}"]
    if len(stalls):
        by = stalls.groupby(["program_id", "stage"], sort=False).agg(
            steps=("unit_code", "size"),
            money=("amount_at_stake", "sum"),
            workers=("workers_affected", "sum"),
            worst=("days_overdue", "max"),
        )
        for (program, stage), row in by.iterrows():
            lines.append(
                f"  {program:<18} {stage:<20} {row.steps:>5} stalled, {rupiah(row.money):>18} held, "
                f"{row.workers:>6,} workers, up to {row.worst} days overdue"
            )
        lines += ["", "Worst stalled steps:"]
        for r in stalls.head(8).itertuples():
            lines.append(
                f"  {r.severity:<8} {r.stage:<20} {names.get(r.unit_code, r.unit_code)} "
                f"({r.unit_code}, {names.get(r.district_code, '')}): {r.days_overdue} days overdue, "
                f"{rupiah(r.amount_at_stake)}, {r.workers_affected} workers"
            )
    quarantined = summary.get("quarantined", {})
    if quarantined:
        lines += ["", "Quarantined rows: " + ", ".join(f"{n} {k}" for k, n in quarantined.items())]
    lines += ["", f"Files: {out / 'stalls.csv'}, {out / 'quarantine.csv'}, {out / 'summary.json'}"]
    if (out / "report.html").exists():
        lines += [f"Monev report: {out / 'report.html'} (every table: {out / 'report.xlsx'})"]
    return "\n".join(lines)


def _run_source(args: argparse.Namespace) -> Path | str:
    """`rantai run` reads exactly one of --input and --source (else RANTAI_SOURCE)."""
    from rantai.settings import Settings

    if args.input is not None and args.source is not None:
        raise UsageError("rantai run: give either --input DIR or --source URL, not both")
    location: Path | str | None = args.input if args.input is not None else args.source
    if location is None:
        location = Settings().source or None
    if location is None:
        raise UsageError("rantai run: one of --input DIR or --source URL is required")
    if args.source is not None and not _is_url(args.source):
        raise UsageError(f"rantai run: --source must be an http(s) URL, found {args.source!r}")
    if args.token is not None and not _is_url(str(location)):
        raise UsageError("rantai run: --token goes with --source URL")
    if args.source is not None:
        from connectors.http import source_url_problem

        # Before the flow starts: its parameters (the URL among them) are recorded by Prefect.
        problem = source_url_problem(args.source)
        if problem:
            raise UsageError(f"rantai run: --source {problem}")
    return location


def _check_run(args: argparse.Namespace) -> None:
    """What `rantai run` is given, checked before the flow starts; the programme is checked
    in the flow, before the load (a programme new in this delivery is a valid scope)."""
    _check_scope("run", args.program, args.province)
    _check_db("run", args.db)
    _check_out("run", args.out)


def _simulate(args: argparse.Namespace) -> tuple[int, str]:
    from connectors.simulator import Misbehaviour, serve

    if not args.data.is_dir():
        raise UsageError(f"rantai simulate: data folder {args.data} does not exist")
    try:
        behaviour = Misbehaviour(
            fail_rate=args.fail_rate,
            rate_limit=args.rate_limit,
            latency_ms=args.latency_ms,
            slow_ms=args.slow_ms,
            retry_after=args.retry_after,
            seed=args.seed,
        )
    except ValueError as error:
        raise UsageError(f"rantai simulate: {error}") from None
    tally = serve(
        args.data, args.host, args.port, args.token, behaviour, lambda line: print(line, flush=True)
    )
    return EXIT_OK, f"rantai simulate: stopped after {tally.requests} requests"


def _report(args: argparse.Namespace) -> tuple[int, str]:
    from sqlalchemy.engine import make_url

    from rantai.monev import NothingToReport, write_report
    from rantai.regions import load_gazetteer
    from rantai.scope import checked_programme, scope_for
    from rantai.store.engine import engine_for
    from rantai.store.queries import read_source

    province = _check_scope("report", args.program, args.province)
    try:
        scope = scope_for(
            load_gazetteer(),
            args.program,
            province,
            [args.district] if args.district is not None else [],
            subdistrict_codes=[args.kecamatan] if args.kecamatan is not None else [],
        )
    except ValueError as error:
        raise UsageError(f"rantai report: {_as_options(str(error))}") from None
    db_url = _check_db("report", args.db)
    url = make_url(db_url)
    # The report only reads: a store that is not there would be created empty.
    database = url.database if url.get_backend_name() == "sqlite" else None
    if database not in (None, "", ":memory:") and not Path(str(database)).expanduser().exists():
        raise UsageError(f"rantai report: no store at {database} (run `rantai run` first)")
    _check_out("report", args.out)
    branch = None
    if args.branch is not None:
        scope, branch = _branch_scope(db_url, args.branch, args.program, province)
    if args.program is not None:
        with engine_for(db_url).connect() as conn:
            known = set(read_source(conn, "programs")["program_id"])
        try:
            checked_programme(args.program, known)
        except ValueError as error:
            raise UsageError(f"rantai report: --program {error}") from None
    try:
        files = write_report(db_url, args.as_of, args.out, scope, branch)
    except NothingToReport as error:
        raise UsageError(f"rantai report: {error}") from None
    if args.pdf:
        from rantai.monev.browser import NoBrowser
        from rantai.monev.pdf import write_pdf

        try:
            pdf = write_pdf(files.html, args.out / "report.pdf")
        except NoBrowser as error:
            return (
                EXIT_ERROR,
                f"rantai report: wrote {files.html} and {files.xlsx}; no PDF: {error}",
            )
        return EXIT_OK, f"rantai: wrote {files.html}, {files.xlsx} and {pdf}"
    return EXIT_OK, f"rantai: wrote {files.html} and {files.xlsx}"


def _branch_scope(
    db_url: str, code: str, program: str | None, province: str | None
) -> tuple[Scope, tuple[str, str]]:
    """`--branch`: the scope of the districts a BPJS branch serves (its own and its child
    offices'), and the branch as (code, name) for the report's title."""
    from rantai.monev.cuts import branch_districts
    from rantai.regions import load_gazetteer
    from rantai.scope import scope_for
    from rantai.store.engine import engine_for

    with engine_for(db_url).connect() as conn:
        try:
            branch = branch_districts(conn, code.strip())
        except ValueError as error:
            raise UsageError(f"rantai report: --branch {error}") from None
    if not branch.districts:
        raise UsageError(f"rantai report: --branch {code!r} serves no district")
    try:
        scope = scope_for(load_gazetteer(), program, province, branch.districts)
    except ValueError as error:
        raise UsageError(f"rantai report: --branch {code}: {_as_options(str(error))}") from None
    return scope, (branch.code, branch.name)


class Terminated(BaseException):
    """SIGTERM arrived: the command stops (a BaseException, so no `except Exception` on the
    way out takes it for an error to report and carry on)."""


def _stop_on_sigterm() -> object:
    """Make SIGTERM end the command within seconds: raised as `Terminated` in the main thread,
    it unwinds like Ctrl-C, so an open load transaction rolls back (nothing stored half) and
    Prefect's temporary server is stopped on the way out. During a flow run Prefect's own
    handler takes the signal first, stops the run (`tasks.fetch` cancels the fetches in
    flight), then hands it on to this one. Returns the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def stop(_signum: int, _frame: object) -> None:
        raise Terminated

    return signal.signal(signal.SIGTERM, stop)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rantai` console script."""
    replaced = _stop_on_sigterm()
    try:
        args = _parser().parse_args(argv)
        if args.command == "run":
            source = _run_source(args)
            _check_run(args)
            status, message = run_chain(
                source,
                args.as_of,
                args.out,
                args.db,
                args.program,
                args.province,
                args.token,
                report=args.report,
            )
        elif args.command == "report":
            status, message = _report(args)
        elif args.command == "simulate":
            status, message = _simulate(args)
        elif args.command == "history":
            status, message = _history(args)
        elif args.command == "demo":
            status, message = _demo(args.out, args.seed, args.db, args.as_of)
        else:
            paths = _generate(args)
            status, message = EXIT_OK, f"rantai: wrote {len(paths)} files to {args.out}"
    except UsageError as error:
        status, message = EXIT_USAGE, str(error)
    except KeyboardInterrupt:
        status, message = EXIT_ERROR, "rantai: interrupted"
    except Terminated:
        status, message = EXIT_ERROR, "rantai: stopped by SIGTERM; nothing was stored half"
    except Exception as error:  # a bug or an outage: one line, not a traceback
        first = next(iter(str(error).splitlines()), "")  # SQLAlchemy adds a "Background" line
        status, message = EXIT_ERROR, f"rantai: failed: {type(error).__name__}: {first}"
    finally:
        if replaced is not None:
            signal.signal(signal.SIGTERM, replaced)  # type: ignore[arg-type]
    print(message, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
