"""The villages' requests for their BKBK transfer (village_requests.csv, issue 15) and the BPJS
branches serving the demo's districts (branches.csv).

In Jambi a district pays a village "according to the village's application and the
completeness of its documents". So every desa of a Jambi BKBK programme applies: a village that
has been paid had its request complete a few days before its first transfer; of those not paid
yet, most applied complete before the district even had the money (the district's move), and
about one in four still lacks a document (the village's move: no complete request yet).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rantai.records import SOURCES, FundingSource
from samples.finance import Parts
from samples.plans import Plan

# Documents a district's DPMD most often sends back.
MISSING_DOCUMENTS = (
    "rekening kas desa",
    "SK kepala desa tentang pekerja rentan",
    "daftar nama pekerja (by name by address)",
    "Perdes APBDes",
)
# The provinces whose districts pay villages on their application.
REQUESTING_PROVINCES = ("15",)
INCOMPLETE_SHARE = 0.25


def village_requests(
    plans: list[Plan], parts: dict[str, Parts], province: str, rng: np.random.Generator
) -> pd.DataFrame:
    """Every desa's request for its BKBK transfer, dates as day numbers (see the module)."""
    frames = []
    if province in REQUESTING_PROVINCES:
        for plan in plans:
            if plan.funding is FundingSource.BKBK:
                frames.append(_requests(plan, parts[plan.program_id], rng))
    columns = SOURCES["village_requests"].columns
    if not frames:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    return pd.concat(frames, ignore_index=True)[columns]


def _requests(plan: Plan, parts: Parts, rng: np.random.Generator) -> pd.DataFrame:
    desa = np.sort(parts.allocations["unit_code"].astype(str).unique())
    n = len(desa)
    transfers = parts.village_transfers
    first_paid = (
        transfers.groupby("village_code")["transfer_date"].min().reindex(desa).to_numpy(dtype=float)
    )
    district = pd.Series(desa).str.slice(0, 5)
    reached = parts.district_transfers.groupby("district_code")["transfer_date"].min()
    district_first = district.map(reached).to_numpy(dtype=float)
    paid = ~np.isnan(first_paid)
    incomplete = ~paid & (rng.random(n) < INCOMPLETE_SHARE)
    # Paid: complete 1 to 9 days before the first transfer. Not paid: complete 1 to 20 days
    # before the district had the money (its SLA runs from then), or never.
    before_paid = np.nan_to_num(first_paid) - rng.integers(1, 10, n)
    before_district = np.nan_to_num(district_first) - rng.integers(1, 21, n)
    complete = np.where(paid, before_paid, before_district).astype(np.int64)
    submitted = complete - rng.integers(0, 30, n)
    # An incomplete request was handed in after the district had the money, weeks ago.
    submitted = np.where(
        incomplete,
        np.nan_to_num(district_first).astype(np.int64) + rng.integers(5, 60, n),
        submitted,
    )
    missing = np.array(MISSING_DOCUMENTS, dtype=object)[rng.integers(0, len(MISSING_DOCUMENTS), n)]
    return pd.DataFrame(
        {
            "program_id": plan.program_id,
            "village_code": desa,
            "submitted_date": submitted,
            "complete_date": pd.Series(complete, dtype=object).where(~incomplete, None),
            "missing_documents": pd.Series(missing, dtype=object).where(incomplete, None),
        }
    )


def requests_known_on(requests: pd.DataFrame, cutoff: int) -> pd.DataFrame:
    """The requests as the DPMD reports them on day `cutoff`: those submitted by then, one
    completed later still without its complete_date."""
    known = requests[requests["submitted_date"].astype(np.int64) <= cutoff].copy()
    complete = known["complete_date"]
    later = complete.notna() & (complete.fillna(-1).astype(np.int64) > cutoff)
    known.loc[later, "complete_date"] = None
    return known.reset_index(drop=True)


# The BPJS Ketenagakerjaan branches of the demo's districts: KC Rengat serves Indragiri Hulu
# and is the parent office of KCP Tembilahan (Indragiri Hilir); KC Duri serves Bengkalis; KC
# Muara Bungo, which ran Jambi's Monev, serves Bungo and the other Jambi districts.
_JAMBI_DISTRICTS = (
    "15.01",
    "15.02",
    "15.03",
    "15.04",
    "15.05",
    "15.06",
    "15.07",
    "15.08",
    "15.09",
    "15.71",
    "15.72",
)
BRANCHES: tuple[tuple[str, str, str | None, str], ...] = (
    ("KC-RENGAT", "KC Rengat", None, "14.02"),
    ("KCP-TEMBILAHAN", "KCP Tembilahan", "KC-RENGAT", "14.04"),
    ("KC-DURI", "KC Duri", None, "14.03"),
    *(("KC-MUARA-BUNGO", "KC Muara Bungo", None, d) for d in _JAMBI_DISTRICTS),
)


def branches(province: str) -> pd.DataFrame:
    """The branches serving a province's districts (the demo's; none elsewhere)."""
    rows = [row for row in BRANCHES if row[3].startswith(province + ".")]
    return pd.DataFrame(rows, columns=SOURCES["branches"].columns, dtype=object)
