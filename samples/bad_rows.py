"""Bad rows, each breaking exactly one contract rule, that leave the story's stalls unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from rantai.records import SOURCES, FundingSource, Kind
from rantai.regions import is_desa_code, load_gazetteer
from samples.days import EPOCH, MONTHS, YEAR_PREMIUM, cover_end, day_number
from samples.people import niks, person_names
from samples.places import region_table, villages_in
from samples.plans import Plan
from samples.story import Story


def _plain(source: str, row: dict[str, Any]) -> dict[str, str]:
    """A typed row written the plain way: dotted codes, ISO dates, plain amounts."""
    out: dict[str, str] = {}
    for column, spec in SOURCES[source].specs.items():
        value = row.get(column)
        if value is None or (isinstance(value, str) and not value):
            out[column] = ""
        elif spec.kind is Kind.DATE:
            out[column] = (EPOCH + dt.timedelta(days=int(value))).isoformat()
        else:
            out[column] = str(value)
    return out


class BadRows:
    """Collects a province's bad rows; each breaks one rule and leaves the stalls unchanged."""

    def __init__(self, story: Story, rng: np.random.Generator) -> None:
        self.story = story
        self.rng = rng
        self.rows: dict[str, list[dict[str, str]]] = {name: [] for name in SOURCES}

    def add(self, source: str, row: dict[str, Any], day: int | None, **raw: str) -> None:
        """Add a row known on `day` (none after as_of), with `raw` text replacing fields."""
        if day is not None and day > self.story.cutoff:
            return
        self.rows[source].append({**_plain(source, row), **raw})

    def one(self, codes: list[str]) -> str | None:
        """One of `codes`, taken out of the list so the next pick differs."""
        if not codes:
            return None
        return codes.pop(int(self.rng.integers(len(codes))))

    def units(self, plan: Plan, *fates: str) -> list[str]:
        fate = self.story.parts[plan.program_id].fate
        return sorted(fate.index[fate.isin(fates)])

    def allocation(self, plan: Plan, unit: str) -> dict[str, Any]:
        frame = self.story.parts[plan.program_id].allocations
        return dict(frame[frame["unit_code"] == unit].iloc[0].to_dict())

    def new_worker(self, village: str) -> dict[str, Any]:
        """A worker not in the story, with a valid NIK unique in the province."""
        nobody = np.array([False])
        nik = int(niks(pd.Series([village], dtype=object), nobody, self.rng, self.story.taken)[0])
        self.story.taken.add(nik)
        return {"nik": str(nik), "name": str(person_names(nobody, self.rng)[0])}

    def coverage(self, plan: Plan, **raw: str) -> None:
        """A coverage row for a paid worker that BPJS has not activated, with one field wrong."""
        workers = self.story.workers
        missing = workers[
            (workers["program_id"] == plan.program_id)
            & (workers["status"] == "MISSING")
            & workers["nik"].isin(self.story.typed["enrollments"]["nik"])
        ]
        if not len(missing):
            return
        worker = missing.iloc[int(self.rng.integers(len(missing)))]
        payments = self.story.typed["premium_payments"]
        first_paid = payments.loc[
            (payments["program_id"] == plan.program_id)
            & (payments["payer_code"] == worker["unit_code"]),
            "paid_date",
        ].min()
        if pd.isna(first_paid):
            return
        start = int(first_paid) + 3
        row = {
            "nik": worker["nik"],
            "program_id": plan.program_id,
            "kpj_no": worker["kpj_no"],
            "coverage_start": start,
            "coverage_end": int(cover_end(np.array([start]))[0]),
            "status": "AKTIF",
        }
        self.add("coverage", row, start, **raw)

    def payment(self, plan: Plan, payer: str, day: int, workers: int, **raw: str) -> None:
        row = {
            "payment_id": f"PAY-{plan.funding.value}-{plan.year}-{payer.replace('.', '')}-1",
            "program_id": plan.program_id,
            "payer_code": payer,
            "paid_date": day,
            "amount": workers * YEAR_PREMIUM,
            "workers_count": workers,
            "months": MONTHS,
            "payment_ref": self.story.next_ref(),
            "period_start": day + 1,
        }
        self.add("premium_payments", row, day, **raw)


