"""The contract's records: one pydantic model per source file, the one definition of its columns.

Each field carries a `Spec` saying what kind of value the contract expects (a region code, an
amount in whole rupiah, a date, ...). The vectorised validator (`rantai.validate`) reads these
specs, so the columns, their order, which are optional and their ranges live only here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict

from rantai.bounds import SLA_DAYS_MAX, WORKERS_MAX


class FundingSource(StrEnum):
    """Who pays the premium: the province's BKBK via villages, the district, or the village."""

    BKBK = "BKBK"
    APBD = "APBD"
    APBDES = "APBDES"


class CoverageStatus(StrEnum):
    """Status of a worker's cover as BPJS Ketenagakerjaan reports it."""

    AKTIF = "AKTIF"
    NON_AKTIF = "NON_AKTIF"


class ClaimStatus(StrEnum):
    """Status of a claim as BPJS Ketenagakerjaan reports it (contract v2)."""

    SUBMITTED = "SUBMITTED"
    PAID = "PAID"
    REJECTED = "REJECTED"


class Benefit(StrEnum):
    """What a claim is for: JKK (work accident) or JKM (death)."""

    JKK = "JKK"
    JKM = "JKM"


# JKM for a death: Rp20 million lump sum, Rp12 million periodic, Rp10 million funeral (PP 44/2015
# as amended by PP 82/2019). JKK has no fixed figure: its claim's paid_amount where known.
JKM_BENEFIT = 42_000_000


class Stage(StrEnum):
    """Steps of the chain after ALLOCATION, in chain order (contract v2 adds the last two)."""

    DISTRICT_TRANSFER = "DISTRICT_TRANSFER"
    VILLAGE_TRANSFER = "VILLAGE_TRANSFER"
    PREMIUM_PAYMENT = "PREMIUM_PAYMENT"
    COVERAGE_ACTIVATION = "COVERAGE_ACTIVATION"
    COVER_PERIOD = "COVER_PERIOD"
    CLAIM_PAYMENT = "CLAIM_PAYMENT"


STAGE_ORDER: dict[str, int] = {stage.value: i for i, stage in enumerate(Stage)}

# The stages whose amount at stake is money that has not moved on (transfers, premiums); a
# COVER_PERIOD's is premiums paid for cover that does not exist, a CLAIM_PAYMENT's a benefit.
MONEY_STAGES: tuple[Stage, ...] = (
    Stage.DISTRICT_TRANSFER,
    Stage.VILLAGE_TRANSFER,
    Stage.PREMIUM_PAYMENT,
)

# The stages a unit's cases can have (CLAIM_PAYMENT's case is a claim, not a unit).
UNIT_STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s is not Stage.CLAIM_PAYMENT)

_AFTER_PAYMENT = (
    Stage.PREMIUM_PAYMENT,
    Stage.COVERAGE_ACTIVATION,
    Stage.COVER_PERIOD,
    Stage.CLAIM_PAYMENT,
)
# Steps each funding source has after ALLOCATION (CONTRACT.md, "The chain" and v2).
STAGES_BY_FUNDING: dict[FundingSource, tuple[Stage, ...]] = {
    FundingSource.BKBK: tuple(Stage),
    FundingSource.APBD: _AFTER_PAYMENT,
    FundingSource.APBDES: _AFTER_PAYMENT,
}


class Responsible(StrEnum):
    """Whose move a blocked stage is (protection_failures.csv `responsible`)."""

    PROVINCE = "PROVINCE"
    DISTRICT = "DISTRICT"
    VILLAGE = "VILLAGE"
    BPJS = "BPJS"
    NONE = "NONE"


def responsible_for(stage: str, funding: str, awaiting_request: bool = False) -> Responsible:
    """Who must act on a stage: the province transfers to districts, the district to villages,
    the payer (the district for APBD, else the village) pays premiums, BPJS activates cover.

    `awaiting_request` (issue 15): the village's transfer waits for the village's complete
    request (its programme's villages apply, village_requests.csv, and this one has no
    complete request yet), so the move is the village's, not the district's."""
    if stage == Stage.DISTRICT_TRANSFER:
        return Responsible.PROVINCE
    if stage == Stage.VILLAGE_TRANSFER:
        return Responsible.VILLAGE if awaiting_request else Responsible.DISTRICT
    if stage == Stage.PREMIUM_PAYMENT:
        return Responsible.DISTRICT if funding == FundingSource.APBD else Responsible.VILLAGE
    if stage in (Stage.COVERAGE_ACTIVATION, Stage.COVER_PERIOD, Stage.CLAIM_PAYMENT):
        return Responsible.BPJS
    return Responsible.NONE


