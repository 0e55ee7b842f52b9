"""The report's words: Indonesian first (the meeting's language), English beside it, and the
number and date formats people in the room read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from rantai.records import Benefit, ClaimStatus, Responsible, Stage

# (Indonesian, English) for each thing the report names.
STAGES: dict[str, tuple[str, str]] = {
    Stage.DISTRICT_TRANSFER.value: ("Transfer ke kabupaten/kota", "Transfer to district"),
    Stage.VILLAGE_TRANSFER.value: ("Transfer ke desa", "Transfer to village"),
    Stage.PREMIUM_PAYMENT.value: ("Pembayaran iuran", "Premium payment"),
    Stage.COVERAGE_ACTIVATION.value: ("Aktivasi kepesertaan", "Cover activation"),
    Stage.COVER_PERIOD.value: ("Masa perlindungan", "Months of cover"),
    Stage.CLAIM_PAYMENT.value: ("Pembayaran klaim", "Claim payment"),
}

# The stage that blocked a protection failure: a chain stage, or none (every started stage
# was complete on the event date, and still there was no cover).
BLOCKING: dict[str, tuple[str, str]] = {
    **STAGES,
    "NONE": ("Tidak ada tahap tertahan", "No stage held up"),
}

# Who must act on a blocked stage (rantai.records.Responsible).
RESPONSIBLE: dict[str, tuple[str, str]] = {
    Responsible.PROVINCE.value: ("Pemerintah provinsi", "The province"),
    Responsible.DISTRICT.value: ("Pemerintah kabupaten/kota", "The district"),
    Responsible.VILLAGE.value: ("Pemerintah desa", "The village"),
    Responsible.BPJS.value: ("BPJS Ketenagakerjaan", "BPJS Ketenagakerjaan"),
    Responsible.NONE.value: ("Perlu diperiksa", "To be looked into"),
}

BENEFITS: dict[str, tuple[str, str]] = {
    Benefit.JKM.value: ("JKM (kematian)", "JKM (death)"),
    Benefit.JKK.value: ("JKK (kecelakaan kerja)", "JKK (work accident)"),
}

CLAIM_STATUS: dict[str, tuple[str, str]] = {
    ClaimStatus.SUBMITTED.value: ("Dalam proses", "Pending"),
    ClaimStatus.PAID.value: ("Dibayar", "Paid"),
    ClaimStatus.REJECTED.value: ("Ditolak", "Rejected"),
}

PROTECTION: dict[str, tuple[str, str]] = {
    "workers_targeted": ("Dijanjikan (target)", "Promised (targeted)"),
    "workers_paid": ("Iurannya dibayar", "Paid for"),
    "workers_activated": ("Pernah diaktifkan", "Activated"),
    "workers_covered": ("Terlindungi hari ini", "Covered today"),
    "workers_lapsed": ("Perlindungan putus", "Cover lapsed"),
    "workers_expiring_30d": ("Berakhir ≤ 30 hari", "Ending within 30 days"),
    "paid_worker_months": ("Bulan-pekerja dibayar", "Worker-months paid"),
    "covered_worker_months": ("Bulan-pekerja terlindungi", "Worker-months covered"),
    "months_unused": ("Bulan dibayar tanpa perlindungan", "Months paid without cover"),
    "rupiah_unused": ("Nilainya (Rp)", "Their worth (Rp)"),
}

FUNNEL: dict[str, tuple[str, str]] = {
    "allocated": ("Dialokasikan (SK)", "Allocated (decree)"),
    "transferred_to_districts": ("Diterima kabupaten/kota", "Received by districts"),
    "transferred_to_villages": ("Diterima desa", "Received by villages"),
    "premiums_paid": ("Iuran dibayar", "Premiums paid"),
    "workers_targeted": ("Target pekerja", "Workers targeted"),
    "workers_paid": ("Iurannya dibayar", "Paid for"),
    "workers_active": ("Terlindungi (AKTIF)", "Covered (active)"),
}

LEVEL_LABELS: dict[str, tuple[str, str]] = {
    "province": ("Provinsi", "Province"),
    "district": ("Kabupaten/Kota", "District"),
    "village": ("Desa", "Village"),
}

SEVERITY: dict[str, tuple[str, str]] = {
    "CRITICAL": ("KRITIS", "CRITICAL"),
    "WARNING": ("PERINGATAN", "WARNING"),
}

FUNDING: dict[str, tuple[str, str]] = {
    "BKBK": ("BKBK provinsi", "Province BKBK"),
    "APBD": ("APBD kabupaten", "District budget"),
    "APBDES": ("APBDes (Dana Desa)", "Village budget"),
}

# Terms of the report explained for whoever reads the English side, and for the record.
GLOSSARY: list[tuple[str, str, str]] = [
    ("Desa", "Village", "A village with its own budget and bank account (rekening desa)."),
    ("Kecamatan", "Subdistrict", "Where the camat can call the village heads together."),
    ("Kabupaten/Kota", "District (regency/city)", "Passes BKBK money on to its villages."),
    ("Iuran", "Premium", "JKK Rp10.000 + JKM Rp6.800 per worker per month."),
    ("Pekerja rentan", "Vulnerable workers", "Farmers, fishers, day labourers, vendors, ..."),
    ("Terlindungi (AKTIF)", "Covered", "Cover AKTIF at BPJS Ketenagakerjaan on the report date."),
    ("SK", "Decree", "The decree that fixes an allocation; its date starts the chain."),
    ("SP2D", "Disbursement order", "The order behind each transfer."),
    ("SLA", "Deadline", "Days a step may take before it counts as stalled (macet)."),
    ("Macet", "Stalled", "Started, not complete, and past its deadline."),
    ("Kritis", "Critical", "Overdue by more than the step's own SLA."),
    ("Dana mengendap", "Money at rest", "Money that reached a level and has not moved on."),
    (
        "Hari-pekerja tanpa perlindungan",
        "Worker-days without cover",
        "Workers in a stalled step times the days it is overdue; each worker counted once.",
    ),
    ("BKBK", "Special assistance", "Bantuan Keuangan Bersifat Khusus from the province."),
    ("APBD, APBDes", "District, village budget", "APBDes includes the Dana Desa."),
    ("JKM", "Death benefit", "Jaminan Kematian: Rp42 juta bagi ahli waris (PP 82/2019)."),
    ("JKK", "Work accident benefit", "Jaminan Kecelakaan Kerja: care and cash; amount as paid."),
    (
        "Keluarga tanpa manfaat",
        "Families without their benefit",
        "A claim whose worker was enrolled but had no active cover on the day of the accident "
        "or death: the chain failed the family.",
    ),
    (
        "Perlindungan putus",
        "Cover lapsed",
        "Activated once, not covered today, while the unit's planned cover still runs.",
    ),
    (
        "Bulan-pekerja",
        "Worker-months",
        "Workers times months: what the premiums bought, and what cover BPJS shows.",
    ),
    ("jt, M, T", "million, billion, trillion", "juta, miliar, triliun."),
]

_MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]
_MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def tanggal(day: dt.date | None, short: bool = False) -> str:
    """A date the Indonesian way: `7 November 2025` (`7 Nov 2025` short); empty for none."""
    if day is None:
        return ""
    month = _MONTHS[day.month - 1]
    return f"{day.day} {month[:3] if short else month} {day.year}"


def date_en(day: dt.date) -> str:
    """A date in English: `7 November 2025`."""
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def angka(value: int | float) -> str:
    """A whole number with Indonesian thousands dots: `52.638`."""
    return f"{int(round(value)):,}".replace(",", ".")


def persen(part: int | float, whole: int | float) -> str:
    """A share as a whole percentage (`55%`), or `–` when there is nothing to share."""
    if not whole:
        return "–"
    # As Python numbers: 100 x a numpy int64 near 2**63 would wrap around.
    part = int(part) if float(part).is_integer() else float(part)
    whole = int(whole) if float(whole).is_integer() else float(whole)
    return f"{100 * part / whole:.0f}%"


def rupiah_short(amount: int | float) -> str:
    """Rupiah for a headline: `Rp10,2 M`, `Rp302,4 jt`, `Rp16.800`."""
    value = float(amount)
    for scale, unit in ((1e12, "T"), (1e9, "M"), (1e6, "jt")):
        if abs(value) >= scale:
            text = f"{value / scale:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
            return f"Rp{text} {unit}"
    return "Rp" + angka(value)


def desa_called(name: str) -> str:
    """A desa as a sentence names it: `Desa Pedukun`; a desa adat's name says so already
    (`Desa Adat Yoboi`)."""
    return name if name.startswith("Desa Adat ") else f"Desa {name}"


def short_region(name: str) -> str:
    """A district's name where room is short, abbreviated as Indonesians write it: `Kab. Bungo`,
    `Kota Adm. Jakarta Pusat`."""
    if name.startswith("Kabupaten "):
        name = "Kab. " + name[len("Kabupaten ") :]
    return name.replace(" Administrasi ", " Adm. ")


def display_name(names: Mapping[str, str], code: str) -> str:
    """A region's name as the gazetteer writes it (the Kepmendagri 2025 edition writes them as
    people do: `Kabupaten Bungo`, `Pedukun`), or "" for a code it does not know."""
    return names.get(str(code), "")


# The money steps of the realisasi table (rantai.monev.realisasi): the decree, then the stages.
MONEY_STEPS: dict[str, tuple[str, str]] = {
    "ALLOCATION": ("Alokasi (SK)", "Allocation (decree)"),
    **{s: STAGES[s] for s in ("DISTRICT_TRANSFER", "VILLAGE_TRANSFER", "PREMIUM_PAYMENT")},
}


def persen_tenths(tenths: int | None) -> str:
    """A share given in tenths of a percent as people write it: `97,6%`; `–` for none."""
    if tenths is None:
        return "–"
    whole, tenth = divmod(int(tenths), 10)
    return f"{angka(whole)},{tenth}%"