def _bad_bkbk(bad: BadRows, plan: Plan) -> None:
    story, pid, year = bad.story, plan.program_id, plan.year
    parts = story.parts[pid]
    if not len(parts.allocations):
        return
    first = bad.allocation(plan, str(parts.allocations["unit_code"].iloc[0]))
    kelurahan = [c for c in villages_in(story.province, desa_only=False) if not is_desa_code(c)]
    if kel := bad.one(kelurahan):
        row = {**first, "allocation_id": f"AL-{pid}-{kel.replace('.', '')}", "unit_code": kel}
        bad.add("allocations", row, int(row["decree_date"]))
    if desa := bad.one(bad.units(plan, "paid")):
        row = bad.allocation(plan, desa)
        premium = int(row["target_workers"]) * YEAR_PREMIUM
        row.update(
            allocation_id=f"{row['allocation_id']}-P",
            allocated_amount=premium - 100_000,
            premium_amount=premium,
        )
        bad.add("allocations", row, int(row["decree_date"]))

    nothing = bad.units(plan, "none")
    if desa := bad.one(nothing):
        row = {
            "transfer_id": f"VT-{year}-{desa.replace('.', '')}",
            "program_id": pid,
            "village_code": desa,
            "amount": bad.allocation(plan, desa)["allocated_amount"],
            "transfer_date": day_number(f"{year}-02-28"),
            "sp2d_no": f"0999/SP2D/BKBK/{desa[:5].replace('.', '')}/{year}",
        }
        bad.add(
            "village_transfers", row, day_number(f"{year}-02-28"), transfer_date=f"31/02/{year}"
        )
    if desa := bad.one(nothing):
        amount = int(bad.allocation(plan, desa)["allocated_amount"])
        day = int(parts.district_transfers["transfer_date"].min()) + 40
        for k, value in enumerate((amount, amount // 2000 * 1000)):
            row = {
                "transfer_id": f"VT-{year}-{desa.replace('.', '')}",
                "program_id": pid,
                "village_code": desa,
                "amount": value,
                "transfer_date": day + k,
                "sp2d_no": f"{998 - k:04d}/SP2D/BKBK/{desa[:5].replace('.', '')}/{year}",
            }
            bad.add("village_transfers", row, day + k)

    transfers = story.typed["village_transfers"]
    sitting = [c for c in bad.units(plan, "sitting") if c in set(transfers["village_code"])]
    for raw_amount in (True, False):
        if not (desa := bad.one(sitting)):
            break
        day = int(transfers.loc[transfers["village_code"] == desa, "transfer_date"].max()) + 10
        workers = int(bad.allocation(plan, desa)["target_workers"])
        if raw_amount:
            bad.payment(plan, desa, day, workers, amount=f"{workers * YEAR_PREMIUM:,}")
        else:
            # A programme the sources never named (last year's is known: the predecessor).
            unknown = f"{pid.rsplit('-', 1)[0]}-{year - 2}"
            bad.payment(plan, desa, day, workers, program_id=unknown)

    enrolled = story.typed["enrollments"]
    ours = enrolled[enrolled["program_id"] == pid]
    if len(ours):
        sample = ours.iloc[int(bad.rng.integers(len(ours)))]
        village, day = str(sample["village_code"]), int(sample["registered_date"])
        base = {"program_id": pid, "registered_date": day, "village_code": village}
        worker = bad.new_worker(village)
        bad.add(
            "enrollments",
            {**base, **worker, "occupation": "petani"},
            day,
            nik=worker["nik"][:15],
        )
        unknown = _unknown_village(village)
        worker = bad.new_worker(village)
        bad.add(
            "enrollments",
            {**base, **worker, "occupation": "buruh tani", "village_code": unknown},
            day,
        )
        worker = bad.new_worker(village)
        bad.add("enrollments", {**base, **worker, "occupation": "pekerja serabutan"}, day, name="")
    bad.coverage(plan, coverage_end=f"{year - 1}-12-31")
    _bad_claims(bad, plan)


def _unknown_village(village: str) -> str:
    """A village code the gazetteer does not know, near `village`: a desa's code from before
    the Kepmendagri 2025 edition retired it, as an office working from an old list writes it;
    where the province has none, a code no edition had."""
    gazetteer = load_gazetteer()
    province = village[:3]
    retired = sorted(c for c in gazetteer.retired if c.startswith(province) and is_desa_code(c))
    if retired:
        return retired[0]
    return next(
        f"{village[:8]}.{k}" for k in range(2999, 2000, -1) if f"{village[:8]}.{k}" not in gazetteer
    )


def _bad_claims(bad: BadRows, plan: Plan) -> None:
    """Copies of one of the programme's paid claims, each under its own claim_id with one
    thing wrong: a 15-digit NIK, a programme never named, an event after the claim, a payment
    before it, PAID without the payment."""
    claims = bad.story.typed["claims"]
    paid = claims[(claims["program_id"] == plan.program_id) & (claims["status"] == "PAID")]
    if not len(paid):
        return
    claim = paid.iloc[int(bad.rng.integers(len(paid)))].to_dict()
    day = int(claim["claim_date"])
    unknown = f"{plan.program_id.rsplit('-', 1)[0]}-{plan.year - 2}"
    wrong: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({}, {"nik": str(claim["nik"])[:15]}),
        ({"program_id": unknown}, {}),
        ({"event_date": day + 3}, {}),
        ({"paid_date": day - 2}, {}),
        ({}, {"paid_amount": "", "paid_date": ""}),
    ]
    for k, (typed, raw) in enumerate(wrong, start=1):
        row = {**claim, **typed, "claim_id": f"{claim['claim_id']}-K{k}"}
        bad.add("claims", row, day, **raw)


def _bad_apbd(bad: BadRows, plan: Plan) -> None:
    allocation = bad.allocation(plan, plan.scope)
    desa = list(villages_in(plan.scope, desa_only=True))
    if payer := bad.one(desa):
        bad.payment(
            plan, payer, plan.paid + 21, 25, payment_id=f"PAY-APBD-{plan.scope.replace('.', '')}-9"
        )
    decree = int(allocation["decree_date"])
    row = {
        # Its own id: a BKBK tranche to the same district is `DT-<district>-1`.
        "transfer_id": f"DT-APBD-{plan.scope}-1",
        "program_id": plan.program_id,
        "district_code": plan.scope,
        "amount": allocation["allocated_amount"],
        "transfer_date": decree + 20,
        "sp2d_no": f"0042/SP2D/APBD/{plan.scope.replace('.', '')}/{plan.year}",
    }
    bad.add("district_transfers", row, decree + 20)
    bad.coverage(plan, status="NONAKTIF")


def _bad_apbdes(bad: BadRows, plan: Plan) -> None:
    story = bad.story
    allocations = story.parts[plan.program_id].allocations
    if not len(allocations):
        return
    # A desa of the next province, as when a border desa is filed with the wrong programme.
    provinces = sorted(c for c in load_gazetteer().names if len(c) == 2 and c != story.province)
    later = [c for c in provinces if c > story.province]
    outside = list(villages_in(later[0] if later else provinces[-1], desa_only=True))
    if not outside:
        regions = region_table()
        elsewhere = regions["is_desa"] & ~regions["code"].str.startswith(story.province + ".")
        outside = list(regions.loc[elsewhere, "code"])
    if desa := bad.one(outside):
        row = {
            **allocations.iloc[0].to_dict(),
            "allocation_id": f"AL-{plan.program_id}-{desa.replace('.', '')}",
            "unit_code": desa,
        }
        bad.add("allocations", row, int(row["decree_date"]))
    if desa := bad.one(bad.units(plan, "unpaid")):
        row = bad.allocation(plan, desa)
        day = int(row["decree_date"]) + 60
        bad.payment(plan, desa, day, int(row["target_workers"]), months=f"{MONTHS} bulan")


BAD_ROWS_BY_FUNDING: dict[FundingSource, Callable[[BadRows, Plan], None]] = {
    FundingSource.BKBK: _bad_bkbk,
    FundingSource.APBD: _bad_apbd,
    FundingSource.APBDES: _bad_apbdes,
}