@dataclass(frozen=True)
class SlaDefault:
    """Default SLA of a stage, and the programme column that overrides it."""

    column: str
    days: int
    days_bkbk: int | None = None

    def for_funding(self, funding: str) -> int:
        """The default days for a funding source."""
        if funding == FundingSource.BKBK and self.days_bkbk is not None:
            return self.days_bkbk
        return self.days


# The one table of SLA defaults (CONTRACT.md, "Stage rules").
SLA_DEFAULTS: dict[Stage, SlaDefault] = {
    Stage.DISTRICT_TRANSFER: SlaDefault("sla_district_days", 30),
    Stage.VILLAGE_TRANSFER: SlaDefault("sla_village_days", 30),
    Stage.PREMIUM_PAYMENT: SlaDefault("sla_premium_days", 30, days_bkbk=14),
    Stage.COVERAGE_ACTIVATION: SlaDefault("sla_coverage_days", 7),
    Stage.COVER_PERIOD: SlaDefault("sla_coverage_days", 7),
    Stage.CLAIM_PAYMENT: SlaDefault("sla_claim_days", 14),
}
# The programme columns that override SLA days, once each (COVER_PERIOD shares its column).
SLA_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(sla.column for sla in SLA_DEFAULTS.values()))

# JKK Rp10,000 + JKM Rp6,800 per worker per month.
DEFAULT_PREMIUM_RATE_MONTHLY = 16_800


class Reason(StrEnum):
    """Quarantine reason codes, in the contract's order of precedence."""

    MISSING_FIELD = "MISSING_FIELD"
    BAD_DATE = "BAD_DATE"
    BAD_AMOUNT = "BAD_AMOUNT"
    BAD_INT = "BAD_INT"
    INVALID_NIK = "INVALID_NIK"
    UNKNOWN_PROGRAM = "UNKNOWN_PROGRAM"
    UNKNOWN_REGION = "UNKNOWN_REGION"
    NOT_A_DESA = "NOT_A_DESA"
    REGION_MISMATCH = "REGION_MISMATCH"
    DUPLICATE_ID_CONFLICT = "DUPLICATE_ID_CONFLICT"
    INCONSISTENT = "INCONSISTENT"


class Kind(StrEnum):
    """What a contract field holds, which decides how it is parsed and its bad-input reason."""

    TEXT = "text"
    CODE = "code"  # Kemendagri region code, dotted or undotted
    AMOUNT = "amount"  # whole rupiah > 0: 16800, 16.800, Rp16.800, Rp 16.800
    DATE = "date"  # YYYY-MM-DD or DD/MM/YYYY
    INT = "int"
    NIK = "nik"  # 16-digit national identity number
    CHOICE = "choice"  # one of a list; outside it is INCONSISTENT


@dataclass(frozen=True)
class Spec:
    """The contract's expectation for one field."""

    kind: Kind
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    # A date past `bounds.DATE_MAX` means "no end" rather than a bad date (coverage_end).
    open_ended: bool = False
    # The value names a programme that must be known (programs.predecessor_id).
    names_programme: bool = False
    # The value names a record of this source that must be known, by the source's key (one
    # column), from this file or an earlier load (branches.parent_branch_code: a branch).
    names_own_record: str | None = None


TEXT = Spec(Kind.TEXT)
CODE = Spec(Kind.CODE)
AMOUNT = Spec(Kind.AMOUNT)
DATE = Spec(Kind.DATE)
NIK = Spec(Kind.NIK)
WORKERS = Spec(Kind.INT, minimum=1, maximum=WORKERS_MAX)
MONTHS = Spec(Kind.INT, minimum=1, maximum=12)
OPTIONAL_DAYS = Spec(Kind.INT, required=False, minimum=0, maximum=SLA_DAYS_MAX)
OPTIONAL_DATE = Spec(Kind.DATE, required=False)
# A programme id in a column other than program_id: when given it must be known
# (else UNKNOWN_PROGRAM, as for program_id).
OPTIONAL_PROGRAMME = Spec(Kind.TEXT, required=False, names_programme=True)


