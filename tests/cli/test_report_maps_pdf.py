"""`rantai report` draws the districts in scope on a map, and `rantai report --pdf` prints the
report on A4 through the real headless Chromium: numbered pages, or a clear word on how to
install Chromium when there is none (the HTML and XLSX written all the same)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from rantai.cli import main
from rantai.monev.labels import rupiah_short
from rantai.monev.maps import NO_PROGRAMME, outlines
from tests.chain_folders import YEAR, first_load
from tests.cli.test_monev_report import chromium_or_skip

pytestmark = pytest.mark.usefixtures("prefect_server")

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    root = tmp_path_factory.mktemp("maps")
    db = f"sqlite:///{root / 'rantai.db'}"
    first_load(root / "in")
    args = ["--as-of", AS_OF, "--db", db]
    assert main(["run", "--input", str(root / "in"), "--out", str(root / "run"), *args]) == 0
    return {"root": root, "db": db}


def report(store: dict[str, Path | str], out: str, *extra: str) -> Path:
    folder = Path(store["root"]) / out
    args = ["--as-of", AS_OF, "--db", str(store["db"]), "--out", str(folder), *extra]
    assert main(["report", *args]) == 0
    return folder


def map_section(html: str) -> str:
    start = html.index('<section id="peta"')
    return html[start : html.index("</section>", start)]


def districts_drawn(section: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    # One group a district: its title, then its outline on each panel.
    for title, code, money, workers in re.findall(
        r'<g><title>(.*?)</title><use href="#dm([\d-]+)" fill="(#[0-9a-f]+)"/>'
        r'<use href="#dm\2"(?: [xy]="\d+")+ fill="(#[0-9a-f]+)"/></g>',
        section,
        re.S,
    ):
        out[code.replace("-", ".")] = [(money, unescape(title)), (workers, unescape(title))]
    return out


def test_the_report_maps_the_districts_in_its_scope(store):
    # Programmes in Jambi and Riau: the nation, every district twice (money, then workers).
    html = (report(store, "all") / "report.html").read_text(encoding="utf-8")
    section = map_section(html)
    drawn = districts_drawn(section)
    assert set(drawn) == set(outlines("national")) and len(drawn) == 514
    assert all(len(panels) == 2 for panels in drawn.values())
    # Bungo (15.08): A1 and A2 allocate 30 workers' year of premiums, 30 workers targeted.
    title = drawn["15.08"][0][1]
    assert "Kabupaten Bungo (15.08)" in title
    assert f"dari/of {rupiah_short(30 * YEAR)}" in title and "dari/of 30)" in title
    assert drawn["15.08"][0][0] != NO_PROGRAMME
    # A district no programme reaches is grey and says so.
    assert drawn["15.01"][0][0] == NO_PROGRAMME and "no programme" in drawn["15.01"][0][1]
    # No scripts and nothing fetched: not even the SVG namespace URL.
    assert "<script" not in html
    assert "http" not in section and "url(" not in section and "<image" not in section
    assert len(section.encode()) < 400_000

    # One province: its districts only, at the finer level, tens of kilobytes.
    province = (report(store, "jambi", "--province", "15") / "report.html").read_text("utf-8")
    section = map_section(province)
    jambi = {c for c in outlines("province") if c.startswith("15.")}
    assert set(districts_drawn(section)) == jambi
    assert len(section.encode()) < 60_000


def pdf_text(pdf: Path, page: int) -> str:
    if not shutil.which("pdftotext"):
        message = "pdftotext not found: apt-get install -y poppler-utils"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_report_pdf_prints_numbered_a4_pages(store):
    chromium_or_skip()
    folder = report(store, "pdf", "--pdf")
    pdf = folder / "report.pdf"
    assert (folder / "report.html").exists() and (folder / "report.xlsx").exists()
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", content)
    assert len(boxes) > 1
    for width, height in boxes:  # A4 is 595 x 842 points
        assert round(float(width)) == 595 and round(float(height)) == 842
    pages = len(boxes)
    for page in (1, pages):
        # "3 / 9" in the page's bottom margin (pdftotext may close up the spaces).
        assert re.search(rf"^\s*{page}\s*/\s*{pages}\s*$", pdf_text(pdf, page), re.M)
    assert not list(folder.glob(".*partial*"))


def test_report_pdf_without_chromium_says_how_to_install_it(store, monkeypatch, capsys):
    monkeypatch.setenv("RANTAI_CHROMIUM", str(Path(store["root"]) / "no-such-chromium"))
    folder = Path(store["root"]) / "nobrowser"
    args = ["--as-of", AS_OF, "--db", str(store["db"]), "--out", str(folder), "--pdf"]
    assert main(["report", *args]) == 1
    error = capsys.readouterr().err
    assert "apt-get install -y chromium" in error and "no PDF" in error
    assert (folder / "report.html").exists() and (folder / "report.xlsx").exists()
    assert not (folder / "report.pdf").exists()
