"""Cuts of the Monev report below the province: a district, a kecamatan, a BPJS branch's
districts. Each cut has its own totals, and the parts add up to the wider ones:

- a district's report adds up everything placed in the district (its villages and the district
  itself: the transfer to it, money at rest at the province for it or at the district, an APBD
  programme, whose unit is the district); the districts of a province add up to the province;
- a kecamatan's report adds up what is placed in its villages only. What is the district's own
  (the transfer to the district, money held at the province or the district, and every APBD
  programme of the district) belongs to the district's report and to no kecamatan: the
  kecamatans of a district add up to the district less `district_part` of it.

The report for a kecamatan is what a camat takes home: its villages, each one's open step, whose
move it is and by when (`village_actions`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, select

from rantai.chain import once_per_worker
from rantai.monev.labels import display_name
from rantai.records import (
    REGION_COLUMNS,
    STAGE_ORDER,
    STAGES_BY_FUNDING,
    FundingSource,
    Stage,
)
from rantai.regions import Level, is_desa_code, level_of, normalise_code
from rantai.scope import Scope
from rantai.stages import PROGRAM_METRICS, Evaluation, evaluate
from rantai.store.schema import source_tables

if TYPE_CHECKING:
    from rantai.monev.data import Monev

DISTRICT, SUBDISTRICT, BRANCH = "district", "subdistrict", "branch"

# The funnel figures of a programme: the engine's programme metrics, as the report's funnel.
_FUNNEL = PROGRAM_METRICS

# What a village must do, in the order a camat reads the table.
OVERDUE, DUE, WAITING, DONE, NO_PROGRAMME = "OVERDUE", "DUE", "WAITING", "DONE", "NO_PROGRAMME"
_STATUS_ORDER = {OVERDUE: 0, DUE: 1, WAITING: 2, DONE: 3, NO_PROGRAMME: 4}

VILLAGE_COLUMNS = [
    "village_code",
    "village_name",
    "program_id",
    "funding_source",
    "status",
    "stage",
    "held_at",  # the unit whose step it is: the village, or its district (a step above it)
    "responsible",
    "due_date",
    "days_overdue",
    "days_left",
    "amount_at_stake",
    "workers_affected",
]


@dataclass(frozen=True)
class Cut:
    """A report's cut below the province: its kind, its codes and the names to show."""

    kind: str  # DISTRICT, SUBDISTRICT or BRANCH
    codes: tuple[str, ...]
    label_id: str
    label_en: str
    # A kecamatan: the table "Desa di kecamatan ini" (VILLAGE_COLUMNS), most urgent first.
    villages: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VILLAGE_COLUMNS))
    # A kecamatan: the desa of the gazetteer inside it, and the programmes of its district
    # whose unit is the district itself (APBD): they are in the district's report only.
    desa: int = 0
    district_programmes: tuple[str, ...] = ()
    branch_code: str | None = None


def is_below_district(scope: Scope) -> bool:
    """True when a code of the scope is a kecamatan or a village."""
    return any(level_of(code) in (Level.SUBDISTRICT, Level.VILLAGE) for code in scope.codes)


def cut_of(
    scope: Scope,
    names: Mapping[str, str],
    branch: tuple[str, str] | None = None,
) -> Cut | None:
    """The cut a scope names (None for everything, a programme or a province). `branch`:
    (code, name) when the districts are a BPJS branch's."""
    if not scope.codes:
        return None
    if branch is not None:
        code, name = branch
        districts = ", ".join(display_name(names, c) for c in scope.codes)
        return Cut(
            BRANCH,
            scope.codes,
            f"BPJS Ketenagakerjaan {name} ({code}) · {districts}",
            f"BPJS Ketenagakerjaan {name} ({code}) · {districts}",
            branch_code=code,
        )
    if all(level_of(c) is Level.SUBDISTRICT for c in scope.codes):
        places = [
            f"Kecamatan {display_name(names, c)}, {display_name(names, c[:5])}" for c in scope.codes
        ]
        shown = "; ".join(places)
        return Cut(SUBDISTRICT, scope.codes, shown, shown.replace("Kecamatan ", "Kecamatan of "))
    shown = ", ".join(display_name(names, c) for c in scope.codes)
    return Cut(DISTRICT, scope.codes, shown, shown)


def inside(frames: Mapping[str, pd.DataFrame], scope: Scope) -> dict[str, pd.DataFrame]:
    """Each source's records whose own region lies inside the scope's codes (not above them):
    what a cut below the district adds up. Sources without a region are kept whole."""
    out = dict(frames)
    for source, column in REGION_COLUMNS.items():
        if source not in frames:
            continue
        frame = frames[source]
        codes = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
        mask = pd.Series(False, index=frame.index)
        for code in scope.codes:
            mask |= (codes == code) | codes.str.startswith(code + ".")
        out[source] = frame.loc[mask]
    return out


