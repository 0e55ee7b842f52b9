"""Tasks that tell people: the output files, the run page's artifacts, and stall events."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from rantai.regions import load_gazetteer
from rantai.report import build_summary, markdown_summary, stall_rows, write_outputs
from rantai.settings import Settings
from rantai.stages import Evaluation
from rantai.store.flags import FlagUpdate
from rantai.store.load import BatchReport
from rantai.validate import Validated


def _quarantine(validated: dict[str, Validated]) -> pd.DataFrame:
    frames = [v.quarantine for v in validated.values() if len(v.quarantine)]
    if not frames:
        return pd.DataFrame(columns=["source", "row_number", "record_id", "reason", "detail"])
    return pd.concat(frames, ignore_index=True)


def _artifact_key(text: str) -> str:
    """Artifact keys allow only lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


@task(name="write-outputs", cache_policy=NO_CACHE, persist_result=False)
def write_files(
    out_dir: str,
    as_of: dt.date,
    evaluation: Evaluation,
    flags: FlagUpdate,
    validated: dict[str, Validated],
    loads: list[BatchReport],
) -> dict[str, Any]:
    """Write stalls.csv, quarantine.csv and summary.json; return the summary."""
    quarantined = _quarantine(validated)
    summary = build_summary(
        as_of,
        flags.stalls,
        len(flags.resolved),
        quarantined,
        evaluation.programs,
        extra={
            "opened": len(flags.opened),
            "loads": [
                {
                    "source": r.source,
                    "rows_read": r.rows_read,
                    "rows_loaded": r.rows_loaded,
                    "rows_quarantined": r.rows_quarantined,
                    "rows_inserted": r.rows_inserted,
                    "rows_replaced": r.rows_replaced,
                }
                for r in loads
            ],
        },
    )
    paths = write_outputs(Path(out_dir), flags.stalls, quarantined, summary)
    get_run_logger().info("Wrote %s", ", ".join(str(p) for p in paths))
    return summary


@task(name="publish-artifacts", cache_policy=NO_CACHE, persist_result=False)
def publish_artifacts(title: str, flags: FlagUpdate, summary: dict[str, Any]) -> None:
    """The run page: a markdown summary, the stalled-steps table(s) and coverage progress.

    Stalls carry no personal data (units are regions); nothing here names a worker.
    """
    names = load_gazetteer().names
    stalls = flags.stalls
    create_markdown_artifact(
        markdown=markdown_summary(
            title,
            stalls,
            summary["programs"],
            opened=len(flags.opened),
            resolved=len(flags.resolved),
            quarantined=summary["quarantined"],
            names=names,
        ),
        key="rantai-summary",
        description=f"Rantai summary {summary['as_of']}",
    )
    limit = Settings().artifact_max_rows
    create_table_artifact(
        table=stall_rows(stalls, names, limit) or [{"result": "no stalled steps"}],
        key="stalled-steps",
        description=f"Stalled steps, worst first (top {limit} of {len(stalls)})",
    )
    for program in summary["programs"]:
        mine = stalls[stalls["program_id"] == program["program_id"]]
        create_table_artifact(
            table=stall_rows(mine, names, limit) or [{"result": "no stalled steps"}],
            key=_artifact_key(f"stalls-{program['program_id']}"),
            description=f"{program['program_id']}: {len(mine)} stalled steps as of {summary['as_of']}",
        )
    paid = sum(p["workers_paid"] for p in summary["programs"])
    active = sum(p["workers_active"] for p in summary["programs"])
    create_progress_artifact(
        progress=round(100.0 * min(active, paid) / paid, 1) if paid else 0.0,
        key="coverage-progress",
        description=f"Workers paid for who are covered (AKTIF): {active:,} of {paid:,}",
    )


@task(name="emit-events", cache_policy=NO_CACHE, persist_result=False)
def emit_stall_events(flags: FlagUpdate, as_of: dt.date) -> int:
    """One `rantai.stall.opened` / `rantai.stall.resolved` event per flag that changed."""
    count = 0
    for kind, frame in (("opened", flags.opened), ("resolved", flags.resolved)):
        for row in frame.to_dict(orient="records"):
            resource_id = f"rantai.case.{row['program_id']}.{row['unit_code']}.{row['stage']}"
            payload = {
                "as_of": as_of.isoformat(),
                **{
                    k: (
                        int(v)
                        if k in ("days_overdue", "amount_at_stake", "workers_affected")
                        else str(v)
                    )
                    for k, v in row.items()
                    if k
                    in (
                        "severity",
                        "days_overdue",
                        "amount_at_stake",
                        "workers_affected",
                        "district_code",
                    )
                },
            }
            emit_event(
                event=f"rantai.stall.{kind}",
                resource={
                    "prefect.resource.id": resource_id,
                    "prefect.resource.name": f"{row['stage']} {row['unit_code']}",
                    "rantai.program_id": str(row["program_id"]),
                    "rantai.unit_code": str(row["unit_code"]),
                    "rantai.stage": str(row["stage"]),
                },
                payload=payload,
            )
            count += 1
    get_run_logger().info("Emitted %d stall events", count)
    return count