class Record(BaseModel):
    """Base of the contract's records: strict, immutable, no unknown fields kept."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Program(Record):
    """programs.csv: a programme that pays premiums for vulnerable workers."""

    program_id: Annotated[str, TEXT]
    funding_source: Annotated[FundingSource, Spec(Kind.CHOICE, choices=tuple(FundingSource))]
    province_code: Annotated[str, CODE]
    fiscal_year: Annotated[int, Spec(Kind.INT, minimum=2000, maximum=2100)]
    name: Annotated[str, TEXT]
    premium_rate_monthly: Annotated[int | None, Spec(Kind.AMOUNT, required=False)] = None
    sla_district_days: Annotated[int | None, OPTIONAL_DAYS] = None
    sla_village_days: Annotated[int | None, OPTIONAL_DAYS] = None
    sla_premium_days: Annotated[int | None, OPTIONAL_DAYS] = None
    sla_coverage_days: Annotated[int | None, OPTIONAL_DAYS] = None
    # Contract v2: the previous fiscal year's programme of the same scheme (must be known),
    # the date of the cooperation agreement (PKS) with BPJS, and CLAIM_PAYMENT's SLA.
    predecessor_id: Annotated[str | None, OPTIONAL_PROGRAMME] = None
    pks_date: Annotated[dt.date | None, OPTIONAL_DATE] = None
    sla_claim_days: Annotated[int | None, OPTIONAL_DAYS] = None


class Allocation(Record):
    """allocations.csv: money fixed by a decree (SK) for one unit of a programme."""

    allocation_id: Annotated[str, TEXT]
    program_id: Annotated[str, TEXT]
    unit_code: Annotated[str, CODE]
    allocated_amount: Annotated[int, AMOUNT]
    premium_amount: Annotated[int, AMOUNT]
    target_workers: Annotated[int, WORKERS]
    months: Annotated[int, MONTHS]
    decree_date: Annotated[dt.date, DATE]
    # Contract v2: first day of the planned cover; default 1 January of the fiscal year.
    cover_start: Annotated[dt.date | None, OPTIONAL_DATE] = None


class DistrictTransfer(Record):
    """district_transfers.csv: BKBK money from the province to a district (SP2D)."""

    transfer_id: Annotated[str, TEXT]
    program_id: Annotated[str, TEXT]
    district_code: Annotated[str, CODE]
    amount: Annotated[int, AMOUNT]
    transfer_date: Annotated[dt.date, DATE]
    sp2d_no: Annotated[str, TEXT]


class VillageTransfer(Record):
    """village_transfers.csv: BKBK money from the district to a village account (rekening desa)."""

    transfer_id: Annotated[str, TEXT]
    program_id: Annotated[str, TEXT]
    village_code: Annotated[str, CODE]
    amount: Annotated[int, AMOUNT]
    transfer_date: Annotated[dt.date, DATE]
    sp2d_no: Annotated[str, TEXT]


class Enrollment(Record):
    """enrollments.csv: a worker registered in a programme (personal data: NIK, name)."""

    nik: Annotated[str, NIK]
    name: Annotated[str, TEXT]
    village_code: Annotated[str, CODE]
    occupation: Annotated[str, TEXT]
    program_id: Annotated[str, TEXT]
    registered_date: Annotated[dt.date, DATE]


class PremiumPayment(Record):
    """premium_payments.csv: premiums (iuran) paid to BPJS Ketenagakerjaan by a unit."""

    payment_id: Annotated[str, TEXT]
    program_id: Annotated[str, TEXT]
    payer_code: Annotated[str, CODE]
    paid_date: Annotated[dt.date, DATE]
    amount: Annotated[int, AMOUNT]
    workers_count: Annotated[int, WORKERS]
    months: Annotated[int, MONTHS]
    payment_ref: Annotated[str, TEXT]
    # Contract v2: first day of the cover the payment buys; default paid_date.
    period_start: Annotated[dt.date | None, OPTIONAL_DATE] = None


class Coverage(Record):
    """coverage.csv: a worker's cover as BPJS Ketenagakerjaan reports it."""

    nik: Annotated[str, NIK]
    program_id: Annotated[str, TEXT]
    kpj_no: Annotated[str | None, Spec(Kind.TEXT, required=False)] = None
    coverage_start: Annotated[dt.date, DATE]
    coverage_end: Annotated[dt.date, Spec(Kind.DATE, open_ended=True)]
    status: Annotated[CoverageStatus, Spec(Kind.CHOICE, choices=tuple(CoverageStatus))]