def narrow(
    evaluation: Evaluation,
    frames: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    scope: Scope,
) -> Evaluation:
    """A restricted evaluation whose funnel (per district, per programme) is the cut's own.

    A district's funnel is the engine's, restricted. Below the district, the funnel is the
    engine's over the records placed inside the cut (the transfer to the district is the
    district's), and a programme whose unit is the district (APBD) is left out: it belongs to
    the district, and to no kecamatan."""
    if not scope.codes:
        return evaluation
    districts = evaluation.districts
    if is_below_district(scope):
        districts = evaluate(inside(frames, scope), as_of).districts
        if len(districts):
            districts = districts.loc[
                districts["funding_source"] != FundingSource.APBD.value
            ].reset_index(drop=True)
    programs = []
    for program in evaluation.programs:
        if is_below_district(scope) and program["funding_source"] == FundingSource.APBD.value:
            continue
        mine = (
            districts.loc[districts["program_id"] == program["program_id"]]
            if len(districts)
            else districts
        )
        funnel = {c: int(mine[c].sum()) if len(mine) else 0 for c in _FUNNEL}
        programs.append({**program, **funnel})
    return replace(evaluation, districts=districts, programs=programs)


def village_actions(
    cases: pd.DataFrame,
    codes: tuple[str, ...],
    names: Mapping[str, str],
    as_of: dt.date,
) -> pd.DataFrame:
    """Per desa of the kecamatans `codes` and programme: its open step (the first unfinished
    step of the chain), whose move it is and by when, most urgent first.

    `cases`: the evaluation's cases before the cut (a village step that has not started waits
    for a step of its district, and that step is the village's open one, held at the
    district); whose move is the case's `responsible`, the engine's word. A desa of the
    gazetteer in no programme is listed as such."""
    text = cases["unit_code"].astype(str)
    chain = cases.loc[(cases["stage"] != Stage.CLAIM_PAYMENT.value)].assign(
        _order=cases["stage"].map(STAGE_ORDER)
    )
    in_cut = pd.Series(False, index=chain.index)
    for code in codes:
        in_cut |= text.loc[chain.index].str.startswith(code + ".")
    villages = chain.loc[in_cut & (text.loc[chain.index].str.len() == 13)]
    key = ["program_id", "unit_code"]
    programmes = villages[[*key, "funding_source", "district_code"]].drop_duplicates(key)
    open_steps = (
        villages.loc[~villages["complete"].astype(bool)]
        .sort_values([*key, "_order"])
        .drop_duplicates(key)
        .set_index(key)
    )
    district_open = (
        chain.loc[(text.loc[chain.index].str.len() == 5) & ~chain["complete"].astype(bool)]
        .sort_values(["program_id", "unit_code", "_order"])
        .drop_duplicates(["program_id", "unit_code"])
        .set_index(["program_id", "unit_code"])
    )
    as_of_ts = pd.Timestamp(as_of)
    rows: list[dict[str, Any]] = []
    for program in programmes.itertuples(index=False):
        row = _row(program.unit_code, DONE, program.program_id, program.funding_source)
        step = (
            open_steps.loc[(program.program_id, program.unit_code)]
            if ((program.program_id, program.unit_code) in open_steps.index)
            else None
        )
        holder = str(program.unit_code)
        if step is not None and pd.isna(step["start_date"]):
            # Not started: it waits for a step above it, held at the district.
            upstream = _upstream(str(step["stage"]), str(program.funding_source))
            above = district_open.index.isin([(program.program_id, program.district_code)])
            if upstream is not None and above.any():
                step = district_open.loc[(program.program_id, program.district_code)]
                holder = str(program.district_code)
        if step is not None:
            stage = str(step["stage"])
            row["stage"] = stage
            row["held_at"] = holder
            row["responsible"] = str(step["responsible"])
            # A district's step read for a kecamatan knows only the kecamatan's villages: its
            # money and workers are the district report's to give, its dates hold.
            at_village = holder == str(program.unit_code)
            row["workers_affected"] = int(step["workers_affected"]) if at_village else 0
            if pd.notna(step["due_date"]):
                due = pd.Timestamp(step["due_date"])
                row["due_date"] = due.date()
                if bool(step["stalled"]):
                    row["status"] = OVERDUE
                    row["days_overdue"] = int(step["days_overdue"])
                    row["amount_at_stake"] = int(step["amount_at_stake"]) if at_village else 0
                else:
                    row["status"] = DUE
                    row["days_left"] = max(int((due - as_of_ts).days), 0)
            else:
                row["status"] = WAITING
        rows.append(row)
    listed = {r["village_code"] for r in rows}
    for code in codes:
        for village in sorted(c for c in names if c.startswith(code + ".") and is_desa_code(c)):
            if village not in listed:
                rows.append(_row(village, NO_PROGRAMME))
    out = pd.DataFrame(rows, columns=[c for c in VILLAGE_COLUMNS if c != "village_name"])
    out.insert(1, "village_name", out["village_code"].map(lambda c: display_name(names, c)))
    if out.empty:
        return out[VILLAGE_COLUMNS]
    out = out.assign(
        _status=out["status"].map(_STATUS_ORDER),
        _left=out["days_left"].fillna(10**6),
    )
    out = out.sort_values(
        ["_status", "days_overdue", "_left", "village_code", "program_id"],
        ascending=[True, False, True, True, True],
        kind="stable",
    )
    out["days_left"] = out["days_left"].astype("Int64")
    return out.drop(columns=["_status", "_left"]).reset_index(drop=True)[VILLAGE_COLUMNS]


