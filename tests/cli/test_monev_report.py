"""`rantai report` (and `rantai run --report`) on hand-built folders loaded through `rantai run`:
the report's numbers against what is stored, the village league's order against the rule,
report.xlsx against the same totals, and report.html as headless Chromium draws and prints it."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from rantai.cli import main
from rantai.monev.browser import NoBrowser, find_chromium, print_pdf, screenshot
from rantai.records import SOURCES
from rantai.store.engine import engine_for
from tests.chain_folders import PAYMENT_HEADER, YEAR, first_load, nik, second_load, write

pytestmark = pytest.mark.usefixtures("prefect_server")

FIRST_AS_OF, AS_OF = "2025-06-30", "2025-07-31"
PROGRAMS = ["inhil-apbd-2025", "inhu-apbdes-2025", "jambi-bkbk-2025"]

# The contract's sources as (table, programme column, amount column, date column) for the sums.
SUMS = {
    "allocated": ("allocations", "allocated_amount", "decree_date"),
    "transferred_to_districts": ("district_transfers", "amount", "transfer_date"),
    "transferred_to_villages": ("village_transfers", "amount", "transfer_date"),
    "premiums_paid": ("premium_payments", "amount", "paid_date"),
    "workers_targeted": ("allocations", "target_workers", "decree_date"),
    "workers_paid": ("premium_payments", "workers_count", "paid_date"),
}


def run(folder: Path, as_of: str, out: Path, db: str, *extra: str) -> int:
    return main(
        ["run", "--input", str(folder), "--as-of", as_of, "--out", str(out), "--db", db, *extra]
    )


def report(db: str, as_of: str, out: Path, *extra: str) -> int:
    return main(["report", "--db", db, "--as-of", as_of, "--out", str(out), *extra])


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    """Two runs of the hand-made chain (a first load, then a correction), and the report."""
    root = tmp_path_factory.mktemp("monev")
    db = f"sqlite:///{root / 'rantai.db'}"
    first_load(root / "in1")
    second_load(root / "in2")
    assert run(root / "in1", FIRST_AS_OF, root / "run1", db) == 0
    assert run(root / "in2", AS_OF, root / "run2", db, "--report") == 0
    assert report(db, AS_OF, root / "report") == 0
    return {"root": root, "db": db, "out": root / "report", "run2": root / "run2"}


def stored_sums(db: str, as_of: str) -> dict[str, dict[str, int]]:
    """Per programme: each funnel figure summed straight from the stored records."""
    sums: dict[str, dict[str, int]] = {p: {} for p in PROGRAMS}
    with engine_for(db).connect() as conn:
        for figure, (table, column, date) in SUMS.items():
            rows = conn.execute(
                text(
                    f"SELECT program_id, SUM({column}) FROM {table} "
                    f"WHERE {date} <= :as_of GROUP BY program_id"
                ),
                {"as_of": as_of},
            )
            for program_id, total in rows:
                sums[program_id][figure] = int(total)
        active = conn.execute(
            text(
                "SELECT e.program_id, COUNT(DISTINCT e.nik) FROM enrollments e JOIN coverage c "
                "ON c.nik = e.nik AND c.program_id = e.program_id "
                "WHERE c.status = 'AKTIF' AND c.coverage_start <= :as_of "
                "AND c.coverage_end >= :as_of AND e.registered_date <= :as_of "
                "GROUP BY e.program_id"
            ),
            {"as_of": as_of},
        )
        for program_id, count in active:
            sums[program_id]["workers_active"] = int(count)
    for program in sums.values():
        for figure in [*SUMS, "workers_active"]:
            program.setdefault(figure, 0)
    return sums


def sheet_rows(path: Path, title: str) -> list[dict[str, object]]:
    sheet = load_workbook(path, read_only=True)[title]
    rows = list(sheet.iter_rows(values_only=True))
    # A read-only sheet leaves off a row's empty cells at its end (Ringkasan's days to payment
    # before any claim is paid).
    width = len(rows[0])
    return [dict(zip(rows[0], row + (None,) * (width - len(row)), strict=True)) for row in rows[1:]]


PROGRAM_SHEET_COLUMNS = {
    "allocated": "Dialokasikan (Rp)",
    "transferred_to_districts": "Diterima kabupaten/kota (Rp)",
    "transferred_to_villages": "Diterima desa (Rp)",
    "premiums_paid": "Iuran dibayar (Rp)",
    "workers_targeted": "Target pekerja",
    "workers_paid": "Pekerja dibayar iurannya",
    "workers_active": "Pekerja terlindungi (AKTIF)",
}


def test_funnel_totals_are_the_sums_of_the_stored_records(chain):
    stored = stored_sums(str(chain["db"]), AS_OF)
    # The same worked out by hand from tests/chain_folders.py on 2025-07-31: PAY1 corrected to
    # 20 workers, VT2 (2025-07-05) known, A7 and PAY4 quarantined, 8 + 3 workers AKTIF.
    assert stored["jambi-bkbk-2025"] == {
        "allocated": 30 * YEAR,
        "transferred_to_districts": 30 * YEAR,
        "transferred_to_villages": 30 * YEAR,
        "premiums_paid": 20 * YEAR,
        "workers_targeted": 30,
        "workers_paid": 20,
        "workers_active": 8,
    }
    assert stored["inhil-apbd-2025"]["workers_active"] == 3

    rows = {r["Program"]: r for r in sheet_rows(chain["out"] / "report.xlsx", "Program")}
    assert sorted(rows) == PROGRAMS
    for program_id, figures in stored.items():
        for figure, header in PROGRAM_SHEET_COLUMNS.items():
            expected = figures[figure]
            if figure.startswith("transferred") and program_id != "jambi-bkbk-2025":
                expected = 0  # transfers are a BKBK step
            assert rows[program_id][header] == expected, (program_id, figure)

    # The districts add up to their programme.
    districts = sheet_rows(chain["out"] / "report.xlsx", "Kabupaten-Kota")
    assert {(d["Program"], d["Kode kabupaten/kota"]) for d in districts} == {
        ("inhil-apbd-2025", "14.04"),
        ("inhu-apbdes-2025", "14.02"),
        ("jambi-bkbk-2025", "15.08"),
    }
    for header in PROGRAM_SHEET_COLUMNS.values():
        assert sum(d[header] for d in districts) == sum(r[header] for r in rows.values())

    summary = json.loads((Path(chain["run2"]) / "summary.json").read_text())
    for program in summary["programs"]:
        for figure, header in PROGRAM_SHEET_COLUMNS.items():
            assert rows[program["program_id"]][header] == program[figure]


def test_xlsx_has_a_formatted_sheet_per_table_with_every_stalled_step(chain):
    path = chain["out"] / "report.xlsx"
    book = load_workbook(path)
    assert book.sheetnames == [
        "Ringkasan",
        # The Perlindungan section's sheets first, as the section opens the report.
        "Gagal Terlindungi",
        "Klaim per Program",
        "Klaim",
        "Perlindungan Program",
        "Perlindungan Kab-Kota",
        "Perlindungan Unit",
        "Segera Berakhir",
        "Segera Berakhir per Unit",
        "Tahun ke Tahun",
        "Program",
        "Kabupaten-Kota",
        "Keterlambatan",
        "Dana Mengendap",
        "Riwayat",
        "Hari-Pekerja",
        "Peringkat Desa",
        "Desa Dikunjungi",
        "Realisasi Program",
        "Realisasi Kab-Kota",
        "Langkah Macet",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    program = book["Program"]
    headers = [c.value for c in program[1]]
    money = program.cell(row=2, column=headers.index("Dialokasikan (Rp)") + 1)
    assert isinstance(money.value, int) and money.number_format == '"Rp"#,##0'

    totals = {r["Ukuran"]: r["Nilai"] for r in sheet_rows(path, "Ringkasan")}
    assert totals["Tanggal laporan"].date() == dt.date(2025, 7, 31)
    assert totals["Dialokasikan (Rp)"] == (30 + 20 + 15) * YEAR
    assert totals["Pekerja terlindungi (AKTIF)"] == 11
    assert totals["Iuran dibayar (Rp)"] == (20 + 15) * YEAR

    # Every stalled step of the run on the same date, in its order, worst first.
    # Read by the header's names: contract v2 put case_id among the columns.
    with (Path(chain["run2"]) / "stalls.csv").open(newline="") as handle:
        stalls_csv = list(csv.DictReader(handle))
    stalls = sheet_rows(path, "Langkah Macet")
    assert [(s["Kode unit"], s["Hari terlambat"]) for s in stalls] == [
        (row["unit_code"], int(row["days_overdue"])) for row in stalls_csv
    ]
    # Whose move each step is, in words, as stalls.csv names it (issue 15).
    words = {"PROVINCE": "Pemerintah provinsi", "DISTRICT": "Pemerintah kabupaten/kota"}
    words |= {"VILLAGE": "Pemerintah desa", "BPJS": "BPJS Ketenagakerjaan"}
    assert [s["Harus bertindak"] for s in stalls] == [words[r["responsible"]] for r in stalls_csv]
    assert totals["Langkah macet"] == len(stalls_csv)


def test_history_replays_the_flag_history_of_earlier_runs(chain):
    history = sheet_rows(chain["out"] / "report.xlsx", "Riwayat")
    second = json.loads((Path(chain["run2"]) / "summary.json").read_text())
    assert [(h["Tanggal run"].date().isoformat(), h["Langkah macet"]) for h in history] == [
        (FIRST_AS_OF, 6),
        (AS_OF, second["stalls"]["total"]),
    ]
    # On 2025-06-30, counted once per worker: Bungo's villages V1 (10, its premium and cover
    # steps are the same workers) and V2 (10); Inhil's district case (12); W3 (5).
    assert history[0]["Pekerja di langkah macet"] == 37
    # The report's own date is its own evaluation, as in its summary.
    totals = {
        r["Ukuran"]: r["Nilai"] for r in sheet_rows(chain["out"] / "report.xlsx", "Ringkasan")
    }
    assert history[1]["Pekerja di langkah macet"] == totals["Pekerja di langkah macet"]
    assert history[1]["Selesai"] == second["resolved"]


def test_run_with_report_flag_writes_the_report_beside_its_outputs(chain):
    run2 = Path(chain["run2"])
    assert (run2 / "report.html").stat().st_size > 10_000
    assert (run2 / "report.xlsx").exists()
    # The run's report and `rantai report` on the same store and date say the same.
    assert sheet_rows(run2 / "report.xlsx", "Program") == sheet_rows(
        chain["out"] / "report.xlsx", "Program"
    )


def league_folder(folder: Path) -> None:
    """An APBDes programme whose villages take known times from money to cover (as of 06-30).

    W1 9 days (2 paid, 3 active: the 2nd cover start counts), Pelangko 24 days with 3 workers,
    W2 24 days with 2, W3 29 days; W5 never paid (149 days and counting), W9 paid for 2 with
    only 1 active (121 days and counting).
    """
    villages = {
        "W1": "14.02.01.2001",
        "W2": "14.02.01.2002",
        "W3": "14.02.01.2003",
        "W5": "14.02.01.2005",
        "W9": "14.02.01.2009",
        "PL": "14.02.03.2018",
    }
    plan = {  # decree, workers, payment date (or None), cover starts (None: NON_AKTIF)
        "W1": ("2025-03-01", 2, "2025-03-05", ["2025-03-08", "2025-03-10", "2025-03-28"]),
        "W2": ("2025-03-01", 2, "2025-03-20", ["2025-03-25", "2025-03-25"]),
        "W3": ("2025-03-01", 2, "2025-03-03", ["2025-03-04", "2025-03-30"]),
        "W5": ("2025-02-01", 2, None, []),
        "W9": ("2025-03-01", 2, "2025-03-05", ["2025-03-08", None]),
        "PL": ("2025-03-01", 3, "2025-03-20", ["2025-03-22", "2025-03-25", "2025-03-25"]),
    }
    write(
        folder,
        "programs",
        ["program_id", "funding_source", "province_code", "fiscal_year", "name"],
        [["league-apbdes-2025", "APBDES", "14", "2025", "APBDes Inhu 2025"]],
    )
    allocations, payments, enrollments, coverage = [], [], [], []
    serial = 0
    for key, (decree, workers, paid, covers) in plan.items():
        code = villages[key]
        allocations.append(
            [
                f"L-{key}",
                "league-apbdes-2025",
                code,
                workers * YEAR,
                workers * YEAR,
                workers,
                12,
                decree,
            ]
        )
        if paid:
            payments.append(
                [f"P-{key}", "league-apbdes-2025", code, paid, workers * YEAR, workers, 12, key]
            )
        for start in covers:
            serial += 1
            worker = nik(code.replace(".", "")[:6], serial)
            enrollments.append(
                [worker, f"Pekerja {serial}", code, "petani", "league-apbdes-2025", "2025-02-15"]
            )
            status = "AKTIF" if start else "NON_AKTIF"
            coverage.append(
                [worker, "league-apbdes-2025", "", start or "2025-03-08", "2025-12-31", status]
            )
    write(
        folder,
        "allocations",
        SOURCES["allocations"].columns,
        allocations,
    )
    write(
        folder,
        "premium_payments",
        PAYMENT_HEADER,
        payments,
    )
    write(
        folder,
        "enrollments",
        ["nik", "name", "village_code", "occupation", "program_id", "registered_date"],
        enrollments,
    )
    write(
        folder,
        "coverage",
        ["nik", "program_id", "kpj_no", "coverage_start", "coverage_end", "status"],
        coverage,
    )


def test_village_league_ranks_by_coverage_within_the_programme(tmp_path):
    db = f"sqlite:///{tmp_path / 'league.db'}"
    league_folder(tmp_path / "in")
    assert run(tmp_path / "in", FIRST_AS_OF, tmp_path / "run", db) == 0
    assert report(db, FIRST_AS_OF, tmp_path / "out", "--program", "league-apbdes-2025") == 0

    # Each village's cover runs from March to 31 December: 9 months a worker, of 12 promised.
    # W1 covers 3 workers for 2 promised (27 worker-months, counted as its 24): 100 %.
    # Pelangko 27 of 36, W2 and W3 18 of 24: 75 % each, the larger promise first, then the
    # code. W9 9 of 24; W5 nothing.
    league = sheet_rows(tmp_path / "out" / "report.xlsx", "Peringkat Desa")
    assert [
        (r["Peringkat cakupan (dalam program)"], r["Kode desa"], r["Cakupan (%)"]) for r in league
    ] == [
        (1, "14.02.01.2001", 100.0),
        (2, "14.02.03.2018", 75.0),
        (3, "14.02.01.2002", 75.0),
        (4, "14.02.01.2003", 75.0),
        (5, "14.02.01.2009", 37.5),
        (6, "14.02.01.2005", 0.0),
    ]
    assert [(r["Bulan-pekerja dijanjikan"], r["Bulan-pekerja terlindungi"]) for r in league] == [
        (24, 27),
        (36, 27),
        (24, 18),
        (24, 18),
        (24, 9),
        (24, 0),
    ]
    assert (league[1]["Desa"], league[1]["Kecamatan"], league[1]["Kabupaten/Kota"]) == (
        "Pelangko",
        "Kelayang",
        "Kabupaten Indragiri Hulu",
    )
    # The speed ranking stays, within the programme: W1 covered 9 days after its decree.
    assert (
        league[0]["Hari sampai terlindungi"],
        league[0]["Peringkat kecepatan (dalam program)"],
    ) == (9, 1)

    # The villages to visit: each one's longest unfinished step and whose move it is. W5 has
    # not paid since its decree (02-01); W3's, W9's, W2's and Pelangko's paid months are not
    # all covered (from their payments), W9's activation waits as long and comes first.
    visit = sheet_rows(tmp_path / "out" / "report.xlsx", "Desa Dikunjungi")
    assert [
        (
            r["Urutan (dalam program)"],
            r["Kode desa"],
            r["Langkah terlama belum selesai"],
            r["Harus bertindak"],
            r["Hari menunggu"],
        )
        for r in visit
    ] == [
        (1, "14.02.01.2005", "Pembayaran iuran", "Pemerintah desa", 149),
        (2, "14.02.01.2003", "Masa perlindungan", "BPJS Ketenagakerjaan", 119),
        (3, "14.02.01.2009", "Aktivasi kepesertaan", "BPJS Ketenagakerjaan", 117),
        (4, "14.02.03.2018", "Masa perlindungan", "BPJS Ketenagakerjaan", 102),
        (5, "14.02.01.2002", "Masa perlindungan", "BPJS Ketenagakerjaan", 102),
    ]
    assert (visit[0]["Kecamatan"], visit[0]["Kabupaten/Kota"]) == (
        "Rengat",
        "Kabupaten Indragiri Hulu",
    )

    html = (tmp_path / "out" / "report.html").read_text()
    section = html[html.index('id="peringkat-desa"') : html.index('id="realisasi"')]
    assert section.index("Sungai Guntung Tengah") < section.index("Pelangko")
    assert "100,0%" in section and "Pemerintah desa" in section


def test_realisasi_per_step_and_quarter_adds_up_and_ends_at_the_funnel(chain):
    path = chain["out"] / "report.xlsx"
    programs = sheet_rows(path, "Realisasi Program")
    districts = sheet_rows(path, "Realisasi Kab-Kota")
    key = ("Program", "Langkah", "Triwulan")
    summed: dict[tuple[object, ...], list[int]] = {}
    for r in districts:
        totals = summed.setdefault(tuple(r[k] for k in key), [0, 0, 0])
        for i, column in enumerate(("Pagu (Rp)", "Realisasi kumulatif (Rp)", "Sisa (Rp)")):
            totals[i] += r[column]
    assert {
        tuple(r[k] for k in key): [r["Pagu (Rp)"], r["Realisasi kumulatif (Rp)"], r["Sisa (Rp)"]]
        for r in programs
    } == summed
    for r in [*programs, *districts]:
        assert r["Sisa (Rp)"] == r["Pagu (Rp)"] - r["Realisasi kumulatif (Rp)"]
        assert isinstance(r["Pagu (Rp)"], int) and isinstance(r["Realisasi kumulatif (Rp)"], int)
    # 2025's quarters begun by 31 July, the third to the report date; its cumulative
    # realisasi is what the funnel shows on that date.
    stored = stored_sums(str(chain["db"]), AS_OF)
    last = {(r["Program"], r["Langkah"]): r for r in programs if r["Triwulan"] == "TW III"}
    assert last[("jambi-bkbk-2025", "Transfer ke kabupaten/kota")][
        "Realisasi s.d. tanggal"
    ].date() == dt.date(2025, 7, 31)
    for program_id in PROGRAMS:
        assert (
            last[(program_id, "Alokasi (SK)")]["Realisasi kumulatif (Rp)"]
            == stored[program_id]["allocated"]
        )
        assert (
            last[(program_id, "Pembayaran iuran")]["Realisasi kumulatif (Rp)"]
            == stored[program_id]["premiums_paid"]
        )
    bkbk = "jambi-bkbk-2025"
    assert (
        last[(bkbk, "Transfer ke kabupaten/kota")]["Realisasi kumulatif (Rp)"]
        == stored[bkbk]["transferred_to_districts"]
    )
    assert (
        last[(bkbk, "Transfer ke desa")]["Realisasi kumulatif (Rp)"]
        == stored[bkbk]["transferred_to_villages"]
    )
    assert sorted({r["Triwulan"] for r in programs}) == ["TW I", "TW II", "TW III"]

    html = (chain["out"] / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="realisasi"') :]
    assert "Realisasi anggaran per triwulan" in section and "Sisa" in section


def test_report_html_stands_alone_and_names_things_in_indonesian(chain):
    html = (chain["out"] / "report.html").read_text(encoding="utf-8")
    # Nothing fetched: no scripts, no stylesheets or images from elsewhere.
    assert "<script" not in html
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "@page" in html and "size: A4" in html and "@media print" in html
    assert html.count("<svg") >= 5
    for label in ("Desa", "Kabupaten/Kota", "Iuran", "Pekerja", "Kecamatan", "Harus bertindak"):
        assert label in html
    assert 'id="lang-en"' in html and "Glossary" in html  # the English switch and glossary
    # The report opens with Perlindungan: the first section, before the money overview.
    assert html.index("<section") == html.index('<section id="perlindungan"')
    assert html.index('id="perlindungan"') < html.index('id="ringkasan"')
    # No personal data: the NIKs and names of the input are nowhere in the report.
    enrollments = (Path(chain["root"]) / "in1" / "enrollments.csv").read_text()
    assert re.search(r"\d{16}", enrollments)
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", html)
    assert "Pekerja 1" not in html and "Nelayan" not in html


def chromium_or_skip() -> str:
    try:
        return find_chromium()
    except NoBrowser as error:
        if os.environ.get("CI"):
            pytest.fail(f"{error} (CI is set: .ci/run installs it, so this is a failure)")
        pytest.skip(str(error))


def test_report_html_renders_in_headless_chromium_and_prints_on_a4(chain):
    from PIL import Image

    chromium_or_skip()
    png = screenshot(chain["out"] / "report.html", chain["out"] / "first-page.png")
    with Image.open(png) as image:
        assert image.size == (1240, 1754)
        pixels = image.convert("RGB")
        colours = pixels.getcolors(maxcolors=1 << 20)
        assert colours is not None
        not_white = sum(n for n, rgb in colours if sum(rgb) < 3 * 245)
        # A blank page is one colour; the report's first page has the header band, the
        # cards and the funnel bars.
        assert len(colours) > 50
        assert not_white > 0.08 * 1240 * 1754
        band = pixels.getpixel((620, 40))
        assert band[2] > band[0] and sum(band) < 300  # the dark teal header band

    pdf = print_pdf(chain["out"] / "report.html", chain["out"] / "report.pdf")
    content = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", content)
    assert boxes, "no pages in the printed PDF"
    for width, height in boxes:  # A4 is 595 x 842 points
        assert abs(float(width) - 595.3) < 2 and abs(float(height) - 841.9) < 2
    assert len(boxes) >= 4


def test_report_refuses_what_it_cannot_do(tmp_path, capsys):
    missing = tmp_path / "missing.db"
    assert report(f"sqlite:///{missing}", AS_OF, tmp_path / "out") == 2
    assert "no store" in capsys.readouterr().err
    assert not missing.exists()  # the report only reads: it does not create a store

    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    engine_for(empty)  # migrated, no programme in it
    assert report(empty, AS_OF, tmp_path / "out") == 2
    assert "no programme" in capsys.readouterr().err
    assert main(["report", "--db", empty, "--as-of", "31/07/2025", "--out", str(tmp_path)]) == 2
    assert report(empty, AS_OF, tmp_path / "out", "--province", "15.08") == 2
    assert not (tmp_path / "out" / "report.html").exists()


def test_money_at_rest_is_where_the_records_leave_it(chain):
    resting = sheet_rows(chain["out"] / "report.xlsx", "Dana Mengendap")
    # On 2025-07-31: Bungo passed all it received on and V1 paid its premiums in full; V2 got
    # its money on 07-05 and paid nothing; Indragiri Hilir paid 15 of its 20 workers' premiums
    # (decree 05-01); the Indragiri Hulu villages paid nothing since their decrees.
    assert [
        (r["Tingkat"], r["Kode pemegang dana"], r["Dana mengendap (Rp)"], r["Hari"])
        for r in resting
    ] == [
        ("Kabupaten/Kota", "14.04", 5 * YEAR, 91),
        ("Desa", "14.02.01.2003", 5 * YEAR, 62),
        ("Desa", "14.02.01.2002", 5 * YEAR, 61),
        ("Desa", "14.02.01.2001", 5 * YEAR, 56),
        ("Desa", "15.08.01.2002", 10 * YEAR, 26),
    ]
    assert [r["Lama (hari)"] for r in resting] == ["91-180", "31-90", "31-90", "31-90", "0-30"]
    totals = {
        r["Ukuran"]: r["Nilai"] for r in sheet_rows(chain["out"] / "report.xlsx", "Ringkasan")
    }
    assert totals["Dana mengendap (Rp)"] == 30 * YEAR


def test_report_on_postgresql_says_the_same_as_on_sqlite(chain, postgres_url, tmp_path):
    first_load(tmp_path / "in1")
    second_load(tmp_path / "in2")
    assert run(tmp_path / "in1", FIRST_AS_OF, tmp_path / "run1", postgres_url) == 0
    assert run(tmp_path / "in2", AS_OF, tmp_path / "run2", postgres_url) == 0
    assert report(postgres_url, AS_OF, tmp_path / "out") == 0
    on_sqlite = load_workbook(chain["out"] / "report.xlsx", read_only=True)
    on_postgres = load_workbook(tmp_path / "out" / "report.xlsx", read_only=True)
    assert on_postgres.sheetnames == on_sqlite.sheetnames
    for title in on_sqlite.sheetnames:
        assert list(on_postgres[title].values) == list(on_sqlite[title].values), title


def test_covered_workers_agree_with_the_stage_engine(chain):
    from rantai.monev.data import covered_workers, known_records
    from rantai.scope import Scope
    from rantai.stages import evaluate
    from rantai.store.queries import read_frames

    as_of = dt.date.fromisoformat(AS_OF)
    with engine_for(str(chain["db"])).connect() as conn:
        frames = read_frames(conn, Scope())
    cases = evaluate(frames, as_of).cases
    coverage = cases.loc[cases["stage"] == "COVERAGE_ACTIVATION"]
    engine = {
        (p, u): int(a)
        for p, u, a in zip(
            coverage["program_id"], coverage["unit_code"], coverage["achieved"], strict=True
        )
        if a
    }
    covered = covered_workers(known_records(frames, as_of), as_of)
    mine = covered.groupby(["program_id", "unit_code"]).size().to_dict()
    assert (
        mine
        == engine
        == {
            ("jambi-bkbk-2025", "15.08.01.2001"): 8,
            ("inhil-apbd-2025", "14.04"): 3,
        }
    )
