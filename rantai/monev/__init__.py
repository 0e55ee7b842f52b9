"""The Monev report: where the money and the protection stand, for a meeting of the BPJS branch,
Disnaker, DPMD and village heads. `write_report` reads the store and writes report.html (one
self-contained page, A4) and report.xlsx (every table in full).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, select

from rantai.monev.cuts import SUBDISTRICT, cut_of, district_programmes, narrow, village_actions
from rantai.monev.data import (
    Monev,
    covered_workers,
    district_funnel,
    known_records,
    money_at_rest,
    program_funnel,
    stage_delays,
    stall_losses,
    stalled_steps,
    totals,
    unprotected_history,
    village_league,
    waiting_steps,
)
from rantai.monev.league import villages_to_visit
from rantai.monev.protection import (
    Protection,
    build_protection,
    last_year_of,
    predecessor_frames,
    predecessors,
)
from rantai.monev.realisasi import realisasi_tables
from rantai.regions import load_gazetteer
from rantai.scope import Scope, restrict
from rantai.stages import Evaluation, evaluate
from rantai.store.engine import engine_for
from rantai.store.flags import read_flags
from rantai.store.queries import read_frames
from rantai.store.schema import flag_events, runs

__all__ = [
    "Monev",
    "NothingToReport",
    "Protection",
    "ReportFiles",
    "assemble",
    "read_monev",
    "write_report",
]


class NothingToReport(ValueError):
    """The store holds no programme in the report's scope."""


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote."""

    html: Path
    xlsx: Path
    monev: Monev


def assemble(
    frames: Mapping[str, pd.DataFrame],
    as_of: dt.date,
    scope: Scope,
    flags: pd.DataFrame,
    run_log: pd.DataFrame,
    events: pd.DataFrame,
    names: Mapping[str, str],
    earlier: Mapping[str, pd.DataFrame] | None = None,
    branch: tuple[str, str] | None = None,
    district_programmes: tuple[str, ...] = (),
) -> Monev:
    """Every table of the report from the sources' records and the flag history. `earlier`:
    the records of the scope's programme's predecessor, when `frames` (one programme's) lack
    them: its workers and cover count for the programme's protection (contract v2), and it is
    last year's side of the comparison; the report's tables stay the programme's own.
    `branch`: (code, name) when the scope's districts are a BPJS branch's;
    `district_programmes`: for a kecamatan, its district's programmes whose unit is the
    district (`rantai.monev.cuts`)."""
    every = _with(frames, earlier)
    evaluated = evaluate(every, as_of)
    evaluation = narrow(restrict(evaluated, scope), every, as_of, scope)
    if earlier is not None:
        # restrict leaves programme metrics as evaluated: the predecessor's are not this report's.
        mine = [p for p in evaluation.programs if p["program_id"] == scope.program_id]
        evaluation = replace(evaluation, programs=mine)
    known = known_records(frames, as_of)
    covered = covered_workers(known, as_of)
    programs = program_funnel(evaluation, known, names)
    districts = district_funnel(evaluation, names)
    waiting = waiting_steps(evaluation)
    stalls = stalled_steps(evaluation.stalls, flags, names)
    losses = stall_losses(stalls, names)
    resting = money_at_rest(evaluation, as_of)
    league = village_league(evaluation, known, covered, as_of, names)
    history = unprotected_history(run_log, events, scope, as_of)
    realisasi, realisasi_districts = realisasi_tables(known, as_of, scope, names)
    if len(history) and history["as_of"].iloc[-1] == as_of:
        # Flags remember the workers of a step as it was flagged; on the report's own date
        # the evaluation knows them as they are now, as the rest of the report shows them.
        last = history.index[-1]
        history.loc[last, "open_steps"] = len(stalls)
        history.loc[last, "workers"] = int(losses["workers"].sum()) if len(losses) else 0
    cut = cut_of(scope, names, branch)
    if cut is not None and cut.kind == SUBDISTRICT:
        cases = evaluated.cases
        if scope.program_id is not None:
            cases = cases.loc[cases["program_id"] == scope.program_id]
        villages = village_actions(cases, scope.codes, names, as_of)
        cut = replace(
            cut,
            villages=villages,
            desa=int(villages["village_code"].nunique()),
            district_programmes=district_programmes,
        )
    return Monev(
        cut=cut,
        protection=protection_of(every, evaluation, known["programs"], as_of, scope, names),
        as_of=as_of,
        scope=scope,
        programs=programs,
        districts=districts,
        waiting=waiting,
        delays=stage_delays(waiting, names),
        money_at_rest=resting,
        history=history,
        losses=losses,
        league=league,
        to_visit=villages_to_visit(evaluation, names),
        realisasi=realisasi,
        realisasi_districts=realisasi_districts,
        stalls=stalls,
        totals=totals(programs, stalls, losses, resting, league),
    )


def protection_of(
    frames: Mapping[str, pd.DataFrame],
    evaluation: Evaluation,
    programs: pd.DataFrame,
    as_of: dt.date,
    scope: Scope,
    names: Mapping[str, str],
) -> Protection:
    """The Perlindungan section: the engine's protection frames of `evaluation` and, for the
    programmes with a predecessor, the predecessors evaluated on the same day a year earlier
    (only their records are evaluated again). `programs`: the report's known programmes; the
    predecessors' records and names are taken from `frames`."""
    programs = pd.concat([programs, frames["programs"]], ignore_index=True)
    pairs = predecessors(programs)
    if scope.program_id is not None:
        pairs = pairs.loc[pairs["program_id"] == scope.program_id]
    predecessor_records = predecessor_frames(frames, pairs)
    before, last_year = None, None
    if predecessor_records is not None:
        last_year = last_year_of(as_of)
        # The predecessors are other programmes than a programme's scope: only its regions hold.
        before = restrict(evaluate(predecessor_records, last_year), replace(scope, program_id=None))
    return build_protection(evaluation, programs, names, scope, before, last_year)


def _with(
    frames: Mapping[str, pd.DataFrame], earlier: Mapping[str, pd.DataFrame] | None
) -> Mapping[str, pd.DataFrame]:
    """Each source's records together with the predecessor's read apart, if any."""
    if earlier is None:
        return frames
    return {
        name: pd.concat([frame, earlier[name]], ignore_index=True) if name in earlier else frame
        for name, frame in frames.items()
    }


def _predecessor_records(
    conn: Connection, scope: Scope, frames: Mapping[str, pd.DataFrame]
) -> dict[str, pd.DataFrame] | None:
    """For a report of one programme: its predecessor's stored records in the scope's regions
    (read_frames reads only the programme's own); None when it has none or they are read."""
    programs = frames["programs"]
    if scope.program_id is None or "predecessor_id" not in programs:
        return None
    named = programs.loc[programs["program_id"] == scope.program_id, "predecessor_id"]
    wanted = [p for p in named.dropna().astype(str) if p and p not in set(programs["program_id"])]
    if not wanted:
        return None
    earlier = read_frames(conn, replace(scope, program_id=wanted[0]))
    return earlier if not earlier["programs"].empty else None


def read_monev(
    conn: Connection, as_of: dt.date, scope: Scope, branch: tuple[str, str] | None = None
) -> Monev:
    """The report's tables from the store (read only: the report changes nothing)."""
    frames = read_frames(conn, scope)
    above = district_programmes(conn, scope)
    if frames["programs"].empty:
        told = f" (its district's own programmes: {', '.join(above)})" if above else ""
        raise NothingToReport(f"no programme in the store for {scope.label()}{told}")
    run_log = pd.read_sql(
        select(runs.c.run_id, runs.c.as_of, runs.c.started_at).where(
            runs.c.finished_at.is_not(None)
        ),
        conn,
    )
    events = pd.read_sql(
        select(
            flag_events.c.run_id,
            flag_events.c.program_id,
            flag_events.c.unit_code,
            flag_events.c.stage,
            flag_events.c.case_id,
            flag_events.c.event,
            flag_events.c.workers_affected,
        ).order_by(flag_events.c.event_id),
        conn,
    )
    return assemble(
        frames,
        as_of,
        scope,
        read_flags(conn),
        run_log,
        events,
        load_gazetteer().names,
        _predecessor_records(conn, scope, frames),
        branch,
        above,
    )


def write_report(
    db_url: str,
    as_of: dt.date,
    out_dir: Path,
    scope: Scope,
    branch: tuple[str, str] | None = None,
) -> ReportFiles:
    """Write report.html and report.xlsx for a scope as of a date into `out_dir` (`branch`:
    the BPJS branch whose districts the scope's are, as (code, name))."""
    from rantai.monev.html import render_html
    from rantai.monev.xlsx import write_xlsx

    with engine_for(db_url).connect() as conn:
        monev = read_monev(conn, as_of, scope, branch)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = out_dir / "report.html"
    partial = out_dir / ".report.html.partial"
    partial.write_text(render_html(monev), encoding="utf-8")
    partial.replace(html)
    xlsx = write_xlsx(monev, out_dir / ".report.xlsx.partial", load_gazetteer().names)
    xlsx = xlsx.replace(out_dir / "report.xlsx")
    return ReportFiles(html=html, xlsx=xlsx, monev=monev)