def _row(village: str, status: str, program_id: str = "", funding: str = "") -> dict[str, Any]:
    """A row of the camat's table with no open step yet: the step's fields empty."""
    return {
        "village_code": village,
        "program_id": program_id,
        "funding_source": funding,
        "status": status,
        "stage": "",
        "held_at": "",
        "responsible": "",
        "due_date": None,
        "days_overdue": 0,
        "days_left": None,
        "amount_at_stake": 0,
        "workers_affected": 0,
    }


def _upstream(stage: str, funding: str) -> Stage | None:
    """The step of a programme's chain before `stage`, if any."""
    steps = STAGES_BY_FUNDING[FundingSource(funding)]
    names = [s.value for s in steps]
    if stage not in names or names.index(stage) == 0:
        return None
    return steps[names.index(stage) - 1]


def district_part(monev: Monev) -> dict[str, int]:
    """The headline totals of a district's report that belong to the district itself and to
    none of its kecamatans: the transfer to it, an APBD programme whole (its unit is the
    district), money at rest at the province (for it) or at the district, its own stalled
    steps, and the workers of its own stalled steps beyond those of its villages'."""
    programs = monev.programs
    apbd = programs["funding_source"] == FundingSource.APBD.value
    part: dict[str, int] = {c: int(programs.loc[apbd, c].sum()) for c in _FUNNEL}
    part["transferred_to_districts"] = int(programs["transferred_to_districts"].sum())
    part["workers_unprotected"] = max(part["workers_targeted"] - part["workers_active"], 0)
    stalls = monev.stalls
    own = stalls["unit_code"].astype(str).str.len() == 5 if len(stalls) else pd.Series([], bool)
    part["stalled_steps"] = int(own.sum())
    part["critical_steps"] = int((own & (stalls["severity"] == "CRITICAL")).sum())
    part["amount_at_stake"] = int(stalls.loc[own, "amount_at_stake"].sum()) if len(stalls) else 0
    if len(stalls):
        frame = stalls.assign(
            worker_days=stalls["workers_affected"].astype("int64")
            * stalls["days_overdue"].astype("int64")
        )
        villages = frame.loc[~own]
        for total, column in (
            ("workers_in_stalls", "workers_affected"),
            ("worker_days_lost", "worker_days"),
        ):
            every = int(once_per_worker(frame, column).sum())
            theirs = int(once_per_worker(villages, column).sum()) if len(villages) else 0
            part[total] = every - theirs
    else:
        part["workers_in_stalls"] = part["worker_days_lost"] = 0
    resting = monev.money_at_rest
    part["money_at_rest"] = (
        int(resting.loc[resting["level"] != "village", "amount"].sum()) if len(resting) else 0
    )
    league = monev.league
    part["villages_with_money"] = int((league["unit_code"].astype(str).str.len() == 5).sum())
    part["villages_covered"] = int(
        league.loc[league["unit_code"].astype(str).str.len() == 5, "covered"].sum()
    )
    return part


def district_programmes(conn: Connection, scope: Scope) -> tuple[str, ...]:
    """For a scope of kecamatans: the programmes with an allocation to one of their districts
    itself (an APBD programme's unit is the district), which no kecamatan report counts."""
    if not scope.codes or not all(level_of(c) is Level.SUBDISTRICT for c in scope.codes):
        return ()
    allocations = source_tables["allocations"]
    query = (
        select(allocations.c.program_id)
        .where(allocations.c.unit_code.in_(sorted({c[:5] for c in scope.codes})))
        .distinct()
    )
    if scope.program_id is not None:
        query = query.where(allocations.c.program_id == scope.program_id)
    return tuple(sorted(str(p) for p in conn.execute(query).scalars()))


