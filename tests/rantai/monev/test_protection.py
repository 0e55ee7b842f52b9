"""The Perlindungan section from the engine's contract v2 frames, worked by hand
(tests/rantai/monev/protection_example.py): the families without their benefit, claims and
days to payment, workers promised against covered today, lapsed, ending within 30 days (NIKs
masked), months paid against months covered in rupiah, and last year against this year."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pandas as pd
import pytest
from openpyxl import load_workbook

from rantai.monev import Monev, assemble, charts
from rantai.monev.data import stalled_steps
from rantai.monev.html import render_html
from rantai.monev.protection import (
    Protection,
    build_protection,
    last_year_of,
    predecessor_frames,
    predecessors,
)
from rantai.monev.xlsx import write_xlsx
from rantai.records import SOURCES, mask_nik
from rantai.scope import Scope
from rantai.stages import Evaluation
from tests.rantai.monev import protection_example as ex


@pytest.fixture
def protection() -> Protection:
    return build_protection(
        ex.evaluation(), ex.PROGRAMS, ex.NAMES, Scope(), ex.last_year(), ex.LAST_YEAR
    )


def test_failures_name_the_unit_the_stage_who_must_act_and_the_rupiah(protection):
    failures = protection.failures
    assert list(failures["claim_id"]) == ["C-2", "C-3"]  # by event date, as the engine sorts
    first = failures.iloc[0]
    assert (first["unit_name"], first["subdistrict_name"], first["district_name"]) == (
        "Rantau Keloyang",
        "Pelepat",
        "Kabupaten Bungo",
    )
    assert first["program_name"] == "BKBK Jambi 2025"
    assert (first["blocking_stage"], first["days_overdue_on_event"], first["responsible"]) == (
        "VILLAGE_TRANSFER",
        12,
        "DISTRICT",
    )
    assert first["benefit_at_stake"] == ex.JKM
    # A JKK claim with no amount paid: its benefit is unknown, not zero.
    assert pd.isna(failures.iloc[1]["benefit_at_stake"])
    assert failures.iloc[1]["subdistrict_name"] == ""  # an APBD unit is its district
    assert "nik" not in failures.columns and "name" not in failures.columns
    totals = protection.totals
    assert (totals["failures"], totals["failure_rupiah"], totals["failures_unknown_rupiah"]) == (
        2,
        ex.JKM,
        1,
    )


def test_claims_filed_paid_rejected_pending_and_days_to_payment(protection):
    summary = protection.claim_summary.set_index(["program_id", "benefit"])
    assert summary.loc[("bkbk-2025", "JKM")][
        ["filed", "paid", "rejected", "pending", "pending_overdue", "benefits_paid"]
    ].tolist() == [4, 2, 0, 2, 1, 2 * ex.JKM]
    # Paid in 10 and 14 days: median 12, longest 14.
    assert summary.loc[("bkbk-2025", "JKM")][["median_days", "max_days", "failures"]].tolist() == [
        12,
        14,
        1,
    ]
    assert summary.loc[("apbd-2025", "JKK")][
        ["filed", "paid", "rejected", "pending", "median_days", "max_days", "failures"]
    ].tolist() == [2, 1, 1, 0, 21, 21, 1]
    totals = protection.totals
    assert [totals[k] for k in ("claims_filed", "claims_paid", "claims_rejected")] == [6, 3, 1]
    assert [totals[k] for k in ("claims_pending", "claims_pending_overdue")] == [2, 1]
    assert totals["benefits_paid"] == 2 * ex.JKM + 5_000_000
    assert (totals["median_days"], totals["max_days"]) == (14, 21)  # of 10, 14 and 21 days

    claims = protection.claims.set_index("claim_id")
    assert bool(claims.loc["C-2", "overdue"]) and not bool(claims.loc["C-5", "overdue"])
    # C-5's worker is not enrolled: no unit, still a claim filed.
    assert pd.isna(claims.loc["C-5", "unit_code"]) and claims.loc["C-5", "unit_name"] == ""
    assert "nik" not in protection.claims.columns


def test_workers_promised_covered_lapsed_and_months_paid_against_covered(protection):
    programs = protection.programs.set_index("program_id")
    bkbk = programs.loc["bkbk-2025"]
    assert bkbk[
        [
            "workers_targeted",
            "workers_paid",
            "workers_activated",
            "workers_covered",
            "workers_lapsed",
            "workers_expiring_30d",
            "paid_worker_months",
            "covered_worker_months",
        ]
    ].tolist() == [15, 15, 13, 11, 2, 3, 180, 140]
    # V1 paid 120 worker-months and shows 80: 40 months at Rp16.800 bought no cover.
    assert (bkbk["months_unused"], bkbk["rupiah_unused"]) == (40, 40 * 16_800)
    # Inhil shows more cover than it paid for: nothing unused (never below 0), at the default
    # rate since the programme gives none.
    apbd = programs.loc["apbd-2025"]
    assert (apbd["months_unused"], apbd["rupiah_unused"], apbd["premium_rate"]) == (0, 0, 16_800)
    assert list(protection.programs["program_id"]) == ["apbd-2025", "bkbk-2025"]  # most promised

    districts = protection.districts.set_index(["program_id", "district_code"])
    assert districts.loc[("bkbk-2025", "15.08"), "workers_covered"] == 11
    assert districts.loc[("bkbk-2025", "15.08"), "district_name"] == "Kabupaten Bungo"
    units = protection.units.set_index("unit_code")
    assert units.loc[ex.V1, "rupiah_unused"] == 672_000 and units.loc[ex.V2, "months_unused"] == 0

    totals = protection.totals
    assert (totals["workers_targeted"], totals["workers_covered"], totals["workers_lapsed"]) == (
        35,
        26,
        2,
    )
    assert (totals["workers_expiring_30d"], totals["rupiah_unused"]) == (5, 672_000)


def test_the_list_to_act_on_before_cover_lapses_masks_every_nik(protection):
    units = protection.expiring_units
    assert list(
        zip(units["unit_code"], units["workers"], units["workers_covered"], strict=True)
    ) == [
        (ex.INHIL, 2, 15),
        (ex.V1, 3, 6),
    ]
    assert list(units["first_end"]) == [dt.date(2025, 9, 20), dt.date(2025, 9, 30)]
    assert list(units["last_end"]) == [dt.date(2025, 10, 1), dt.date(2025, 10, 5)]
    assert units.iloc[1]["unit_name"] == "Rantau Keloyang"

    workers = protection.expiring
    assert list(workers["nik_masked"]) == [
        mask_nik("1404010101900008"),
        mask_nik("1508010101900002"),
        mask_nik("1508015501900003"),
        mask_nik("1404010101900007"),
        mask_nik("1508010101900001"),
    ]
    assert workers["nik_masked"].iloc[0] == "1404********0008"
    assert list(workers["cover_end"])[:3] == [dt.date(2025, 9, 20)] + [dt.date(2025, 9, 30)] * 2
    assert "nik" not in workers.columns


def test_this_year_against_last_year_per_district(protection):
    assert protection.last_year == ex.LAST_YEAR
    year = protection.year_on_year
    rows = {
        r.district_code: (
            r.workers_targeted_before,
            r.workers_targeted_now,
            r.workers_paid_before,
            r.workers_paid_now,
            r.workers_covered_before,
            r.workers_covered_now,
            r.workers_lapsed_before,
            r.workers_lapsed_now,
        )
        for r in year.itertuples()
    }
    assert rows == {"15.08": (8, 15, 4, 15, 3, 11, 0, 2), "15.09": (5, 0, 5, 0, 4, 0, 1, 0)}
    assert set(year["program_id"]) == {"bkbk-2025"}
    assert set(year["predecessor_name"]) == {"BKBK Jambi 2024"}
    assert list(year["district_name"]) == ["Kabupaten Bungo", "Kabupaten Tebo"]


def test_last_year_is_the_same_day_a_year_earlier_and_only_predecessors_are_evaluated():
    assert last_year_of(dt.date(2025, 9, 15)) == dt.date(2024, 9, 15)
    assert last_year_of(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    pairs = predecessors(ex.PROGRAMS)
    assert pairs.values.tolist() == [["bkbk-2025", "bkbk-2024"]]
    frames = {
        "programs": ex.PROGRAMS,
        "claims": pd.DataFrame({"program_id": ["bkbk-2024", "bkbk-2025"], "claim_id": ["a", "b"]}),
    }
    earlier = predecessor_frames(frames, pairs)
    assert earlier is not None
    assert list(earlier["programs"]["program_id"]) == ["bkbk-2024"]
    assert list(earlier["claims"]["claim_id"]) == ["a"]
    # A predecessor that names no known programme, or none at all: nothing to compare.
    unknown = ex.PROGRAMS.assign(predecessor_id=[None, "bkbk-2023", None])
    assert predecessors(unknown).empty and predecessor_frames(frames, predecessors(unknown)) is None
    assert predecessors(ex.PROGRAMS.drop(columns="predecessor_id")).empty


def test_a_scope_keeps_its_own_rows_and_places_a_claim_without_a_unit_by_its_province():
    jambi = build_protection(ex.evaluation(), ex.PROGRAMS, ex.NAMES, Scope(province_code="15"))
    assert list(jambi.failures["claim_id"]) == ["C-2"]
    assert sorted(jambi.claims["claim_id"]) == ["C-1", "C-2", "C-5", "C-6"]
    assert set(jambi.units["unit_code"]) == {ex.V1, ex.V2}
    assert list(jambi.expiring_units["unit_code"]) == [ex.V1]
    assert jambi.year_on_year.empty and jambi.last_year is None

    village = build_protection(ex.evaluation(), ex.PROGRAMS, ex.NAMES, Scope(codes=(ex.V2,)))
    assert sorted(village.claims["claim_id"]) == ["C-1", "C-6"]
    assert village.failures.empty and village.expiring.empty


def test_empty_frames_give_empty_tables_and_zero_totals_not_an_error():
    empty = Evaluation(cases=pd.DataFrame(), stalls=pd.DataFrame(), programs=[])
    protection = build_protection(empty, ex.PROGRAMS, ex.NAMES, Scope(), empty, ex.LAST_YEAR)
    for table in (
        protection.failures,
        protection.claims,
        protection.claim_summary,
        protection.programs,
        protection.districts,
        protection.units,
        protection.expiring_units,
        protection.expiring,
        protection.year_on_year,
    ):
        assert table.empty
    assert protection.totals["failures"] == protection.totals["claims_filed"] == 0
    assert protection.totals["median_days"] is None
    assert protection.totals["workers_covered"] == 0


def monev_with(protection: Protection, programs: pd.DataFrame = ex.PROGRAMS) -> Monev:
    """A report of the example's programmes whose v1 tables are empty, with `protection`."""
    frames = {name: pd.DataFrame(columns=source.columns) for name, source in SOURCES.items()}
    frames["programs"] = programs.reindex(columns=SOURCES["programs"].columns)
    runs = pd.DataFrame(columns=["run_id", "as_of", "started_at"])
    monev = assemble(frames, ex.AS_OF, Scope(), pd.DataFrame(), runs, pd.DataFrame(), ex.NAMES)
    return replace(monev, protection=protection)


