"""Claims as BPJS Ketenagakerjaan reports them: deaths (JKM) and work accidents (JKK).

Most claims come from covered workers at a plausible rate (about 3 deaths and 5 work accidents
per 1,000 workers a year of cover) and are paid within weeks; a few are rejected, a few wait.
The fixed stories add their own: the three JKM claims Bengkalis paid on 22 September 2025,
the claims Kutai Kartanegara handed over at its Monev of 19 November 2024, and the deaths of
workers enrolled but never covered, in desa whose BKBK village transfer stalled (the families
the chain failed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rantai.records import JKM_BENEFIT, SOURCES, Benefit, ClaimStatus
from samples.days import NO_DATE, day_number
from samples.finance import Parts

JKM_PER_WORKER_YEAR = 0.003
JKK_PER_WORKER_YEAR = 0.005

BENGKALIS_PROGRAM = "bengkalis-apbd-2025"
# Where the three heirs lived, and when (the event and filing dates are the story's).
BENGKALIS_DEATHS = (
    ("14.03.01.2022", "2025-07-08", "2025-08-11"),  # Kelebuk
    ("14.03.01.2025", "2025-07-21", "2025-08-18"),  # Prapat Tunggal
    ("14.03.02.2003", "2025-08-03", "2025-08-25"),  # Bantan Tua
)
BENGKALIS_PAID = "2025-09-22"
KUKAR_PROGRAM = "kukar-apbdes-2024"
KUKAR_MONEV = "2024-11-19"
STALLED_PROGRAM = "jambi-bkbk-2025"
UNPAID_PROGRAM = "inhu-apbdes-2025"

_REJECTIONS = np.array(
    [
        "Dokumen ahli waris tidak lengkap",
        "Kecelakaan di luar hubungan kerja",
        "Kejadian di luar masa kepesertaan",
    ],
    dtype=object,
)
NOT_COVERED = "Peserta tidak aktif: iuran belum dibayar"


def _frame(
    workers: pd.DataFrame,
    benefit: np.ndarray,
    event: np.ndarray,
    claim: np.ndarray,
    status: np.ndarray,
    paid_amount: np.ndarray,
    paid_date: np.ndarray,
    reject_reason: np.ndarray,
) -> pd.DataFrame:
    """Claims of `workers` (one row each) as a typed frame, dates as day numbers; a paid_amount
    below 0 or a paid_date of NO_DATE means none."""
    return pd.DataFrame(
        {
            "nik": workers["nik"].to_numpy(),
            "program_id": workers["program_id"].to_numpy(),
            "benefit": benefit,
            "event_date": event.astype(np.int64),
            "claim_date": claim.astype(np.int64),
            "status": status,
            "paid_amount": paid_amount.astype(np.int64),
            "paid_date": paid_date.astype(np.int64),
            "reject_reason": reject_reason,
        }
    )


def rate_claims(workers: pd.DataFrame, last_day: int, rng: np.random.Generator) -> pd.DataFrame:
    """Claims drawn over each AKTIF episode's days up to `last_day` (the day the story is told):
    at most one per episode, filed days to weeks after the event (none filed after last_day);
    most paid within two weeks, some late, some rejected, the recent ones still SUBMITTED."""
    aktif = workers[workers["status"].to_numpy() == "AKTIF"]
    start = aktif["coverage_start"].to_numpy(dtype=np.int64)
    stop = np.minimum(aktif["coverage_end"].to_numpy(dtype=np.int64), last_day - 1)
    days = np.maximum(stop - start + 1, 0)
    years = days / 365.25
    p_jkm = 1 - np.exp(-JKM_PER_WORKER_YEAR * years)
    p_jkk = 1 - np.exp(-JKK_PER_WORKER_YEAR * years)
    u = rng.random(len(aktif))
    pick = np.flatnonzero(u < p_jkm + p_jkk)
    k = len(pick)
    jkm = u[pick] < p_jkm[pick]
    event = start[pick] + (rng.random(k) * days[pick]).astype(np.int64)
    # Heirs need a death certificate and papers; an injured worker files within weeks.
    claim = event + np.where(jkm, rng.integers(5, 46, k), rng.integers(2, 31, k))
    filed = claim <= last_day
    v = rng.random(k)
    rejected = v < np.where(jkm, 0.04, 0.08)
    paid = ~rejected & (v < 0.97)  # the rest wait on papers that have not come
    pay_day = claim + np.where(
        rng.random(k) < 0.85, rng.integers(3, 14, k), rng.integers(15, 61, k)
    )
    # A paid day the story has not reached yet: still SUBMITTED on last_day.
    paid &= pay_day <= last_day
    status = np.where(
        rejected,
        ClaimStatus.REJECTED.value,
        np.where(paid, ClaimStatus.PAID.value, ClaimStatus.SUBMITTED.value),
    )
    # JKK pays treatment and lost wages: from a clinic visit to months in hospital.
    jkk_amount = (np.exp(rng.normal(15.6, 0.9, k)) // 1000 * 1000).astype(np.int64)
    amount = np.where(jkm, JKM_BENEFIT, np.clip(jkk_amount, 500_000, 150_000_000))
    frame = _frame(
        aktif.iloc[pick],
        np.where(jkm, Benefit.JKM.value, Benefit.JKK.value),
        event,
        claim,
        status,
        np.where(paid, amount, -1),
        np.where(paid, pay_day, NO_DATE),
        np.where(rejected, _REJECTIONS[rng.integers(0, len(_REJECTIONS), k)], ""),
    )
    return frame[filed].reset_index(drop=True)


def uncovered_claims(
    workers: pd.DataFrame, last_day: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Accidents and deaths happen to workers whose cover never came, at the same rates, from
    the day they registered: their families file too, and BPJS rejects the claim (the
    participant was not active). Each is a protection failure: the nation's share of the
    families the chain failed."""
    unpaid = workers[workers["status"].to_numpy() == "UNPAID"]
    start = unpaid["registered_date"].to_numpy(dtype=np.int64)
    days = np.maximum(last_day - 1 - start + 1, 0)
    years = days / 365.25
    p_jkm = 1 - np.exp(-JKM_PER_WORKER_YEAR * years)
    p_jkk = 1 - np.exp(-JKK_PER_WORKER_YEAR * years)
    u = rng.random(len(unpaid))
    pick = np.flatnonzero(u < p_jkm + p_jkk)
    k = len(pick)
    jkm = u[pick] < p_jkm[pick]
    event = start[pick] + (rng.random(k) * days[pick]).astype(np.int64)
    claim = event + np.where(jkm, rng.integers(5, 46, k), rng.integers(2, 31, k))
    frame = _frame(
        unpaid.iloc[pick],
        np.where(jkm, Benefit.JKM.value, Benefit.JKK.value),
        event,
        claim,
        np.full(k, ClaimStatus.REJECTED.value, dtype=object),
        np.full(k, -1),
        np.full(k, NO_DATE),
        np.full(k, NOT_COVERED, dtype=object),
    )
    return frame[claim <= last_day].reset_index(drop=True)


