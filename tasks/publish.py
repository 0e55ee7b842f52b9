"""Tasks that tell people: the output files, the run page's artifacts, and the stall and
protection failure events."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, runtime, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE

from adapters.prefect_api import create_table_artifacts, emit_events
from rantai.anomalies import CHECKS
from rantai.events import failure_events, stall_events
from rantai.regions import load_gazetteer
from rantai.report import (
    build_summary,
    count_by,
    district_funnel,
    failure_rows,
    markdown_summary,
    stall_rows,
    write_outputs,
)
from rantai.run_context import RunContext
from rantai.settings import Settings
from rantai.stages import Evaluation
from rantai.store.flags import FlagUpdate
from rantai.untrusted import markdown_cell, markdown_rows, markdown_text
from rantai.validate import QUARANTINE_COLUMNS, Validated
from tasks.ingest import Ingested


def _quarantine(validated: dict[str, Validated]) -> pd.DataFrame:
    frames = [v.quarantine for v in validated.values() if len(v.quarantine)]
    if not frames:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _artifact_key(text: str) -> str:
    """Artifact keys allow only lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


def _stale_notes(summary: dict[str, Any]) -> list[str]:
    """Lines for the run page when sources stayed unreachable (a Degraded run)."""
    stale = summary.get("stale_sources") or []
    if not stale:
        return []
    reasons = summary.get("stale_reasons", {})
    # The reasons quote what a source answered: text from outside, shown as text.
    return [
        f"**Degraded: {len(stale)} stale source(s): {markdown_text(', '.join(stale))}.** They "
        "could not be reached; this evaluation uses what was stored from them before. The next "
        "run asks them again from where they were last read.",
        *(
            f"{markdown_text(source)}: {markdown_text(reasons[source])}"
            for source in stale
            if source in reasons
        ),
    ]


def write_run_outputs(
    out_dir: str, as_of: dt.date, evaluation: Evaluation, flags: FlagUpdate, ingested: Ingested
) -> dict[str, Any]:
    """Write stalls.csv, quarantine.csv, anomalies.csv, protection.csv,
    protection_failures.csv and summary.json; return the summary (see `settle_run`).

    Sources that stayed unreachable are named, with why, in the summary (`stale_sources`);
    what fetching HTTP sources took goes to fetches.json (not the summary: it varies from run
    to run with the faults met, and the summary must not).
    """
    stale, fetches, loads = ingested.delivery.problems, ingested.delivery.fetches, ingested.loads
    quarantined = _quarantine(ingested.validated)
    summary = build_summary(
        as_of,
        flags.stalls,
        len(flags.resolved),
        quarantined,
        evaluation.programs,
        extra={
            # Only counts that the same input always gives: re-running a load must give the
            # same summary.json (what it newly inserted or replaced is in load_batches).
            "loads": [
                {
                    "source": r.source,
                    "rows_read": r.rows_read,
                    "rows_loaded": r.rows_loaded,
                    "rows_quarantined": r.rows_quarantined,
                }
                for r in loads
            ],
            "districts": district_funnel(evaluation),
            "anomalies": count_by(
                evaluation.anomalies.get("check", pd.Series(dtype=object)), CHECKS
            ),
            "stale_sources": list(stale or {}),
            **({"stale_reasons": dict(stale)} if stale else {}),
        },
        failures=evaluation.failures,
    )
    paths = write_outputs(
        Path(out_dir),
        flags.stalls,
        quarantined,
        summary,
        evaluation.anomalies,
        protection=evaluation.protection,
        failures=evaluation.failures,
    )
    if fetches:
        target = Path(out_dir) / "fetches.json"
        target.write_text(json.dumps(fetches, indent=2) + "\n", encoding="utf-8")
        paths.append(target)
    get_run_logger().info("Wrote %s", ", ".join(str(p) for p in paths))
    return summary