def test_the_report_opens_with_perlindungan_and_names_every_failure(protection):
    html = render_html(monev_with(protection))
    assert html.index("<section") == html.index('<section id="perlindungan"')
    assert html.index('id="perlindungan"') < html.index('id="ringkasan"')
    section = html[html.index('id="perlindungan"') : html.index('id="ringkasan"')]
    assert "Keluarga tanpa manfaat" in section and "Families without their benefit" in section
    for text in (
        "Rantau Keloyang",
        "Transfer ke desa",
        "Pemerintah kabupaten/kota",
        "Rp42.000.000",
        "belum diketahui",  # the JKK failure's benefit
        "12 / 14",  # bkbk JKM claims: median / longest days to payment
        "Berakhir pertama",
        "BKBK Jambi 2024",  # the year-on-year comparison's predecessor
        "15 September 2024",  # the day last year's figures are of
    ):
        assert text in section, text
    findings = section[section.index("Temuan perlindungan") : section.index("</ul>")]
    for text in (
        # The two failures have different causes: the first one found names its stage.
        "2 keluarga tidak mendapat manfaatnya (Rp42,0 jt): 1 karena transfer ke desa tertahan; "
        "harus bertindak: pemerintah kabupaten/kota.",
        "1 klaim menunggu pembayaran melewati SLA; yang terlama diajukan 12 Agustus 2025.",
        "Perlindungan 5 pekerja di 2 desa/unit berakhir dalam 30 hari; paling awal "
        "Kabupaten Indragiri Hilir, 20 September 2025.",
        "Rp672.000 iuran membayar 40 bulan-pekerja yang tidak tercatat aktif di BPJS; "
        "terbanyak di Rantau Keloyang (Rp672.000).",
        "BKBK Jambi 2025: 11 pekerja terlindungi, setahun lalu (15 September 2024) 7.",
    ):
        assert text in findings, text
    # No NIK, masked or not, and no name in the page.
    assert not re.search(r"\d{16}|\d{4}\*{8}\d{4}", html)