# --- what the report shows of a cut ---------------------------------------------------------

STATUS: dict[str, tuple[str, str]] = {
    OVERDUE: ("Terlambat", "Overdue"),
    DUE: ("Dalam tenggat", "Within its deadline"),
    WAITING: ("Menunggu tahap sebelumnya", "Waiting for an earlier step"),
    DONE: ("Tuntas", "Done"),
    NO_PROGRAMME: ("Tidak ada program", "In no programme"),
}

VILLAGES_SHEET = "Desa di Kecamatan"


def village_sheet() -> list[Any]:
    """The columns of report.xlsx's sheet "Desa di Kecamatan" (a kecamatan's report only)."""
    from rantai.monev.labels import RESPONSIBLE, STAGES
    from rantai.monev.xlsx import COUNT, DATE, RUPIAH, Column

    def label(pairs: Mapping[str, tuple[str, str]]) -> Any:
        return lambda v: pairs.get(str(v), (v or None,))[0]

    return [
        Column("village_code", "Kode desa"),
        Column("village_name", "Desa"),
        Column("program_id", "Program"),
        Column("status", "Keadaan", convert=label(STATUS)),
        Column("stage", "Langkah terbuka", convert=label(STAGES)),
        Column("held_at", "Kode unit langkah"),
        Column("responsible", "Harus bertindak", convert=label(RESPONSIBLE)),
        Column("due_date", "Jatuh tempo", DATE),
        Column("days_overdue", "Hari terlambat", COUNT),
        Column("days_left", "Sisa hari", COUNT),
        Column("amount_at_stake", "Dana tertahan (Rp)", RUPIAH),
        Column("workers_affected", "Pekerja", COUNT),
    ]


def cut_section(monev: Monev) -> str:
    """The HTML of a cut's own section (after the report's header); "" for a wider report."""
    cut = monev.cut
    if cut is None or cut.kind != SUBDISTRICT:
        return ""
    from rantai.monev.html import _environment
    from rantai.monev.labels import RESPONSIBLE, STAGES

    villages = cut.villages.astype(object)
    villages = villages.where(villages.notna(), None)
    stalls = monev.stalls
    counts = stalls["responsible"].value_counts() if len(stalls) else pd.Series(dtype="int64")
    return (
        _environment()
        .get_template("cut.html.j2")
        .render(
            cut=cut,
            rows=villages.to_dict(orient="records"),
            status=STATUS,
            stages=STAGES,
            responsible=RESPONSIBLE,
            overdue_by={str(k): int(v) for k, v in counts.items()},
            districts=sorted({c[:5] for c in cut.codes}),
            district_names={c[:5]: display_name_of(c[:5]) for c in cut.codes},
        )
    )


def display_name_of(code: str) -> str:
    """A region's name from the bundled gazetteer."""
    from rantai.regions import load_gazetteer

    return display_name(load_gazetteer().names, code)


# --- BPJS branches ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    """A BPJS Ketenagakerjaan branch office (Kantor Cabang) and the districts of its report:
    those it serves and those of the offices whose parent it is (and theirs in turn)."""

    code: str
    name: str
    districts: tuple[str, ...]
    children: tuple[str, ...] = ()


def branch_districts(conn: Connection, branch_code: str) -> Branch:
    """The branch `branch_code` as the store's `branches` table (branches.csv: branch_code,
    name, parent_branch_code, district_code, one row per district a branch serves) has it, or
    ValueError naming the known branches."""
    rows = _branches(conn)
    known = sorted(set(rows["branch_code"]))
    if branch_code not in known:
        listed = ", ".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
        raise ValueError(
            f"{branch_code!r} is not a known branch (known: {listed or 'none: no branches.csv'})"
        )
    family = {branch_code}
    while True:  # one pass per level of offices below the branch: a few at most
        more = family | set(rows.loc[rows["parent_branch_code"].isin(family), "branch_code"])
        if more == family:
            break
        family = more
    mine = rows.loc[rows["branch_code"].isin(family)]
    codes = [normalise_code(c) for c in mine["district_code"]]
    name = rows.loc[rows["branch_code"] == branch_code, "name"].iloc[0]
    return Branch(
        branch_code,
        str(name),
        tuple(sorted({c for c in codes if c is not None})),
        tuple(sorted(family - {branch_code})),
    )


def _branches(conn: Connection) -> pd.DataFrame:
    """The stored branches, as text (nothing when branches.csv was never delivered)."""
    from rantai.store.queries import read_source

    columns = ["branch_code", "name", "parent_branch_code", "district_code"]
    frame = read_source(conn, "branches", columns=columns).astype(object)
    return frame.where(frame.notna(), None)
