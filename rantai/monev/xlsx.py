"""report.xlsx: every table of the report in full, one sheet each, for whoever keeps the
spreadsheet: rupiah formatted, header row frozen, filters on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from rantai.monev.data import Monev
from rantai.monev.labels import (
    BENEFITS,
    BLOCKING,
    CLAIM_STATUS,
    LEVEL_LABELS,
    MONEY_STEPS,
    RESPONSIBLE,
    SEVERITY,
    STAGES,
)
from rantai.untrusted import neutralise_formula

RUPIAH_FORMAT = '"Rp"#,##0'
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
_HEADER_FILL = PatternFill("solid", fgColor="0B4F5C")
_HEADER_FONT = Font(bold=True, color="FFFFFF")

RUPIAH, COUNT, DATE, TEXT = "rupiah", "count", "date", "text"
# A share kept in tenths of a percent (an int), shown as a percentage with one decimal.
PERCENT = "percent"
PERCENT_FORMAT = "0.0"


@dataclass(frozen=True)
class Column:
    """One column of a sheet: where its values come from, its header and its kind."""

    source: str
    header: str
    kind: str = TEXT
    convert: Callable[[Any], Any] | None = None


def _id(pair: dict[str, tuple[str, str]]) -> Callable[[Any], Any]:
    return lambda v: pair.get(str(v), (v,))[0] if v is not None else None


FUNNEL_SHEET = [
    Column("allocated", "Dialokasikan (Rp)", RUPIAH),
    Column("transferred_to_districts", "Diterima kabupaten/kota (Rp)", RUPIAH),
    Column("transferred_to_villages", "Diterima desa (Rp)", RUPIAH),
    Column("premiums_paid", "Iuran dibayar (Rp)", RUPIAH),
    Column("workers_targeted", "Target pekerja", COUNT),
    Column("workers_paid", "Pekerja dibayar iurannya", COUNT),
    Column("workers_active", "Pekerja terlindungi (AKTIF)", COUNT),
]


def _yes_no(value: Any) -> str:
    return "ya" if value else "tidak"


PROTECTION_FIGURES = [
    Column("workers_targeted", "Pekerja dijanjikan (target)", COUNT),
    Column("workers_paid", "Pekerja dibayar iurannya", COUNT),
    Column("workers_activated", "Pekerja pernah diaktifkan", COUNT),
    Column("workers_covered", "Terlindungi hari ini", COUNT),
    Column("workers_lapsed", "Perlindungan putus", COUNT),
    Column("workers_expiring_30d", "Berakhir dalam 30 hari", COUNT),
    Column("paid_worker_months", "Bulan-pekerja dibayar", COUNT),
    Column("covered_worker_months", "Bulan-pekerja terlindungi", COUNT),
    Column("months_unused", "Bulan-pekerja dibayar tanpa perlindungan", COUNT),
    Column("rupiah_unused", "Iuran tanpa perlindungan (Rp)", RUPIAH),
]

# The Perlindungan section's sheets, first after Ringkasan as the section opens the report.
PROTECTION_SHEETS: list[tuple[str, str, list[Column]]] = [
    (
        "Gagal Terlindungi",
        "failures",
        [
            Column("event_date", "Tanggal kejadian", DATE),
            Column("benefit", "Manfaat", convert=_id(BENEFITS)),
            Column("claim_id", "Nomor klaim"),
            Column("status", "Status klaim", convert=_id(CLAIM_STATUS)),
            Column("program_id", "Program"),
            Column("program_name", "Nama program"),
            Column("unit_code", "Kode unit"),
            Column("unit_name", "Desa / unit"),
            Column("subdistrict_name", "Kecamatan"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("blocking_stage", "Tertahan di", convert=_id(BLOCKING)),
            Column("days_overdue_on_event", "Hari terlambat saat kejadian", COUNT),
            Column("responsible", "Harus bertindak", convert=_id(RESPONSIBLE)),
            Column("benefit_at_stake", "Manfaat (Rp)", RUPIAH),
        ],
    ),
    (
        "Klaim per Program",
        "claim_summary",
        [
            Column("program_id", "Program"),
            Column("program_name", "Nama program"),
            Column("benefit", "Manfaat", convert=_id(BENEFITS)),
            Column("filed", "Diajukan", COUNT),
            Column("paid", "Dibayar", COUNT),
            Column("rejected", "Ditolak", COUNT),
            Column("pending", "Dalam proses", COUNT),
            Column("pending_overdue", "Dalam proses lewat SLA", COUNT),
            Column("benefits_paid", "Manfaat dibayar (Rp)", RUPIAH),
            Column("median_days", "Median hari sampai dibayar", COUNT),
            Column("max_days", "Terlama sampai dibayar (hari)", COUNT),
            Column("failures", "Tanpa perlindungan saat kejadian", COUNT),
        ],
    ),
    (
        "Klaim",
        "claims",
        [
            Column("claim_id", "Nomor klaim"),
            Column("program_id", "Program"),
            Column("program_name", "Nama program"),
            Column("benefit", "Manfaat", convert=_id(BENEFITS)),
            Column("event_date", "Tanggal kejadian", DATE),
            Column("claim_date", "Tanggal klaim", DATE),
            Column("status", "Status", convert=_id(CLAIM_STATUS)),
            Column("overdue", "Lewat SLA", convert=_yes_no),
            Column("paid_date", "Tanggal dibayar", DATE),
            Column("days_to_payment", "Hari sampai dibayar", COUNT),
            Column("paid_amount", "Dibayar (Rp)", RUPIAH),
            Column("benefit_at_stake", "Manfaat (Rp)", RUPIAH),
            Column("failure", "Tanpa perlindungan saat kejadian", convert=_yes_no),
            Column("unit_code", "Kode unit"),
            Column("unit_name", "Desa / unit"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
        ],
    ),
    (
        "Perlindungan Program",
        "protection_programs",
        [
            Column("program_id", "Program"),
            Column("program_name", "Nama program"),
            Column("funding_source", "Sumber dana"),
            Column("province_code", "Kode provinsi"),
            Column("province_name", "Provinsi"),
            Column("premium_rate", "Iuran per pekerja per bulan (Rp)", RUPIAH),
            *PROTECTION_FIGURES,
        ],
    ),
    (
        "Perlindungan Kab-Kota",
        "protection_districts",
        [
            Column("program_id", "Program"),
            Column("program_name", "Nama program"),
            Column("funding_source", "Sumber dana"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            *PROTECTION_FIGURES,
        ],
    ),
    (
        "Perlindungan Unit",
        "protection_units",
        [
            Column("program_id", "Program"),
            Column("funding_source", "Sumber dana"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("unit_code", "Kode unit"),
            Column("unit_name", "Desa / unit"),
            Column("subdistrict_name", "Kecamatan"),
            *PROTECTION_FIGURES,
            Column("uncovered_worker_days", "Hari-pekerja tanpa perlindungan", COUNT),
            Column("premium_rate", "Iuran per pekerja per bulan (Rp)", RUPIAH),
        ],
    ),
    (
        "Segera Berakhir",
        "expiring",
        [
            Column("cover_end", "Perlindungan berakhir", DATE),
            Column("nik_masked", "NIK (disamarkan)"),
            Column("program_id", "Program"),
            Column("unit_code", "Kode unit"),
            Column("unit_name", "Desa / unit"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
        ],
    ),
    (
        "Segera Berakhir per Unit",
        "expiring_units",
        [
            Column("first_end", "Berakhir pertama", DATE),
            Column("last_end", "Berakhir terakhir", DATE),
            Column("program_id", "Program"),
            Column("unit_code", "Kode unit"),
            Column("unit_name", "Desa / unit"),
            Column("subdistrict_name", "Kecamatan"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("workers", "Pekerja yang berakhir", COUNT),
            Column("workers_covered", "Terlindungi hari ini", COUNT),
        ],
    ),
    (
        "Tahun ke Tahun",
        "year_on_year",
        [
            Column("program_id", "Program"),
            Column("program_name", "Nama program"),
            Column("predecessor_id", "Program tahun lalu"),
            Column("predecessor_name", "Nama program tahun lalu"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("workers_targeted_before", "Target tahun lalu", COUNT),
            Column("workers_targeted_now", "Target tahun ini", COUNT),
            Column("workers_paid_before", "Dibayar tahun lalu", COUNT),
            Column("workers_paid_now", "Dibayar tahun ini", COUNT),
            Column("workers_covered_before", "Terlindungi tahun lalu", COUNT),
            Column("workers_covered_now", "Terlindungi tahun ini", COUNT),
            Column("workers_lapsed_before", "Putus tahun lalu", COUNT),
            Column("workers_lapsed_now", "Putus tahun ini", COUNT),
        ],
    ),
]

REALISASI_COLUMNS = [
    Column("step", "Langkah", convert=_id(MONEY_STEPS)),
    Column("quarter_label", "Triwulan"),
    Column("until", "Realisasi s.d. tanggal", DATE),
    Column("pagu", "Pagu (Rp)", RUPIAH),
    Column("realisasi", "Realisasi kumulatif (Rp)", RUPIAH),
    Column("sisa", "Sisa (Rp)", RUPIAH),
    Column("percent_tenths", "Realisasi (%)", PERCENT),
]
REALISASI_PROGRAMME = [
    Column("program_id", "Program"),
    Column("program_name", "Nama program"),
    Column("funding_source", "Sumber dana"),
    Column("fiscal_year", "Tahun anggaran", COUNT),
]
# Pagu / realisasi / sisa per money step and quarter: per programme, and per district.
REALISASI_SHEETS: list[tuple[str, str, list[Column]]] = [
    ("Realisasi Program", "realisasi", [*REALISASI_PROGRAMME, *REALISASI_COLUMNS]),
    (
        "Realisasi Kab-Kota",
        "realisasi_districts",
        [
            *REALISASI_PROGRAMME,
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            *REALISASI_COLUMNS,
        ],
    ),
]

SHEETS: list[tuple[str, str, list[Column]]] = [
    (
        "Program",
        "programs",
        [
            Column("program_id", "Program"),
            Column("name", "Nama program"),
            Column("funding_source", "Sumber dana"),
            Column("province_code", "Kode provinsi"),
            Column("province_name", "Provinsi"),
            *FUNNEL_SHEET,
        ],
    ),
    (
        "Kabupaten-Kota",
        "districts",
        [
            Column("program_id", "Program"),
            Column("funding_source", "Sumber dana"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            *FUNNEL_SHEET,
        ],
    ),
    (
        "Keterlambatan",
        "delays",
        [
            Column("program_id", "Program"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("stage", "Tahap", convert=_id(STAGES)),
            Column("sla_days", "SLA (hari)", COUNT),
            Column("waiting", "Langkah menunggu", COUNT),
            Column("stalled", "Langkah macet", COUNT),
            Column("median_days", "Median hari menunggu", COUNT),
            Column("max_days", "Terlama (hari)", COUNT),
        ],
    ),
    (
        "Dana Mengendap",
        "money_at_rest",
        [
            Column("level", "Tingkat", convert=_id(LEVEL_LABELS)),
            Column("program_id", "Program"),
            Column("holder_code", "Kode pemegang dana"),
            Column("holder_name", "Pemegang dana"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("amount", "Dana mengendap (Rp)", RUPIAH),
            Column("since", "Sejak", DATE),
            Column("days", "Hari", COUNT),
            Column("age", "Lama (hari)"),
        ],
    ),
    (
        "Riwayat",
        "history",
        [
            Column("as_of", "Tanggal run", DATE),
            Column("open_steps", "Langkah macet", COUNT),
            Column("workers", "Pekerja di langkah macet", COUNT),
            Column("opened", "Ditandai baru", COUNT),
            Column("resolved", "Selesai", COUNT),
        ],
    ),
    (
        "Hari-Pekerja",
        "losses",
        [
            Column("program_id", "Program"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("stalled_steps", "Langkah macet", COUNT),
            Column("workers", "Pekerja di langkah macet", COUNT),
            Column("worker_days", "Hari-pekerja tanpa perlindungan", COUNT),
        ],
    ),
    (
        "Peringkat Desa",
        "league",
        [
            Column("program_id", "Program"),
            Column("coverage_rank", "Peringkat cakupan (dalam program)", COUNT),
            Column("unit_code", "Kode desa"),
            Column("village_name", "Desa"),
            Column("subdistrict_code", "Kode kecamatan"),
            Column("subdistrict_name", "Kecamatan"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("workers_targeted", "Target pekerja", COUNT),
            Column("promised_worker_months", "Bulan-pekerja dijanjikan", COUNT),
            Column("covered_worker_months", "Bulan-pekerja terlindungi", COUNT),
            Column("coverage_tenths", "Cakupan (%)", PERCENT),
            Column("workers_paid", "Pekerja dibayar iurannya", COUNT),
            Column("workers_activated", "Pekerja pernah diaktifkan", COUNT),
            Column("workers_covered", "Terlindungi hari ini", COUNT),
            Column("money_received", "Dana diterima", DATE),
            Column("covered_on", "Terlindungi", DATE),
            Column("days", "Hari sampai terlindungi", COUNT),
            Column("speed_rank", "Peringkat kecepatan (dalam program)", COUNT),
            Column("premium_due", "Iuran seharusnya (Rp)", RUPIAH),
            Column("premium_paid", "Iuran dibayar (Rp)", RUPIAH),
        ],
    ),
    (
        "Desa Dikunjungi",
        "to_visit",
        [
            Column("program_id", "Program"),
            Column("visit_rank", "Urutan (dalam program)", COUNT),
            Column("unit_code", "Kode desa"),
            Column("village_name", "Desa"),
            Column("subdistrict_code", "Kode kecamatan"),
            Column("subdistrict_name", "Kecamatan"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("stage", "Langkah terlama belum selesai", convert=_id(STAGES)),
            Column("case_id", "Nomor klaim"),
            Column("responsible", "Harus bertindak", convert=_id(RESPONSIBLE)),
            Column("start_date", "Mulai", DATE),
            Column("due_date", "Jatuh tempo", DATE),
            Column("days_waiting", "Hari menunggu", COUNT),
            Column("days_overdue", "Hari terlambat", COUNT),
            Column("stalled", "Macet", convert=_yes_no),
            Column("workers_affected", "Pekerja terdampak", COUNT),
            Column("amount_at_stake", "Dana tertahan (Rp)", RUPIAH),
            Column("unfinished_steps", "Langkah belum selesai", COUNT),
        ],
    ),
    *REALISASI_SHEETS,
    (
        "Langkah Macet",
        "stalls",
        [
            Column("severity", "Tingkat", convert=_id(SEVERITY)),
            Column("stage", "Tahap", convert=_id(STAGES)),
            Column("responsible", "Harus bertindak", convert=_id(RESPONSIBLE)),
            Column("case_id", "Nomor klaim"),
            Column("program_id", "Program"),
            Column("funding_source", "Sumber dana"),
            Column("district_code", "Kode kabupaten/kota"),
            Column("district_name", "Kabupaten/Kota"),
            Column("unit_code", "Kode unit"),
            Column("unit_name", "Desa / unit"),
            Column("subdistrict_name", "Kecamatan"),
            Column("start_date", "Mulai", DATE),
            Column("due_date", "Jatuh tempo", DATE),
            Column("days_waiting", "Hari menunggu", COUNT),
            Column("days_overdue", "Hari terlambat", COUNT),
            Column("amount_at_stake", "Dana tertahan (Rp)", RUPIAH),
            Column("workers_affected", "Pekerja terdampak", COUNT),
            Column("first_flagged", "Ditandai sejak", DATE),
        ],
    ),
]


def _tables(monev: Monev, names: dict[str, str]) -> dict[str, pd.DataFrame]:
    from rantai.monev.data import display_name

    protection = monev.protection
    resting = monev.money_at_rest.copy()
    resting["holder_name"] = resting["holder_code"].map(lambda c: display_name(names, c))
    return {
        "failures": protection.failures,
        "claim_summary": protection.claim_summary,
        "claims": protection.claims,
        "protection_programs": protection.programs,
        "protection_districts": protection.districts,
        "protection_units": protection.units,
        "expiring": protection.expiring,
        "expiring_units": protection.expiring_units,
        "year_on_year": protection.year_on_year,
        "programs": monev.programs,
        "districts": monev.districts,
        "delays": monev.delays,
        "money_at_rest": resting,
        "history": monev.history,
        "losses": monev.losses,
        "league": monev.league,
        "to_visit": monev.to_visit,
        "realisasi": monev.realisasi,
        "realisasi_districts": monev.realisasi_districts,
        "stalls": monev.stalls,
    }


def _cell(value: Any, kind: str) -> Any:
    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):
        return None
    if kind == DATE:
        if isinstance(value, dt.datetime | pd.Timestamp):
            return pd.Timestamp(value).date()
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if kind in (RUPIAH, COUNT):
        return int(value)
    if kind == PERCENT:
        return int(value) / 10  # for display only: the figure is the integer tenths
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, str):
        # Characters a worksheet cannot hold (openpyxl refuses them) shown as �.
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))
    return value


def _text_cell(sheet: Any, value: str) -> str | WriteOnlyCell:
    """Text that openpyxl writes as text: it takes a str starting with `=` for a formula and
    `#N/A` (and the other error codes) for an error value, so those get a cell of their own
    typed as a string; any other str is written as text already (no cell object for each of a
    national report's million texts). The neutraliser's `'` is what keeps other spreadsheet
    programs, which see only the string, from running it."""
    if not value.startswith("=") and value not in ERROR_CODES:
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def write_xlsx(monev: Monev, path: Path, names: dict[str, str]) -> Path:
    """Write report.xlsx: one sheet per table, every row.

    Streamed (openpyxl's write-only mode): a national report has 75,000 villages.
    """
    book = Workbook(write_only=True)
    _summary(book.create_sheet("Ringkasan"), monev)
    tables = _tables(monev, names)
    for title, key, columns in [*PROTECTION_SHEETS, *SHEETS]:
        _sheet(book.create_sheet(title), tables[key], columns)
    if monev.cut is not None and len(monev.cut.villages):  # a kecamatan (rantai.monev.cuts)
        from rantai.monev.cuts import VILLAGES_SHEET, village_sheet

        _sheet(book.create_sheet(VILLAGES_SHEET), monev.cut.villages, village_sheet())
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _summary(sheet: Any, monev: Monev) -> None:
    rows: Sequence[tuple[str, Any, str]] = [
        ("Tanggal laporan", monev.as_of, DATE),
        ("Cakupan", monev.scope.label(), TEXT),
        *_protection_summary(monev.protection.totals),
        ("Dialokasikan (Rp)", monev.totals["allocated"], RUPIAH),
        ("Diterima kabupaten/kota (Rp)", monev.totals["transferred_to_districts"], RUPIAH),
        ("Diterima desa (Rp)", monev.totals["transferred_to_villages"], RUPIAH),
        ("Iuran dibayar (Rp)", monev.totals["premiums_paid"], RUPIAH),
        ("Dana mengendap (Rp)", monev.totals["money_at_rest"], RUPIAH),
        ("Target pekerja", monev.totals["workers_targeted"], COUNT),
        ("Pekerja dibayar iurannya", monev.totals["workers_paid"], COUNT),
        ("Pekerja terlindungi (AKTIF)", monev.totals["workers_active"], COUNT),
        ("Pekerja di langkah macet", monev.totals["workers_in_stalls"], COUNT),
        ("Hari-pekerja tanpa perlindungan", monev.totals["worker_days_lost"], COUNT),
        ("Langkah macet", monev.totals["stalled_steps"], COUNT),
        ("Langkah macet kritis", monev.totals["critical_steps"], COUNT),
        ("Dana tertahan di langkah macet (Rp)", monev.totals["amount_at_stake"], RUPIAH),
        ("Desa yang menerima dana", monev.totals["villages_with_money"], COUNT),
        ("Desa tuntas", monev.totals["villages_covered"], COUNT),
    ]
    _sheet(
        sheet,
        pd.DataFrame([(label, value) for label, value, _ in rows], columns=["item", "value"]),
        [Column("item", "Ukuran"), Column("value", "Nilai")],
        formats=[kind for _, _, kind in rows],
    )


def _protection_summary(totals: dict[str, int | None]) -> list[tuple[str, Any, str]]:
    """The Perlindungan section's headline numbers, first as the section opens the report."""
    rows = [
        ("Keluarga tanpa manfaat (klaim tanpa perlindungan saat kejadian)", "failures", COUNT),
        ("Manfaat keluarga tanpa perlindungan (Rp, yang diketahui)", "failure_rupiah", RUPIAH),
        ("Klaim tanpa perlindungan, manfaat belum diketahui", "failures_unknown_rupiah", COUNT),
        ("Klaim diajukan", "claims_filed", COUNT),
        ("Klaim dibayar", "claims_paid", COUNT),
        ("Klaim ditolak", "claims_rejected", COUNT),
        ("Klaim dalam proses", "claims_pending", COUNT),
        ("Klaim dalam proses lewat SLA", "claims_pending_overdue", COUNT),
        ("Manfaat dibayar (Rp)", "benefits_paid", RUPIAH),
        ("Median hari sampai klaim dibayar", "median_days", COUNT),
        ("Terlama sampai klaim dibayar (hari)", "max_days", COUNT),
        ("Pekerja dijanjikan (target, unit dengan angka perlindungan)", "workers_targeted", COUNT),
        ("Terlindungi hari ini", "workers_covered", COUNT),
        ("Perlindungan putus", "workers_lapsed", COUNT),
        ("Berakhir dalam 30 hari", "workers_expiring_30d", COUNT),
        ("Bulan-pekerja dibayar", "paid_worker_months", COUNT),
        ("Bulan-pekerja terlindungi", "covered_worker_months", COUNT),
        ("Bulan-pekerja dibayar tanpa perlindungan", "months_unused", COUNT),
        ("Iuran tanpa perlindungan (Rp)", "rupiah_unused", RUPIAH),
    ]
    return [(label, totals.get(key, 0), kind) for label, key, kind in rows]


def _sheet(
    sheet: Any, frame: pd.DataFrame, columns: list[Column], formats: list[str] | None = None
) -> None:
    """Header, rows and formats; widths, frozen header and filter go first (write-only)."""
    rows: list[list[Any]] = []
    kinds: list[list[str]] = []
    values = {c.source: frame[c.source].tolist() if c.source in frame else [] for c in columns}
    for i in range(len(frame)):
        row, row_kinds = [], []
        for c in columns:
            value = values[c.source][i] if values[c.source] else None
            if c.convert is not None and value is not None:
                value = c.convert(value)
            kind = formats[i] if formats and c.source == "value" else c.kind
            row.append(_cell(value, kind))
            row_kinds.append(kind)
        rows.append(row)
        kinds.append(row_kinds)
    for j, c in enumerate(columns):
        # Wide enough for the header or the first rows' values, whichever is wider.
        seen = [
            len(str(r[j])) + (6 if k[j] == RUPIAH else 2)
            for r, k in zip(rows[:200], kinds, strict=False)
            if r[j] is not None
        ]
        width = max([len(c.header) * 0.9, 10, *seen])
        sheet.column_dimensions[get_column_letter(j + 1)].width = min(width, 48)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"

    header = []
    for c in columns:
        cell = WriteOnlyCell(sheet, value=c.header)
        cell.fill, cell.font = _HEADER_FILL, _HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    for row, row_kinds in zip(rows, kinds, strict=True):
        cells: list[Any] = []
        for value, kind in zip(row, row_kinds, strict=True):
            if isinstance(value, str):
                cells.append(_text_cell(sheet, value))
                continue
            number_format = _FORMATS.get(kind)
            if number_format is None or value is None:
                cells.append(value)
                continue
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)


_FORMATS = {
    RUPIAH: RUPIAH_FORMAT,
    COUNT: COUNT_FORMAT,
    DATE: DATE_FORMAT,
    PERCENT: PERCENT_FORMAT,
}