def test_an_empty_protection_section_says_so_plainly():
    empty = Evaluation(cases=pd.DataFrame(), stalls=pd.DataFrame(), programs=[])
    html = render_html(monev_with(build_protection(empty, ex.PROGRAMS, ex.NAMES, Scope())))
    section = html[html.index('id="perlindungan"') : html.index('id="ringkasan"')]
    assert "Belum ada klaim yang tercatat" in section
    assert "Belum ada angka perlindungan per unit" in section
    assert "Tidak ada perlindungan yang tercatat berakhir" in section
    assert "Tidak ada program yang menyebut program tahun sebelumnya" in section


def test_source_text_is_escaped_in_the_page_and_neutralised_in_the_workbook(tmp_path):
    hostile = ex.PROGRAMS.assign(
        name=["<img src=x onerror=alert(1)>", '=HYPERLINK("http://x")', "@SUM(1)"]
    )
    evaluation = ex.evaluation()
    evaluation.failures.loc[0, "claim_id"] = "<b>C-2</b>"
    monev = monev_with(build_protection(evaluation, hostile, ex.NAMES, Scope()), hostile)
    html = render_html(monev)
    assert "<img src=x" not in html and "<b>C-2</b>" not in html
    assert "&lt;b&gt;C-2&lt;/b&gt;" in html
    path = write_xlsx(monev, tmp_path / "report.xlsx", ex.NAMES)
    book = load_workbook(path)
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert '\'=HYPERLINK("http://x")' in {c.value for c in cells}