@task(cache_policy=NO_CACHE, persist_result=False)
def publish_artifacts(
    title: str,
    flags: FlagUpdate,
    summary: dict[str, Any],
    failures: pd.DataFrame | None = None,
) -> None:
    """The run page: the protection failures' table first (the families without their
    benefit), a markdown summary that leads with them, the stalled-steps table(s) and coverage
    progress.

    Stalls and failures carry no personal data (units are regions, a claim is named by its
    id); nothing here names a worker. The UI renders the summary, table cells and descriptions
    as markdown: text from sources goes through `markdown_text` / `markdown_rows`, so it shows
    as itself (no HTML, link or image).
    """
    names = load_gazetteer().names
    stalls = flags.stalls
    limit = Settings().artifact_max_rows
    failed = failures if failures is not None else pd.DataFrame()
    create_table_artifact(
        table=markdown_rows(failure_rows(failed, names, limit))
        or [{"result": "no protection failures"}],
        key="protection-failures",
        description=(
            "Families without their benefit: claims of enrolled workers who had no cover on the "
            f"day of the accident or death (first {min(limit, len(failed))} of {len(failed)}, "
            "by event date; all in protection_failures.csv)"
        ),
    )
    create_markdown_artifact(
        markdown=markdown_summary(
            title,
            stalls,
            summary["programs"],
            opened=len(flags.opened),
            resolved=len(flags.resolved),
            quarantined=summary["quarantined"],
            names=names,
            notes=_stale_notes(summary),
            districts=summary.get("districts", ()),
            failures=failures,
        ),
        key="rantai-summary",
        description=f"Rantai summary {summary['as_of']}",
    )
    create_table_artifact(
        table=markdown_rows(stall_rows(stalls, names, limit)) or [{"result": "no stalled steps"}],
        key="stalled-steps",
        description=f"Stalled steps, worst first (top {limit} of {len(stalls)})",
    )
    by_program = dict(iter(stalls.groupby("program_id", sort=False))) if len(stalls) else {}
    no_stalls = stalls.iloc[0:0]
    # One per programme: 175 for the nation, created a few at a time.
    create_table_artifacts(
        [
            (
                markdown_rows(stall_rows(mine, names, limit)) or [{"result": "no stalled steps"}],
                _artifact_key(f"stalls-{program['program_id']}"),
                # Descriptions are rendered as markdown too.
                f"{markdown_cell(str(program['program_id']))}: {len(mine)} stalled steps as of "
                f"{summary['as_of']}",
            )
            for program in summary["programs"]
            for mine in [by_program.get(program["program_id"], no_stalls)]
        ]
    )
    paid = sum(p["workers_paid"] for p in summary["programs"])
    active = sum(p["workers_active"] for p in summary["programs"])
    create_progress_artifact(
        progress=round(100.0 * min(active, paid) / paid, 1) if paid else 0.0,
        key="coverage-progress",
        description=f"Workers paid for who are covered (AKTIF): {active:,} of {paid:,}",
    )


def publish_run(
    run: RunContext,
    title: str,
    flags: FlagUpdate,
    summary: dict[str, Any],
    failures: pd.DataFrame | None = None,
    new_failures: pd.DataFrame | None = None,
) -> None:
    """Everything a finished run tells the server: the run page's artifacts, the link to its
    report folder, the stall events and one event per protection failure first reported
    (`new_failures`). Artifacts and events go side by side (each mostly waits on the server);
    call from within a flow."""
    artifacts = publish_artifacts.submit(title, flags, summary, failures)
    events = emit_stall_events.submit(flags, run.as_of)
    news = (
        emit_failure_events.submit(new_failures, run.as_of)
        if new_failures is not None and len(new_failures)
        else None
    )
    publish_report_link(run.out_dir)
    artifacts.result()
    events.result()
    if news is not None:
        news.result()


def report_dir(out_dir: str | None, flow_name: str, as_of: dt.date, label: str, run_id: str) -> str:
    """The run's report folder: `out_dir` when given, else a folder of its own per run under
    the configured output root (`RANTAI_OUT_DIR`): `<flow>/<as_of>_<scope>_<run id>`."""
    if out_dir:
        return out_dir
    folder = f"{as_of.isoformat()}_{_artifact_key(label)}_{run_id[:8]}"
    return str(Settings().output_root() / flow_name / folder)


@task(cache_policy=NO_CACHE, persist_result=False)
def publish_report_link(out_dir: str) -> str:
    """A link artifact to the run's report folder (protection_failures.csv, stalls.csv,
    protection.csv, quarantine.csv, summary.json).

    With `RANTAI_REPORT_URL` set (the output root served over HTTP) the link is a web address;
    otherwise a file URL, which works on the machine or share that holds the folder.
    """
    folder = Path(out_dir).resolve()
    settings = Settings()
    link = folder.as_uri()
    if settings.report_url:
        try:
            relative = folder.relative_to(settings.output_root().resolve())
            link = settings.report_url.rstrip("/") + "/" + relative.as_posix() + "/"
        except ValueError:  # a folder given explicitly, outside the served root
            pass
    create_link_artifact(
        link=link,
        # A link artifact is the markdown `[link_text](link)`: a `]` in the folder's name
        # would end the text early.
        link_text=f"Report: {markdown_text(folder.name)} (protection_failures.csv, stalls.csv, "
        "protection.csv, quarantine.csv, summary.json)",
        key="rantai-report",
        description="The full report of this run",
    )
    return link


@task(cache_policy=NO_CACHE, persist_result=False)
def emit_stall_events(flags: FlagUpdate, as_of: dt.date) -> int:
    """One `rantai.stall.opened` / `rantai.stall.resolved` event per flag that changed, up to
    `RANTAI_STALL_EVENTS_MAX` (the rest in one summary event: `rantai.events.stall_events`)."""
    events = stall_events(
        flags.opened,
        flags.resolved,
        as_of,
        f"prefect.flow-run.{runtime.flow_run.id}",
        Settings().stall_events_max,
    )
    count = emit_events(events)
    get_run_logger().info("Emitted %d stall events", count)
    return count


@task(cache_policy=NO_CACHE, persist_result=False)
def emit_failure_events(new_failures: pd.DataFrame, as_of: dt.date) -> int:
    """One `rantai.protection.failure` event per protection failure this run reported first
    (`rantai.events.failure_events`): a family the chain failed is announced once, all of
    them (there is no limit: each is a claim someone must follow up)."""
    events = failure_events(new_failures, as_of, f"prefect.flow-run.{runtime.flow_run.id}")
    count = emit_events(events)
    get_run_logger().info("Emitted %d protection failure events", count)
    return count
