"""Hand-built contract folders; the expected stalls and quarantine are worked out by hand from
the contract (Feb 10 to Jun 30 2025 is 140 days, and so on)."""

from __future__ import annotations

import csv
from pathlib import Path

# Real gazetteer codes.
BUNGO = "15.08"  # Kabupaten Bungo, Jambi
V1 = "15.08.01.2001"  # Pedukun (desa)
V2 = "15.08.01.2002"  # Lubuk Niur (desa)
KELURAHAN_BUNGO = "15.08.03.1006"  # Tanjung Gedang (kelurahan)
INHIL = "14.04"  # Kabupaten Indragiri Hilir, Riau
INHIL_DESA = "14.04.01.2002"  # Sanglar
INHIL_KELURAHAN = "14.04.01.1001"  # Pulaukijang
W1, W2, W3 = "14.02.01.2001", "14.02.01.2002", "14.02.01.2003"  # desa in Indragiri Hulu

YEAR = 201_600

PAYMENT_HEADER = [
    "payment_id",
    "program_id",
    "payer_code",
    "paid_date",
    "amount",
    "workers_count",
    "months",
    "payment_ref",
]  # Rp16,800 x 12 months


def nik(prefix: str, serial: int, female: bool = False) -> str:
    """A valid NIK in a region (6-digit prefix), born 1 Jan 1990."""
    day = 41 if female else 1
    return f"{prefix}{day:02d}0190{serial:04d}"