PROTECTION_SHEETS = [
    "Gagal Terlindungi",
    "Klaim per Program",
    "Klaim",
    "Perlindungan Program",
    "Perlindungan Kab-Kota",
    "Perlindungan Unit",
    "Segera Berakhir",
    "Segera Berakhir per Unit",
    "Tahun ke Tahun",
]


def rows_of(path, title: str) -> list[dict[str, object]]:
    sheet = load_workbook(path, read_only=True)[title]
    rows = list(sheet.iter_rows(values_only=True))
    # Read-only sheets leave off a row's empty cells at its end.
    width = len(rows[0])
    return [dict(zip(rows[0], row + (None,) * (width - len(row)), strict=True)) for row in rows[1:]]


def test_report_xlsx_has_a_sheet_for_each_part_of_perlindungan_first(protection, tmp_path):
    path = write_xlsx(monev_with(protection), tmp_path / "report.xlsx", ex.NAMES)
    book = load_workbook(path)
    assert book.sheetnames[: 1 + len(PROTECTION_SHEETS)] == ["Ringkasan", *PROTECTION_SHEETS]
    for title in PROTECTION_SHEETS:
        assert book[title].freeze_panes == "A2", title

    failures = rows_of(path, "Gagal Terlindungi")
    assert [(f["Nomor klaim"], f["Tertahan di"], f["Harus bertindak"]) for f in failures] == [
        ("C-2", "Transfer ke desa", "Pemerintah kabupaten/kota"),
        ("C-3", "Pembayaran iuran", "Pemerintah kabupaten/kota"),
    ]
    assert [f["Manfaat (Rp)"] for f in failures] == [ex.JKM, None]  # unknown stays empty
    assert failures[0]["Tanggal kejadian"].date() == dt.date(2025, 8, 10)

    claims = {c["Nomor klaim"]: c for c in rows_of(path, "Klaim")}
    assert claims["C-2"]["Lewat SLA"] == "ya" and claims["C-1"]["Hari sampai dibayar"] == 10
    summary = rows_of(path, "Klaim per Program")
    assert [(s["Program"], s["Median hari sampai dibayar"]) for s in summary] == [
        ("apbd-2025", 21),
        ("bkbk-2025", 12),
    ]
    programs = {p["Program"]: p for p in rows_of(path, "Perlindungan Program")}
    assert programs["bkbk-2025"]["Iuran tanpa perlindungan (Rp)"] == 672_000
    expiring = rows_of(path, "Segera Berakhir")
    assert [e["NIK (disamarkan)"] for e in expiring][0] == "1404********0008"
    year = rows_of(path, "Tahun ke Tahun")
    assert [(y["Kode kabupaten/kota"], y["Terlindungi tahun lalu"]) for y in year] == [
        ("15.08", 3),
        ("15.09", 4),
    ]
    totals = {r["Ukuran"]: r["Nilai"] for r in rows_of(path, "Ringkasan")}
    assert totals["Keluarga tanpa manfaat (klaim tanpa perlindungan saat kejadian)"] == 2
    assert totals["Median hari sampai klaim dibayar"] == 14
    # No NIK anywhere in the workbook, only masked ones.
    texts = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not any(re.search(r"(?<!\d)\d{16}(?!\d)", t) for t in texts)


