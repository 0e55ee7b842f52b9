"""The `rantai` command: run the chain, generate sample input, run the demo."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A bad invocation: exit status 2 with a one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # The contract wants one line for a bad invocation, not argparse's usage block.
        raise UsageError(f"{self.prog}: {message}")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rantai", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="evaluate the chain on an input folder (a Prefect flow)")
    run.add_argument("--input", required=True, type=Path, help="folder of contract files")
    run.add_argument("--as-of", required=True, type=_date, help="evaluation date YYYY-MM-DD")
    run.add_argument("--out", required=True, type=Path, help="folder for the output files")
    run.add_argument("--db", help="store URL (default RANTAI_DB_URL, else a per-user SQLite file)")
    run.add_argument("--program", help="evaluate one programme only")
    run.add_argument("--province", help="evaluate one province only (code, e.g. 15)")

    demo = commands.add_parser("demo", help="generate the bundled sample and evaluate it")
    demo.add_argument("--out", type=Path, default=Path("out/demo"), help="output folder")
    demo.add_argument("--seed", type=int, default=2025)
    demo.add_argument("--db", help="store URL (default: a fresh SQLite file in --out)")

    history = commands.add_parser("history", help="a record's versions, or the stall flag history")
    history.add_argument("--db", help="store URL (default RANTAI_DB_URL)")
    history.add_argument("--key", help="record key as in quarantine.csv, e.g. PAY1 or NIK|program")
    history.add_argument("--source", help="contract file stem (default: every source keyed alike)")
    history.add_argument("--stalls", action="store_true", help="when flags opened and resolved")
    history.add_argument("--program", help="with --stalls: one programme")
    history.add_argument("--unit", help="with --stalls: one unit code")

    gen = commands.add_parser("generate", help="write a realistic input folder for a province")
    gen.add_argument("--province", required=True, help="province code, e.g. 15 (Jambi)")
    gen.add_argument("--seed", type=int, default=2025)
    gen.add_argument("--as-of", type=_date, help="date the story is told at (default 2025-11-07)")
    gen.add_argument("--out", required=True, type=Path)
    return parser


def _prepare_prefect() -> None:
    from rantai.settings import PREFECT_DEFAULTS

    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


def run_chain(
    input_dir: Path,
    as_of: dt.date,
    out_dir: Path,
    db_url: str | None,
    program_id: str | None = None,
    province_code: str | None = None,
) -> tuple[int, str]:
    """Run the daily-chain flow; returns (exit status, one-line message)."""
    if not input_dir.is_dir():
        return EXIT_USAGE, f"rantai: input folder {input_dir} does not exist"
    _prepare_prefect()
    from flows.daily import daily_chain
    from flows.states import STALLED, UNREADABLE

    state = daily_chain(
        input_dir=str(input_dir),
        as_of=as_of,
        out_dir=str(out_dir),
        db_url=db_url,
        program_id=program_id,
        province_code=province_code,
        return_state=True,
    )
    message = (state.message or "").splitlines()[0] if state.message else ""
    if state.name == UNREADABLE:
        return EXIT_USAGE, f"rantai: unreadable input: {message}"
    if state.name == STALLED or state.is_completed():
        return EXIT_OK, f"rantai: {message or state.name}; outputs in {out_dir}"
    return EXIT_ERROR, f"rantai: run ended {state.name}: {message}"


def _generate(province: str, seed: int, as_of: dt.date | None, out: Path) -> list[Path]:
    from rantai.generate import DEMO_AS_OF, generate_province, write_folder
    from rantai.regions import load_gazetteer, normalise_code

    code = normalise_code(province)
    if code is None or len(code) != 2 or code not in load_gazetteer():
        raise UsageError(f"rantai generate: {province!r} is not a province code in the gazetteer")
    return write_folder(generate_province(code, seed, as_of or DEMO_AS_OF), out)


def _history(args: argparse.Namespace) -> tuple[int, str]:
    import pandas as pd

    from rantai.records import SOURCES
    from rantai.settings import Settings
    from rantai.store.engine import engine_for
    from rantai.store.history import find_record, stall_history

    if bool(args.key) == bool(args.stalls):
        raise UsageError("rantai history: give either --key KEY or --stalls")
    if args.source and args.source not in SOURCES:
        raise UsageError(
            f"rantai history: unknown source {args.source!r}; one of {', '.join(SOURCES)}"
        )
    with engine_for(args.db or Settings().database_url()).connect() as conn:
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


def _demo(out: Path, seed: int, db_url: str | None) -> tuple[int, str]:
    from rantai.generate import DEMO_AS_OF, generate_demo, write_folder

    # The demo's story is on stdout; Prefect's per-task chatter would bury it.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    input_dir = out / "input"
    if input_dir.exists():
        shutil.rmtree(input_dir)
    write_folder(generate_demo(seed, DEMO_AS_OF), input_dir)
    if db_url is None:
        database = out / "rantai-demo.db"
        for leftover in out.glob("rantai-demo.db*"):
            leftover.unlink()
        db_url = f"sqlite:///{database.resolve()}"
    status, message = run_chain(input_dir, DEMO_AS_OF, out, db_url)
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
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rantai` console script."""
    try:
        args = _parser().parse_args(argv)
        if args.command == "run":
            status, message = run_chain(
                args.input, args.as_of, args.out, args.db, args.program, args.province
            )
        elif args.command == "history":
            status, message = _history(args)
        elif args.command == "demo":
            status, message = _demo(args.out, args.seed, args.db)
        else:
            paths = _generate(args.province, args.seed, args.as_of, args.out)
            status, message = EXIT_OK, f"rantai: wrote {len(paths)} files to {args.out}"
    except UsageError as error:
        status, message = EXIT_USAGE, str(error)
    except KeyboardInterrupt:
        status, message = EXIT_ERROR, "rantai: interrupted"
    except Exception as error:  # a bug or an outage: one line, not a traceback
        status, message = EXIT_ERROR, f"rantai: failed: {type(error).__name__}: {error}"
    print(message, file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
