"""The README's picture of the Monev report: the demo's story run month by month (so the report
has a flag history to draw), the report as of the demo date, and a PNG of its first page.

    .venv/bin/python tools/report_screenshot.py [--out out/report-demo] [--png docs/img/report.png]
        [--kecamatan 15.08.17 --kecamatan-png docs/img/report-kecamatan.png]

Each month end from April to the demo date is one `rantai run` (a Prefect flow) on what the
sources had reported by then, into one store; then `rantai report` and headless Chromium;
then the same report cut for one kecamatan (what its camat takes home), pictured too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
from pathlib import Path

from rantai.cli import EXIT_OK, run_chain
from rantai.monev import write_report
from rantai.monev.browser import screenshot
from rantai.regions import load_gazetteer
from rantai.scope import Scope, scope_for
from samples import DEMO_AS_OF, generate_demo, write_folder

RUN_DATES = [
    dt.date(2025, 4, 30),
    dt.date(2025, 5, 31),
    dt.date(2025, 6, 30),
    dt.date(2025, 7, 31),
    dt.date(2025, 8, 31),
    dt.date(2025, 9, 30),
    dt.date(2025, 10, 31),
    DEMO_AS_OF,
]


def main(argv: list[str] | None = None) -> int:
    """Build the demo history, write the report and picture its first page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/report-demo"))
    parser.add_argument("--png", type=Path, default=Path("docs/img/report.png"))
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--kecamatan", default="15.08.17", help="the kecamatan of the cut")
    parser.add_argument("--kecamatan-png", type=Path, default=Path("docs/img/report-kecamatan.png"))
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    db_url = f"sqlite:///{(args.out / 'rantai.db').resolve()}"
    for as_of in RUN_DATES:
        folder = args.out / "input" / as_of.isoformat()
        write_folder(generate_demo(args.seed, as_of), folder)
        status, message = run_chain(folder, as_of, args.out / "runs" / as_of.isoformat(), db_url)
        print(message, flush=True)
        if status != EXIT_OK:
            return status
    files = write_report(db_url, DEMO_AS_OF, args.out, Scope())
    png = screenshot(files.html, args.png)
    print(f"wrote {files.html}, {files.xlsx} and {png}")
    cut = scope_for(load_gazetteer(), subdistrict_codes=[args.kecamatan])
    cut_files = write_report(db_url, DEMO_AS_OF, args.out / "kecamatan", cut)
    cut_png = screenshot(cut_files.html, args.kecamatan_png)
    print(f"wrote {cut_files.html} and {cut_png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