class Claim(Record):
    """claims.csv (contract v2): a JKK or JKM claim as BPJS Ketenagakerjaan reports it."""

    claim_id: Annotated[str, TEXT]
    nik: Annotated[str, NIK]
    program_id: Annotated[str, TEXT]
    benefit: Annotated[Benefit, Spec(Kind.CHOICE, choices=tuple(Benefit))]
    event_date: Annotated[dt.date, DATE]
    claim_date: Annotated[dt.date, DATE]
    status: Annotated[ClaimStatus, Spec(Kind.CHOICE, choices=tuple(ClaimStatus))]
    paid_amount: Annotated[int | None, Spec(Kind.AMOUNT, required=False)] = None
    paid_date: Annotated[dt.date | None, OPTIONAL_DATE] = None
    reject_reason: Annotated[str | None, Spec(Kind.TEXT, required=False)] = None


class VillageRequest(Record):
    """village_requests.csv: a village's application to its district for its BKBK transfer,
    complete once its documents are (Jambi: the district pays a village on its application and
    the completeness of its documents)."""

    program_id: Annotated[str, TEXT]
    village_code: Annotated[str, CODE]
    submitted_date: Annotated[dt.date, DATE]
    complete_date: Annotated[dt.date | None, OPTIONAL_DATE] = None
    missing_documents: Annotated[str | None, Spec(Kind.TEXT, required=False)] = None


class Branch(Record):
    """branches.csv: a BPJS Ketenagakerjaan branch office (Kantor Cabang) and one district it
    serves; one row per district. No programme: a branch serves every programme's cases."""

    branch_code: Annotated[str, TEXT]
    name: Annotated[str, TEXT]
    parent_branch_code: Annotated[
        str | None, Spec(Kind.TEXT, required=False, names_own_record="branch_code")
    ] = None
    district_code: Annotated[str, CODE]


class Place(StrEnum):
    """The kind of region a code must name."""

    PROVINCE = "province"
    DISTRICT = "district"
    VILLAGE = "village"  # a desa or a kelurahan
    DESA = "desa"  # a village code ending 2xxx or 3xxx (desa adat), never a kelurahan (1xxx)


@dataclass(frozen=True)
class RegionRule:
    """Where a source's rows sit: the code column, the kind of region every row needs, the
    kind each funding source's programme needs, and whether it lies inside the programme's
    province. Broken: NOT_A_DESA where a desa is needed, else REGION_MISMATCH."""

    column: str
    place: Place | None = None
    by_funding: tuple[tuple[FundingSource, Place], ...] = ()
    inside_programme_province: bool = True


@dataclass(frozen=True)
class NotAfter:
    """A named check across fields: `column` must not exceed `limit` (an amount at most the
    other, a date on or before the other) where both are given; else INCONSISTENT."""

    name: str
    column: str
    limit: str


@dataclass(frozen=True)
class NotBefore:
    """A named check across fields: `column` must be at least `floor` (a date on or after the
    other) where both are given; else INCONSISTENT."""

    name: str
    column: str
    floor: str


@dataclass(frozen=True)
class RequiredWhen:
    """A named check across fields: where `column` equals `value`, every one of `required`
    must be given; else INCONSISTENT (a PAID claim without paid_amount or paid_date)."""

    name: str
    column: str
    value: str
    required: tuple[str, ...]


CrossCheck = NotAfter | NotBefore | RequiredWhen


@dataclass(frozen=True)
class Source:
    """One contract file: its stem, record model, key, the date that says when a record is
    known, where its rows sit, the stage its records feed (only programmes whose funding has
    that stage may have them) and its named checks across fields."""

    name: str
    model: type[Record]
    key: tuple[str, ...]
    known_date: str | None
    region: RegionRule | None = None
    feeds: Stage | None = None
    checks: tuple[CrossCheck, ...] = ()

    @property
    def refers_to_programme(self) -> bool:
        """Whether each record names a programme that must be known (all but the programmes
        and the programme-less sources)."""
        return self.has_programme and self.key != ("program_id",)

    @property
    def has_programme(self) -> bool:
        """Whether records carry a program_id (a source without one, branches, is read whole
        whatever programmes a run or report looks at)."""
        return "program_id" in self.model.model_fields

    @property
    def columns(self) -> list[str]:
        """The contract's columns, in contract order."""
        return list(self.model.model_fields)

    @property
    def required_columns(self) -> list[str]:
        """Columns that must be in the header."""
        return [c for c, s in self.specs.items() if s.required]

    @property
    def specs(self) -> dict[str, Spec]:
        """Each column's Spec, in contract order."""
        return {name: spec_of(self.model, name) for name in self.model.model_fields}