def write(folder: Path, name: str, header: list[str], rows: list[list[object]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)


V1_WORKERS = [nik("150801", i, female=i % 2 == 0) for i in range(1, 11)]
INHIL_WORKERS = [nik("140401", i) for i in range(1, 4)]


def first_load(folder: Path) -> None:
    """Three programmes, as of 2025-06-30: six stalls and eight bad rows."""
    write(
        folder,
        "programs",
        ["program_id", "funding_source", "province_code", "fiscal_year", "name"],
        [
            ["jambi-bkbk-2025", "BKBK", "15", "2025", "BKBK Provinsi Jambi 2025"],
            ["inhil-apbd-2025", "APBD", "14", "2025", "APBD Indragiri Hilir 2025"],
            ["inhu-apbdes-2025", "APBDES", "14", "2025", "APBDes Indragiri Hulu 2025"],
        ],
    )
    write(
        folder,
        "allocations",
        # Column order differs from the contract's and header case is mixed: both are allowed.
        [
            "Allocation_ID",
            "program_id",
            "unit_code",
            "premium_amount",
            "allocated_amount",
            "target_workers",
            "months",
            "decree_date",
        ],
        [
            ["A1", "jambi-bkbk-2025", V1, 20 * YEAR, "Rp4.032.000", 20, 12, "2025-01-15"],
            ["A2", "jambi-bkbk-2025", "1508012002", 10 * YEAR, 10 * YEAR, 10, 12, "20/01/2025"],
            ["A3", "inhil-apbd-2025", INHIL, 20 * YEAR, 20 * YEAR, 20, 12, "2025-05-01"],
            ["A4", "inhu-apbdes-2025", W1, 5 * YEAR, 5 * YEAR, 5, 12, "2025-06-05"],
            ["A5", "inhu-apbdes-2025", W2, 5 * YEAR, 5 * YEAR, 5, 12, "2025-05-31"],
            ["A6", "inhu-apbdes-2025", W3, 5 * YEAR, 5 * YEAR, 5, 12, "2025-05-30"],
            ["A7", "inhu-apbdes-2025", W3, 5 * YEAR, "16,800", 5, 12, "2025-05-30"],  # BAD_AMOUNT
        ],
    )
    write(
        folder,
        "district_transfers",
        ["transfer_id", "program_id", "district_code", "amount", "transfer_date", "sp2d_no"],
        [
            ["DT1", "jambi-bkbk-2025", BUNGO, "Rp 6.048.000", "2025-02-10", "0001/SP2D/2025"],
            ["DT2", "inhil-apbd-2025", INHIL, 1000, "2025-02-10", "0002/SP2D/2025"],  # INCONSISTENT
        ],
    )
    write(
        folder,
        "village_transfers",
        ["transfer_id", "program_id", "village_code", "amount", "transfer_date", "sp2d_no"],
        [
            ["VT1", "jambi-bkbk-2025", V1, "4.032.000", "01/03/2025", "0101/SP2D/2025"],
            # Dated after as_of: stored, but not known on 2025-06-30.
            ["VT2", "jambi-bkbk-2025", V2, 10 * YEAR, "2025-07-05", "0102/SP2D/2025"],
            ["VT3", "jambi-bkbk-2025", KELURAHAN_BUNGO, 1000, "2025-03-01", "x"],  # NOT_A_DESA
            ["VT4", "jambi-bkbk-2025", V1, 1000, "31/02/2025", "x"],  # BAD_DATE
        ],
    )
    write(
        folder,
        "premium_payments",
        PAYMENT_HEADER,
        [
            ["PAY1", "jambi-bkbk-2025", V1, "2025-03-10", 10 * YEAR, 10, 12, "BPJSTK-1"],
            ["PAY2", "inhil-apbd-2025", INHIL, "2025-05-20", 15 * YEAR, 15, 12, "BPJSTK-2"],
            ["PAY3", "nope-2025", V1, "2025-03-10", 1000, 1, 12, "BPJSTK-3"],  # UNKNOWN_PROGRAM
            ["PAY4", "jambi-bkbk-2025", V2, "2025-03-10", 1000, 1, 12, "BPJSTK-4"],  # conflict
            ["PAY4", "jambi-bkbk-2025", V2, "2025-03-10", 2000, 1, 12, "BPJSTK-4"],  # conflict
            ["PAY1", "jambi-bkbk-2025", V1, "2025-03-10", 10 * YEAR, 10, 12, "BPJSTK-1"],  # copy
        ],
    )
    write(
        folder,
        "enrollments",
        ["nik", "name", "village_code", "occupation", "program_id", "registered_date"],
        [
            [n, f"Pekerja {i}", V1, "petani", "jambi-bkbk-2025", "2025-02-01"]
            for i, n in enumerate(V1_WORKERS)
        ]
        + [
            [
                n,
                f"Nelayan {i}",
                INHIL_DESA if i else INHIL_KELURAHAN,
                "nelayan",
                "inhil-apbd-2025",
                "2025-04-01",
            ]
            for i, n in enumerate(INHIL_WORKERS)
        ]
        + [["150801010190001", "Salah Nik", V1, "ojek", "jambi-bkbk-2025", "2025-02-01"]],
    )
    # Each cover runs the 12 months paid for (contract v2: COVER_PERIOD has nothing to find).
    write(
        folder,
        "coverage",
        ["nik", "program_id", "kpj_no", "coverage_start", "coverage_end", "status"],
        [
            [n, "jambi-bkbk-2025", f"KPJ{i}", "2025-03-15", "2026-03-14", "AKTIF"]
            for i, n in enumerate(V1_WORKERS[:8])
        ]
        + [[V1_WORKERS[8], "jambi-bkbk-2025", "", "2025-03-15", "2026-03-14", "NON_AKTIF"]]
        + [[n, "inhil-apbd-2025", "", "2025-05-25", "2026-05-24", "AKTIF"] for n in INHIL_WORKERS]
        + [[V1_WORKERS[9], "jambi-bkbk-2025", "", "2025-03-15", "2026-03-14", "AKTIV"]],
    )


FIRST_STALLS = [
    # unit, stage, start, due, waiting, overdue, amount, workers, severity
    (V2, "VILLAGE_TRANSFER", "2025-02-10", "2025-03-12", 140, 110, 10 * YEAR, 10, "CRITICAL"),
    (V1, "PREMIUM_PAYMENT", "2025-03-01", "2025-03-15", 121, 107, 10 * YEAR, 10, "CRITICAL"),
    (V1, "COVERAGE_ACTIVATION", "2025-03-10", "2025-03-17", 112, 105, 0, 2, "CRITICAL"),
    (INHIL, "COVERAGE_ACTIVATION", "2025-05-20", "2025-05-27", 41, 34, 0, 12, "CRITICAL"),
    (INHIL, "PREMIUM_PAYMENT", "2025-05-01", "2025-05-31", 60, 30, 5 * YEAR, 5, "WARNING"),
    (W3, "PREMIUM_PAYMENT", "2025-05-30", "2025-06-29", 31, 1, 5 * YEAR, 5, "WARNING"),
]

FIRST_QUARANTINE = [
    ("allocations", "7", "A7", "BAD_AMOUNT"),
    ("district_transfers", "2", "DT2", "INCONSISTENT"),
    ("village_transfers", "3", "VT3", "NOT_A_DESA"),
    ("village_transfers", "4", "VT4", "BAD_DATE"),
    ("enrollments", "14", "150801010190001|jambi-bkbk-2025", "INVALID_NIK"),
    ("premium_payments", "3", "PAY3", "UNKNOWN_PROGRAM"),
    ("premium_payments", "4", "PAY4", "DUPLICATE_ID_CONFLICT"),
    ("premium_payments", "5", "PAY4", "DUPLICATE_ID_CONFLICT"),
    ("coverage", "13", f"{V1_WORKERS[9]}|jambi-bkbk-2025|2025-03-15", "INCONSISTENT"),
]


def second_load(folder: Path) -> None:
    """A correction of PAY1 (the village paid for all 20 workers) and nothing else new."""
    write(
        folder,
        "premium_payments",
        PAYMENT_HEADER,
        [["PAY1", "jambi-bkbk-2025", V1, "2025-03-10", 20 * YEAR, 20, 12, "BPJSTK-1"]],
    )


CLAIM_HEADER = [
    "claim_id",
    "nik",
    "program_id",
    "benefit",
    "event_date",
    "claim_date",
    "status",
    "paid_amount",
    "paid_date",
    "reject_reason",
]


def claims_load(folder: Path) -> None:
    """What BPJS reports of claims by the first load's workers (contract v2): a JKK claim
    paid, a JKM claim still submitted, a rejected one, and one PAID claim without its paid_date
    (INCONSISTENT)."""
    write(
        folder,
        "claims",
        CLAIM_HEADER,
        [
            [
                "CLM-1",
                V1_WORKERS[0],
                "jambi-bkbk-2025",
                "JKK",
                "2025-05-02",
                "2025-05-05",
                "PAID",
                "Rp5.000.000",
                "2025-05-20",
                "",
            ],
            [
                "CLM-2",
                V1_WORKERS[1],
                "jambi-bkbk-2025",
                "JKM",
                "2025-06-01",
                "03/06/2025",
                "SUBMITTED",
                "",
                "",
                "",
            ],
            [
                "CLM-3",
                INHIL_WORKERS[1],
                "inhil-apbd-2025",
                "JKK",
                "2025-06-10",
                "2025-06-12",
                "REJECTED",
                "",
                "",
                "not at work when it happened",
            ],
            [
                "CLM-4",
                INHIL_WORKERS[2],
                "inhil-apbd-2025",
                "JKM",
                "2025-06-11",
                "2025-06-13",
                "PAID",
                "42.000.000",
                "",
                "",
            ],
        ],
    )


CLAIMS_QUARANTINE = [("claims", "4", "CLM-4", "INCONSISTENT")]


REQUEST_HEADER = [
    "program_id",
    "village_code",
    "submitted_date",
    "complete_date",
    "missing_documents",
]
BRANCH_HEADER = ["branch_code", "name", "parent_branch_code", "district_code"]


def requests_load(folder: Path) -> None:
    """The first load's villages' requests for their BKBK transfer (issue 15): Pedukun's was
    complete on 2025-02-20, before its transfer; Lubuk Niur's still lacks a document."""
    write(
        folder,
        "village_requests",
        REQUEST_HEADER,
        [
            ["jambi-bkbk-2025", V1, "2025-02-12", "2025-02-20", ""],
            ["jambi-bkbk-2025", V2, "2025-02-12", "", "rekening desa"],
        ],
    )


def branches_load(folder: Path) -> None:
    """The BPJS branches of the first load's districts (issue 15): KC Muara Bungo serves Bungo;
    KC Rengat serves Indragiri Hulu and is the parent office of KCP Tembilahan (Indragiri
    Hilir)."""
    write(
        folder,
        "branches",
        BRANCH_HEADER,
        [
            ["KC-MUARA-BUNGO", "KC Muara Bungo", "", BUNGO],
            ["KC-RENGAT", "KC Rengat", "", "14.02"],
            ["KCP-TEMBILAHAN", "KCP Tembilahan", "KC-RENGAT", INHIL],
        ],
    )