def test_an_empty_protection_section_still_writes_its_sheets(tmp_path):
    empty = Evaluation(cases=pd.DataFrame(), stalls=pd.DataFrame(), programs=[])
    monev = monev_with(build_protection(empty, ex.PROGRAMS, ex.NAMES, Scope()))
    path = write_xlsx(monev, tmp_path / "report.xlsx", ex.NAMES)
    for title in PROTECTION_SHEETS:
        assert rows_of(path, title) == [], title
    totals = {r["Ukuran"]: r["Nilai"] for r in rows_of(path, "Ringkasan")}
    assert totals["Klaim diajukan"] == 0 and totals["Median hari sampai klaim dibayar"] is None


def test_assemble_evaluates_the_predecessors_a_year_earlier_only_when_there_are_some():
    # The records are empty, so there is nothing to compare, but last year was evaluated.
    frames = {name: pd.DataFrame(columns=source.columns) for name, source in SOURCES.items()}
    frames["programs"] = ex.PROGRAMS.reindex(columns=SOURCES["programs"].columns)
    runs = pd.DataFrame(columns=["run_id", "as_of", "started_at"])
    monev = assemble(frames, ex.AS_OF, Scope(), pd.DataFrame(), runs, pd.DataFrame(), ex.NAMES)
    assert monev.protection.last_year == ex.LAST_YEAR
    assert monev.protection.year_on_year.empty
    frames["programs"] = frames["programs"].assign(predecessor_id=None)
    monev = assemble(frames, ex.AS_OF, Scope(), pd.DataFrame(), runs, pd.DataFrame(), ex.NAMES)
    assert monev.protection.last_year is None


def test_the_protection_chart_is_well_formed_svg_in_both_languages(protection):
    programs = protection.programs.assign(program_name=["<Inhil & co>", "BKBK"])
    for svg in (charts.protection(programs), charts.protection(programs.iloc[:0])):
        root = ET.fromstring(svg)
        classes = {c for e in root.iter() for c in e.get("class", "").split()}
        assert {"l-id", "l-en"} <= classes
    drawn = charts.protection(programs)
    assert "&lt;Inhil &amp; co&gt;" in drawn
    assert "15 dari 20 (75%)" in drawn and "11 of 15 (73%)" in drawn
    # A long name is cut short of its bar.
    long = programs.assign(program_name=["Iuran Pekerja Rentan dari Dana Desa Kabupaten X", "B"])
    assert ">Iuran Pekerja Rentan dari Dana…<" in charts.protection(long)