def spec_of(model: type[BaseModel], field: str) -> Spec:
    """The Spec attached to a model field."""
    for meta in model.model_fields[field].metadata:
        if isinstance(meta, Spec):
            return meta
    raise LookupError(f"{model.__name__}.{field} has no Spec")


_DESA_BY_FUNDING = ((FundingSource.BKBK, Place.DESA), (FundingSource.APBDES, Place.DESA))
# A unit of a programme's cases: a desa, or the district for APBD (CONTRACT.md, "The chain").
_UNIT_BY_FUNDING = (*_DESA_BY_FUNDING, (FundingSource.APBD, Place.DISTRICT))

# Load order matters: programmes first, since every other record refers to one.
SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "programs",
            Program,
            ("program_id",),
            None,
            region=RegionRule("province_code", Place.PROVINCE, inside_programme_province=False),
        ),
        Source(
            "allocations",
            Allocation,
            ("allocation_id",),
            "decree_date",
            region=RegionRule("unit_code", by_funding=_UNIT_BY_FUNDING),
            checks=(NotAfter("premium_within_allocation", "premium_amount", "allocated_amount"),),
        ),
        Source(
            "district_transfers",
            DistrictTransfer,
            ("transfer_id",),
            "transfer_date",
            region=RegionRule("district_code", Place.DISTRICT),
            feeds=Stage.DISTRICT_TRANSFER,
        ),
        Source(
            "village_transfers",
            VillageTransfer,
            ("transfer_id",),
            "transfer_date",
            region=RegionRule("village_code", Place.DESA),
            feeds=Stage.VILLAGE_TRANSFER,
        ),
        Source(
            "enrollments",
            Enrollment,
            ("nik", "program_id"),
            "registered_date",
            region=RegionRule("village_code", Place.VILLAGE, by_funding=_DESA_BY_FUNDING),
        ),
        Source(
            "premium_payments",
            PremiumPayment,
            ("payment_id",),
            "paid_date",
            region=RegionRule("payer_code", by_funding=_UNIT_BY_FUNDING),
            feeds=Stage.PREMIUM_PAYMENT,
        ),
        Source(
            "coverage",
            Coverage,
            ("nik", "program_id", "coverage_start"),
            "coverage_start",
            checks=(NotBefore("cover_ends_after_start", "coverage_end", "coverage_start"),),
        ),
        Source(
            "claims",
            Claim,
            ("claim_id",),
            "claim_date",
            feeds=Stage.CLAIM_PAYMENT,
            checks=(
                NotAfter("event_before_claim", "event_date", "claim_date"),
                NotBefore("paid_after_claim", "paid_date", "claim_date"),
                RequiredWhen(
                    "paid_claim_has_payment",
                    "status",
                    ClaimStatus.PAID.value,
                    ("paid_amount", "paid_date"),
                ),
            ),
        ),
        # Optional (issue 15): without the file, VILLAGE_TRANSFER is the district's from its
        # usual start; with a programme's requests, the village's until its request is complete.
        Source(
            "village_requests",
            VillageRequest,
            ("program_id", "village_code"),
            "submitted_date",
            region=RegionRule("village_code", Place.DESA),
            feeds=Stage.VILLAGE_TRANSFER,
            checks=(NotBefore("complete_after_submitted", "complete_date", "submitted_date"),),
        ),
        # Optional (issue 15): which BPJS branch serves each district's cases.
        Source(
            "branches",
            Branch,
            ("district_code",),
            None,
            region=RegionRule("district_code", Place.DISTRICT, inside_programme_province=False),
        ),
    )
}

# Sources whose records carry no programme: read whole by any run or report.
PROGRAMMELESS: tuple[str, ...] = tuple(n for n, s in SOURCES.items() if not s.has_programme)

# The column that places a record in a region inside its programme's province, per source.
# Programmes are placed by their province; coverage rows carry no region and follow their
# worker's enrollment.
REGION_COLUMNS: dict[str, str] = {
    name: source.region.column
    for name, source in SOURCES.items()
    if source.region is not None and source.region.inside_programme_province
}


def fundings_with(stage: Stage) -> list[str]:
    """The funding sources whose programmes have `stage` (STAGES_BY_FUNDING)."""
    return [funding.value for funding, stages in STAGES_BY_FUNDING.items() if stage in stages]


def mask_nik(nik: str) -> str:
    """Mask a NIK for anything a person or Prefect sees: `1508********0001`."""
    text = str(nik)
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]


def mask_name(name: str) -> str:
    """Mask a person's name, keeping initials: `Siti Aminah` -> `S*** A*****`."""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in str(name).split() if w)
