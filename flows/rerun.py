"""A rerun after a correction at the source: re-read, re-evaluate and re-flag only a scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from prefect import flow, runtime
from prefect.states import State

from flows.common import run_context, tell_and_end
from flows.states import unreadable_state
from rantai.regions import load_gazetteer, normalise_code
from rantai.scope import Scope, scope_for
from rantai.settings import Settings
from rantai.store.locks import provinces_for, run_lock
from tasks.evaluate import evaluate_chain, settle_run
from tasks.ingest import Ingested, load_sources, read_sources, validate_sources
from tasks.scope import in_file_rows, select_scope

# Codes shown in a run name before the rest are counted: names are for people.
_NAMED_CODES = 3


def scope_label(
    program_id: str | None,
    province_code: str | None,
    district_codes: Sequence[str] | None,
    village_codes: Sequence[str] | None,
) -> str:
    """`jambi-bkbk-2025+15.08.01.2001`, or `15.08+15.09+15.10+4 more` for long code lists."""
    codes = [normalise_code(c) or c for c in (*(district_codes or []), *(village_codes or []))]
    shown = codes[:_NAMED_CODES]
    label = Scope(
        program_id=program_id or None, province_code=province_code or None, codes=tuple(shown)
    ).label()
    return label + (f"+{len(codes) - len(shown)} more" if len(codes) > len(shown) else "")


def run_name() -> str:
    """Reruns are named like daily runs: `<scope> @ <as_of>`."""
    params = runtime.flow_run.parameters
    label = scope_label(
        params.get("program_id"),
        params.get("province_code"),
        params.get("district_codes"),
        params.get("village_codes"),
    )
    return f"{label} @ {params.get('as_of') or Settings().today()}"


def rerun_scope(
    program_id: str,
    province_code: str,
    district_codes: Sequence[str],
    village_codes: Sequence[str],
) -> Scope:
    """The rerun's scope, checked against the gazetteer; a rerun of everything is refused."""
    scope = scope_for(
        load_gazetteer(), program_id or None, province_code or None, district_codes, village_codes
    )
    if scope.is_everything:
        raise ValueError(
            "a rerun needs a scope: program_id, province_code, district_codes or village_codes "
            "(for everything, run the daily-chain deployment)"
        )
    return scope


# Plain strings and lists (empty meaning "not given") rather than Optional: the Prefect UI's
# run form then shows a text box or a list for each, with no type switch to click first.
@flow(name="rerun", flow_run_name=run_name, log_prints=False)
def rerun(
    source: str = "",
    as_of: dt.date | None = None,
    program_id: str = "",
    province_code: str = "",
    district_codes: tuple[str, ...] = (),
    village_codes: tuple[str, ...] = (),
    out_dir: str = "",
    db_url: str = "",
) -> State:
    """Re-read a scope from the source after a correction, re-evaluate it, update its flags and
    publish the same report and artifacts as a daily run.

    Args:
        source: Folder or URL of the corrected delivery (empty: RANTAI_SOURCE).
        as_of: Evaluation date (empty: today in Asia/Jakarta).
        program_id: Only this programme, e.g. jambi-bkbk-2025 (empty: all).
        province_code: Only this province, e.g. 15.
        district_codes: Only these districts, e.g. 15.08.
        village_codes: Only these villages (desa), e.g. 15.08.01.2001.
        out_dir: Report folder (empty: a folder of its own under RANTAI_OUT_DIR).
        db_url: Rantai store (empty: RANTAI_DB_URL).
    """
    settings = Settings()
    scope = rerun_scope(program_id, province_code, district_codes, village_codes)
    as_of = as_of or settings.today()
    db_url = db_url or settings.database_url()
    run = run_context("rerun", as_of, scope, db_url, out_dir or None)

    # Overlapping runs take turns (see rantai.store.locks): same result as one after the other.
    with run_lock(run.db_url, provinces_for(run.db_url, scope)):
        # No store given: an HTTP source is read whole and its high-water marks stay where the
        # daily run left them (a rerun loads only part of what it reads).
        delivery = read_sources(settings.source_location(source))
        if delivery.unreadable:
            return unreadable_state(delivery.unreadable)
        scoped = select_scope(delivery, run)
        validated = in_file_rows(validate_sources(scoped, run), scoped)
        loads = load_sources(scoped, validated, run)
        evaluation = evaluate_chain(run)
        settled = settle_run(run, evaluation, Ingested(delivery, validated, loads))
    return tell_and_end(run, f"Rantai rerun: {scope.label()} @ {as_of}", settled, delivery)