def test_a_report_of_one_programme_still_sets_it_against_its_predecessor():
    bkbk = Scope(program_id="bkbk-2025")
    protection = build_protection(
        ex.evaluation(), ex.PROGRAMS, ex.NAMES, bkbk, ex.last_year(), ex.LAST_YEAR
    )
    assert set(protection.units["program_id"]) == {"bkbk-2025"}
    assert list(protection.year_on_year["district_code"]) == ["15.08", "15.09"]
    assert list(protection.year_on_year["workers_covered_before"]) == [3, 4]

    # The store's read of one programme holds only its records: the predecessor's come apart.
    frames = {name: pd.DataFrame(columns=source.columns) for name, source in SOURCES.items()}
    programs = ex.PROGRAMS.reindex(columns=SOURCES["programs"].columns)
    earlier = {name: frame.copy() for name, frame in frames.items()}
    frames["programs"] = programs.loc[programs["program_id"] == "bkbk-2025"]
    earlier["programs"] = programs.loc[programs["program_id"] == "bkbk-2024"]
    runs = pd.DataFrame(columns=["run_id", "as_of", "started_at"])
    monev = assemble(
        frames, ex.AS_OF, bkbk, pd.DataFrame(), runs, pd.DataFrame(), ex.NAMES, earlier
    )
    assert monev.protection.last_year == ex.LAST_YEAR
    assert list(monev.programs["program_id"]) == ["bkbk-2025"]  # the funnel stays its own


def test_a_stalled_claim_shows_its_claim_and_an_unknown_benefit_as_unknown(tmp_path):
    stalls = ex.evaluation().stalls
    stalls["amount_at_stake"] = pd.array([None], dtype="Int64")  # a JKK claim, amount unknown
    shown = stalled_steps(stalls, pd.DataFrame(), ex.NAMES)
    monev = replace(monev_with(Protection()), stalls=shown)
    html = render_html(monev)
    table = html[html.index("Langkah macet, terburuk dulu") :]
    assert "Pembayaran klaim" in table and "C-2" in table and "belum diketahui" in table
    path = write_xlsx(monev, tmp_path / "report.xlsx", ex.NAMES)
    [row] = rows_of(path, "Langkah Macet")
    assert (row["Tahap"], row["Nomor klaim"], row["Dana tertahan (Rp)"]) == (
        "Pembayaran klaim",
        "C-2",
        None,
    )


def test_rupiah_without_cover_stay_exact_past_64_bits():
    rate = 99_999_999_999_999  # AMOUNT_MAX
    programs = ex.PROGRAMS.assign(premium_rate_monthly=[rate, rate, rate])
    evaluation = ex.evaluation()
    evaluation.protection.loc[:, "paid_worker_months"] = 120_000_000
    protection = build_protection(evaluation, programs, ex.NAMES, Scope())
    bkbk = protection.programs.set_index("program_id").loc["bkbk-2025"]
    expected = (120_000_000 - 80 + 120_000_000 - 60) * rate
    assert expected > 2**63 and int(bkbk["rupiah_unused"]) == expected
    assert protection.totals["rupiah_unused"] == expected + (120_000_000 - 190) * rate


def test_a_worker_of_last_year_s_programme_is_counted_and_listed_once():
    evaluation = ex.evaluation()
    # bkbk-2024 still has V1 in the report: its workers are counted again in bkbk-2025's V1.
    extra = ex.protection_rows(
        ex.AS_OF, [("bkbk-2024", "BKBK", "15", "15.08", ex.V1, 8, 4, 3, 2, 0, 1, 48, 30, 100)]
    )
    evaluation = replace(
        evaluation,
        protection=pd.concat([extra, evaluation.protection], ignore_index=True),
        expiring=pd.concat(
            [
                evaluation.expiring,
                pd.DataFrame(
                    [("bkbk-2024", "BKBK", "15", "15.08", ex.V1, "1508010101900001", ex.d("2025-10-05"))],
                    columns=evaluation.expiring.columns,
                ),
            ],
            ignore_index=True,
        ),
    )  # fmt: skip
    protection = build_protection(evaluation, ex.PROGRAMS, ex.NAMES, Scope())
    assert protection.superseded == ("bkbk-2024",)
    totals = protection.totals
    # Workers: bkbk-2025 and apbd-2025 only; months: every programme's own payments and cover.
    assert (totals["workers_targeted"], totals["workers_covered"]) == (35, 26)
    assert (totals["paid_worker_months"], totals["covered_worker_months"]) == (408, 360)
    assert totals["rupiah_unused"] == (40 + 18) * 16_800
    # The worker ending on 5 October is listed once, in this year's programme.
    assert len(protection.expiring) == 5
    assert set(protection.expiring_units["program_id"]) == {"apbd-2025", "bkbk-2025"}
    # Each programme keeps its own row in the tables.
    assert set(protection.programs["program_id"]) == {"apbd-2025", "bkbk-2024", "bkbk-2025"}
