"""What faults cost: the demo data over HTTP from `rantai simulate`, fault-free and at a fault
rate, against the same data from files. Prints requests, retries, faults and wall times, and
checks that every run gives the same stalls.csv, quarantine.csv and stored rows.

    .venv/bin/python benchmarks/http_sources.py [--fail-rates 0 0.3] [--seeds 1 2 3]
        [--latency-ms 0] [--out DIR]

The connector runs with its production settings (pages of 1000, backoff 0.5 s doubling to 30 s,
read timeout 30 s); the simulator with its defaults (a "slow" fault stalls 3 s, a 429 asks
for 1 s). A files run comes first: it starts Prefect's temporary server, so the HTTP runs'
wall times do not include that.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.request import urlopen

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rantai.cli import main  # noqa: E402
from samples import DEMO_AS_OF, generate_demo, write_folder  # noqa: E402

TOKEN = "bench-token"


@contextlib.contextmanager
def simulator(data: Path, *options: str) -> Iterator[str]:
    """`rantai simulate` in a subprocess on a free port; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rantai.cli", "simulate", "--data", str(data), "--port", "0"]
        + list(options),
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    found = re.search(r"http://[\d.]+:\d+", process.stdout.readline())
    assert found, "the simulator did not start"
    try:
        yield found.group(0)
    finally:
        process.terminate()
        process.communicate(timeout=60)


def timed_run(argv: list[str]) -> tuple[int, float]:
    started = time.perf_counter()
    status = main(argv)
    return status, time.perf_counter() - started


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fail-rates", type=float, nargs="+", default=[0.0, 0.3])
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1], help="simulator seeds")
    parser.add_argument("--out", type=Path, default=REPO / "out" / "bench-http")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

    data = args.out / "input"
    for leftover in args.out.glob("**/*.db*"):
        leftover.unlink()
    write_folder(generate_demo(2025, DEMO_AS_OF), data)
    as_of = DEMO_AS_OF.isoformat()
    rows = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in data.glob("*.csv"))

    def db(name: str) -> str:
        return f"sqlite:///{(args.out / f'{name}.db').resolve()}"

    status, files_wall = timed_run(
        ["run", "--input", str(data), "--as-of", as_of, "--out", str(args.out / "files")]
        + ["--db", db("files")]
    )
    assert status == 0, status
    reference = {n: (args.out / "files" / n).read_bytes() for n in ("stalls.csv", "quarantine.csv")}
    print(f"demo data: {rows:,} rows in 7 files; files run {files_wall:.1f} s")
    print(
        "fail rate | seed | requests | retries | faults | fetch wall (s) | time waiting (s) "
        "| run wall (s) | same outputs"
    )
    runs = [(rate, seed) for rate in args.fail_rates for seed in (args.seeds if rate else [0])]
    for rate, seed in runs:
        name = f"http-{rate:g}-{seed}"
        options = ["--fail-rate", str(rate), "--token", TOKEN, "--seed", str(seed)]
        options += ["--latency-ms", str(args.latency_ms)]
        with simulator(data, *options) as url:
            status, wall = timed_run(
                ["run", "--source", url, "--token", TOKEN, "--as-of", as_of]
                + ["--out", str(args.out / name), "--db", db(name)]
            )
            injected = json.loads(urlopen(f"{url}/health", timeout=10).read())["faults"]
        assert status == 0, status
        fetches = json.loads((args.out / name / "fetches.json").read_text())
        faults: Counter[str] = Counter()
        for f in fetches.values():
            faults.update(f["faults"])
        same = all((args.out / name / n).read_bytes() == b for n, b in reference.items())
        print(
            f"{rate:9g} | {seed:4d} | {sum(f['requests'] for f in fetches.values()):8d} "
            f"| {sum(f['retries'] for f in fetches.values()):7d} "
            f"| {sum(faults.values()):6d} "
            f"| {max(f['elapsed_seconds'] for f in fetches.values()):14.1f} "
            f"| {sum(f['waited_seconds'] for f in fetches.values()):16.1f} "
            f"| {wall:12.1f} | {same}"
        )
        print("          faults met by the client:", dict(sorted(faults.items())))
        print("          faults the simulator injected:", injected)


if __name__ == "__main__":
    main_bench()
