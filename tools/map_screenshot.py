"""The README's picture of the national map (docs/img/map-national.png): a small national story
(every desa of every province, few workers, so it stays quick), one `rantai run`, the report,
and a PNG of its map section as headless Chromium draws it.

    .venv/bin/python tools/map_screenshot.py [--out out/map-national]
        [--png docs/img/map-national.png] [--workers 100000] [--province CODE]

With --province the story is one province's and the picture its map (quicker still). The store
is kept in --out: a second call with --reuse only reports and pictures again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from rantai.cli import EXIT_OK, run_chain
from rantai.monev import read_monev
from rantai.monev.browser import screenshot
from rantai.monev.html import render_html
from rantai.scope import Scope
from rantai.store.engine import engine_for
from samples import DEMO_AS_OF, generate_province, write_folder, write_national

WINDOW = (1240, 1200)


def map_page(report: Path, page: Path) -> Path:
    """A page of the report's map section alone, with the report's own styles."""
    html = report.read_text(encoding="utf-8")
    start = html.index('<section id="peta"')
    section = html[start : html.index("</section>", start) + len("</section>")]
    head = html[: html.index("<body>")]
    page.write_text(
        f'{head}<body><input type="checkbox" id="lang-en"><div class="report">{section}'
        "</div></body></html>",
        encoding="utf-8",
    )
    return page


def trimmed(png: Path, margin: int = 16) -> Path:
    """The PNG cut to what is drawn on it, with a white margin."""
    from PIL import Image, ImageChops

    with Image.open(png) as image:
        rgb = image.convert("RGB")
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, "white")).getbbox()
    if box:
        left, top, right, bottom = box
        rgb = rgb.crop(
            (
                max(left - margin, 0),
                max(top - margin, 0),
                min(right + margin, rgb.width),
                min(bottom + margin, rgb.height),
            )
        )
    # A map has few colours: a palette keeps the picture small.
    rgb.quantize(colors=64).save(png, optimize=True)
    return png


def main(argv: list[str] | None = None) -> int:
    """Build the story, write the report and picture its map."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out/map-national"))
    parser.add_argument("--png", type=Path, default=Path("docs/img/map-national.png"))
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--province", help="one province's story and map instead (e.g. 15)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--reuse", action="store_true", help="report from the store in --out")
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

    db_url = f"sqlite:///{(args.out / 'rantai.db').resolve()}"
    if not args.reuse:
        if args.out.exists():
            shutil.rmtree(args.out)
        folder = args.out / "input"
        if args.province:
            write_folder(generate_province(args.province, args.seed, DEMO_AS_OF), folder)
        else:
            write_national(folder, args.workers, args.seed, DEMO_AS_OF, processes=2)
        status, message = run_chain(folder, DEMO_AS_OF, args.out / "run", db_url)
        print(message, flush=True)
        if status != EXIT_OK:
            return status
    # report.html only (`rantai report` also writes report.xlsx: minutes on a national store).
    with engine_for(db_url).connect() as conn:
        monev = read_monev(conn, DEMO_AS_OF, Scope())
    html = args.out / "report" / "report.html"
    html.parent.mkdir(parents=True, exist_ok=True)
    html.write_text(render_html(monev), encoding="utf-8")
    page = map_page(html, args.out / "report" / "map.html")
    png = trimmed(screenshot(page, args.png, WINDOW))
    print(f"wrote {html} and {png} ({png.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