def _pick(candidates: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """`count` distinct row positions from `candidates` (fewer if there are fewer)."""
    count = min(count, len(candidates))
    return np.sort(rng.choice(candidates, size=count, replace=False)) if count else candidates[:0]


def fixed_claims(
    workers: pd.DataFrame, parts: dict[str, Parts], rng: np.random.Generator
) -> pd.DataFrame:
    """The fixed stories' claims (see the module docstring), where their programmes are in
    this story; Bengkalis' heirs are moved to the three villages the story names, within their
    own kecamatan so their NIKs still fit. Changes `workers` in place for that."""
    frames = []
    program = workers["program_id"].to_numpy()
    status = workers["status"].to_numpy()
    start = workers["coverage_start"].to_numpy(dtype=np.int64)
    end = workers["coverage_end"].to_numpy(dtype=np.int64)
    village = workers["village_code"].to_numpy()
    if BENGKALIS_PROGRAM in parts:
        rows: list[int] = []
        for code, event, _ in BENGKALIS_DEATHS:
            day = day_number(event)
            ok = (program == BENGKALIS_PROGRAM) & (status == "AKTIF") & (start < day) & (end > day)
            ok &= pd.Series(village).str.startswith(code[:9]).to_numpy()
            ok[rows] = False
            rows.append(int(np.flatnonzero(ok)[0]))
        workers.iloc[rows, workers.columns.get_loc("village_code")] = [
            c for c, _, _ in BENGKALIS_DEATHS
        ]
        three = len(rows)
        frames.append(
            _frame(
                workers.iloc[rows],
                np.full(three, Benefit.JKM.value),
                np.array([day_number(e) for _, e, _ in BENGKALIS_DEATHS]),
                np.array([day_number(c) for _, _, c in BENGKALIS_DEATHS]),
                np.full(three, ClaimStatus.PAID.value),
                np.full(three, JKM_BENEFIT),
                np.full(three, day_number(BENGKALIS_PAID)),
                np.full(three, ""),
            )
        )
    if KUKAR_PROGRAM in parts:
        # Two deaths and a work accident, paid out in time to be handed over at the Monev.
        monev = day_number(KUKAR_MONEV)
        events = np.array([day_number(d) for d in ("2024-10-20", "2024-10-26", "2024-11-01")])
        rows = []
        for day in events:
            ok = (program == KUKAR_PROGRAM) & (status == "AKTIF") & (start < day) & (end > day)
            ok[rows] = False
            rows.append(int(_pick(np.flatnonzero(ok), rng, 1)[0]))
        frames.append(
            _frame(
                workers.iloc[rows],
                np.array([Benefit.JKM.value, Benefit.JKM.value, Benefit.JKK.value]),
                events,
                events + np.array([16, 12, 6]),  # filed within two weeks of the Monev
                np.full(3, ClaimStatus.PAID.value),
                np.array([JKM_BENEFIT, JKM_BENEFIT, 18_750_000]),
                np.full(3, monev),
                np.full(3, ""),
            )
        )
    if STALLED_PROGRAM in parts:
        # Deaths of workers enrolled but never covered, where the desa never got its money.
        fate = parts[STALLED_PROGRAM].fate
        stalled = fate.index[fate == "none"]
        frames.append(
            _never_covered(
                workers,
                stalled,
                STALLED_PROGRAM,
                Benefit.JKM,
                [ClaimStatus.REJECTED, ClaimStatus.SUBMITTED],
                rng,
            )
        )
    if UNPAID_PROGRAM in parts:
        fate = parts[UNPAID_PROGRAM].fate
        unpaid = fate.index[fate == "unpaid"]
        frames.append(
            _never_covered(
                workers, unpaid, UNPAID_PROGRAM, Benefit.JKK, [ClaimStatus.SUBMITTED], rng
            )
        )
    if not frames:
        return _frame(workers.iloc[:0], *(np.array([], dtype=object),) * 7)
    return pd.concat(frames, ignore_index=True)


def _never_covered(
    workers: pd.DataFrame,
    units: pd.Index,
    program_id: str,
    benefit: Benefit,
    statuses: list[ClaimStatus],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One claim per entry of `statuses` (never PAID: nothing covered them), each of an unpaid
    worker of a different district's unit among `units`, some weeks after registering."""
    mask = (
        (workers["program_id"].to_numpy() == program_id)
        & (workers["status"].to_numpy() == "UNPAID")
        & workers["unit_code"].isin(units).to_numpy()
    )
    candidates = np.flatnonzero(mask)
    districts = workers["unit_code"].iloc[candidates].str.slice(0, 5)
    # One worker per district, so the failures are not all in one place.
    first = candidates[~districts.duplicated().to_numpy()]
    rows = _pick(first, rng, len(statuses))
    n = len(rows)
    chosen = workers.iloc[rows]
    registered = chosen["registered_date"].to_numpy(dtype=np.int64)
    event = np.maximum(registered + 20, day_number("2025-06-01")) + rng.integers(0, 60, n)
    event = np.minimum(event, day_number("2025-10-10"))
    claim = event + rng.integers(7, 15, n)
    status = np.array([s.value for s in statuses[:n]], dtype=object)
    return _frame(
        chosen,
        np.full(n, benefit.value),
        event,
        claim,
        status,
        np.full(n, -1),
        np.full(n, NO_DATE),
        np.where(status == ClaimStatus.REJECTED.value, NOT_COVERED, ""),
    )


def story_claims(
    workers: pd.DataFrame,
    parts: dict[str, Parts],
    last_day: int,
    province: str,
    rng: np.random.Generator,
    *,
    fixed_story: bool = True,
) -> pd.DataFrame:
    """Every claim of a province's story, numbered as BPJS files them (typed, day numbers);
    `fixed_story=False` (the nation's own plans) draws the claims at their rates only, of
    covered workers and of workers never covered alike."""
    fixed = fixed_claims(workers, parts if fixed_story else {}, rng)
    drawn = rate_claims(workers, last_day, rng)
    if not fixed_story:
        # The nation's families of workers never covered: the fixed story plants its own.
        drawn = pd.concat([drawn, uncovered_claims(workers, last_day, rng)], ignore_index=True)
    # A worker the fixed story has die claims nothing else.
    drawn = drawn[~drawn["nik"].isin(fixed["nik"])]
    claims = pd.concat([fixed, drawn], ignore_index=True)
    # Nobody claims after their own death.
    death = claims["event_date"].where(claims["benefit"] == Benefit.JKM.value)
    first_death = death.groupby(claims["nik"]).transform("min")
    claims = claims[~(claims["event_date"] > first_death)]
    claims = claims.sort_values(["claim_date", "nik", "program_id"], kind="stable")
    year = pd.to_datetime(claims["claim_date"].to_numpy(), unit="D").year.to_numpy()
    sequence = np.arange(1, len(claims) + 1)
    claims.insert(
        0,
        "claim_id",
        [f"KLM-{y}-{province}-{n:06d}" for y, n in zip(year, sequence, strict=True)],
    )
    paid_amount = claims["paid_amount"].to_numpy()
    paid_date = claims["paid_date"].to_numpy()
    claims["paid_amount"] = pd.Series(
        np.where(paid_amount >= 0, paid_amount, None), index=claims.index, dtype=object
    )
    claims["paid_date"] = pd.Series(
        np.where(paid_date != NO_DATE, paid_date, None), index=claims.index, dtype=object
    )
    claims["reject_reason"] = claims["reject_reason"].replace("", None)
    return claims[SOURCES["claims"].columns].reset_index(drop=True)


def claims_known_on(claims: pd.DataFrame, cutoff: int) -> pd.DataFrame:
    """The claims as BPJS reports them on day `cutoff`: those filed by then, a claim paid
    later still SUBMITTED without its payment."""
    known = claims[claims["claim_date"].astype(np.int64) <= cutoff].copy()
    paid_date = known["paid_date"]
    later = paid_date.notna() & (paid_date.fillna(NO_DATE).astype(np.int64) > cutoff)
    known.loc[later, "status"] = ClaimStatus.SUBMITTED.value
    known.loc[later, ["paid_amount", "paid_date"]] = None
    return known.reset_index(drop=True)
