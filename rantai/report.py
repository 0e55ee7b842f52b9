"""What a run publishes: stalls.csv, quarantine.csv, summary.json, and the texts operators read."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from rantai import stages
from rantai.anomalies import ANOMALY_COLUMNS
from rantai.chain import Severity, once_per_worker
from rantai.distinct import map_distinct
from rantai.faults import failpoint
from rantai.records import STAGE_ORDER, Reason, Stage, fundings_with
from rantai.untrusted import markdown_cell, markdown_text, neutralise_frame
from rantai.validate import QUARANTINE_COLUMNS

# stalls.csv: the engine's columns, then what the flags remember.
STALL_COLUMNS = [*stages.STALL_COLUMNS, "first_flagged", "status"]
SEVERITIES = tuple(s.value for s in Severity)


def rupiah(amount: int) -> str:
    """Whole rupiah the Indonesian way: `Rp1.234.567`."""
    return "Rp" + f"{int(amount):,}".replace(",", ".")


def _iso(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def stalls_frame(stalls: pd.DataFrame) -> pd.DataFrame:
    """stalls.csv as the contract lays it out, dates ISO."""
    out = stalls.reindex(columns=STALL_COLUMNS).copy()
    for column in ("as_of", "start_date", "due_date", "first_flagged"):
        # Each distinct date once: tens of thousands of stalls share a few hundred dates.
        out[column] = map_distinct(out[column], _iso, fill="")
    return neutralise_frame(out)


def quarantine_frame(quarantined: pd.DataFrame) -> pd.DataFrame:
    """quarantine.csv: every quarantined row of this load, in source order then row order."""
    return neutralise_frame(quarantined.reindex(columns=QUARANTINE_COLUMNS))


def count_by(values: Sequence[str] | pd.Series, order: Sequence[str]) -> dict[str, int]:
    """Counts of each value present, keys in the given order."""
    counts = pd.Series(list(values), dtype=object).value_counts()
    return {key: int(counts[key]) for key in order if key in counts.index}


def build_summary(
    as_of: dt.date,
    stalls: pd.DataFrame,
    resolved: int,
    quarantined: pd.DataFrame,
    programs: list[dict[str, Any]],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """summary.json: the contract's keys, then totals operators ask for first."""
    summary: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "stalls": {
            "by_stage": count_by(stalls["stage"], [s.value for s in Stage]),
            "by_severity": count_by(stalls["severity"], SEVERITIES),
            "total": len(stalls),
            "amount_at_stake": int(stalls["amount_at_stake"].sum()),
            "workers_affected": int(stalls["workers_affected"].sum()),
        },
        "resolved": int(resolved),
        "quarantined": count_by(quarantined["reason"], [r.value for r in Reason]),
        "programs": programs,
    }
    summary.update(extra or {})
    return summary


def write_outputs(
    out_dir: Path,
    stalls: pd.DataFrame,
    quarantined: pd.DataFrame,
    summary: dict[str, Any],
    anomalies: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the contract's files (and anomalies.csv); each whole, then renamed into place."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    anomaly_rows = neutralise_frame(
        (anomalies if anomalies is not None else pd.DataFrame()).reindex(columns=ANOMALY_COLUMNS)
    )
    for name, content in (
        ("stalls.csv", stalls_frame(stalls).to_csv(index=False, lineterminator="\n")),
        ("quarantine.csv", quarantine_frame(quarantined).to_csv(index=False, lineterminator="\n")),
        ("anomalies.csv", anomaly_rows.to_csv(index=False, lineterminator="\n")),
        ("summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n"),
    ):
        target = out_dir / name
        partial = out_dir / f".{name}.partial"
        partial.write_text(content, encoding="utf-8")
        partial.replace(target)
        written.append(target)
        failpoint("mid-write")
    return written


def headline(stalls: pd.DataFrame) -> str:
    """One line for people: how many stalled steps, money and workers at stake."""
    if not len(stalls):
        return "No stalled steps."
    critical = int((stalls["severity"] == Severity.CRITICAL).sum())
    workers = int(once_per_worker(stalls, "workers_affected").sum())
    return (
        f"{len(stalls)} stalled steps ({critical} critical): "
        f"{rupiah(stalls['amount_at_stake'].sum())} held up, "
        f"{workers:,} workers without cover (each counted once)"
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A markdown table whose cells render as the values themselves (ids come from sources)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| "
        + " | ".join(str(markdown_cell(v)) if isinstance(v, str) else markdown_text(v) for v in row)
        + " |"
        for row in rows
    ]
    return lines


def stall_rows(stalls: pd.DataFrame, names: Mapping[str, str], limit: int) -> list[dict[str, Any]]:
    """The worst stalls as table rows for people: region names beside codes, money formatted."""
    rows = []
    for r in stalls.head(limit).itertuples():
        rows.append(
            {
                "severity": r.severity,
                "stage": r.stage,
                "program": r.program_id,
                "district": f"{names.get(r.district_code, '')} ({r.district_code})",
                "unit": f"{names.get(r.unit_code, '')} ({r.unit_code})",
                "since": _iso(r.start_date),
                "days_overdue": int(r.days_overdue),
                # A JKK claim's benefit is unknown until paid: shown empty, not Rp0.
                "amount_at_stake": "" if pd.isna(r.amount_at_stake) else rupiah(r.amount_at_stake),
                "workers_affected": int(r.workers_affected),
                "status": getattr(r, "status", ""),
            }
        )
    return rows


DISTRICTS_SHOWN = 25


def district_funnel(evaluation: stages.Evaluation) -> list[dict[str, Any]]:
    """Per programme and district: the engine's funnel (`Evaluation.districts`, the same the
    Monev report shows) and how many of its cases are stalled; the most stalled first."""
    districts = evaluation.districts
    if districts.empty:
        return []
    cases = evaluation.cases
    stalled = cases.groupby(["program_id", "district_code"], observed=True)["stalled"].sum()
    out = districts.join(stalled, on=["program_id", "district_code"])
    out["stalled"] = out["stalled"].fillna(0).astype("int64")
    out = out.sort_values(
        ["stalled", "program_id", "district_code"], ascending=[False, True, True], kind="stable"
    )
    return [
        {
            "program_id": str(r["program_id"]),
            "funding_source": str(r["funding_source"]),
            "district_code": str(r["district_code"]),
            **{c: int(r[c]) for c in [*stages.PROGRAM_METRICS, "stalled"]},
        }
        for r in out.to_dict(orient="records")
    ]


def _has(stage: Stage, funnel: Mapping[str, Any]) -> bool:
    """Whether a programme (or its district's funnel row) has a step at all."""
    return str(funnel["funding_source"]) in fundings_with(stage)


def _of(done: int, due: int, money: bool = True) -> str:
    if not due:
        return "–"
    show = rupiah if money else (lambda n: f"{n:,}")
    return f"{show(done)} of {show(due)}"


def markdown_summary(
    title: str,
    stalls: pd.DataFrame,
    programs: list[dict[str, Any]],
    opened: int,
    resolved: int,
    quarantined: Mapping[str, int],
    names: Mapping[str, str],
    notes: Sequence[str] = (),
    districts: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The run page's summary: headline, funnel per programme and per district, changes,
    worst stalls. `title` is plain text; `notes` are markdown (their callers escape what came
    from outside, with `markdown_text`)."""
    lines = [f"# {markdown_text(title)}", "", f"**{headline(stalls)}**", ""]
    lines += [f"> {note}" for note in notes]
    lines += ["", "## Funnel: where the money and the protection stand", ""]
    lines += _table(
        [
            "Programme",
            "Source",
            "Allocated",
            "→ districts",
            "→ villages",
            "Premiums paid",
            "Workers targeted",
            "paid for",
            "covered (AKTIF)",
        ],
        [
            [
                p["program_id"],
                p["funding_source"],
                rupiah(p["allocated"]),
                rupiah(p["transferred_to_districts"]) if _has(Stage.DISTRICT_TRANSFER, p) else "–",
                rupiah(p["transferred_to_villages"]) if _has(Stage.VILLAGE_TRANSFER, p) else "–",
                rupiah(p["premiums_paid"]),
                f"{p['workers_targeted']:,}",
                f"{p['workers_paid']:,}",
                f"{p['workers_active']:,}",
            ]
            for p in programs
        ],
    )
    if districts:
        lines += ["", "## Funnel per district, most stalled first", ""]
        lines += _table(
            [
                "District",
                "Programme",
                "→ district (of allocated)",
                "→ villages (of allocated)",
                "Premiums paid",
                "Covered (of paid for)",
                "Stalled",
            ],
            [
                [
                    f"{names.get(d['district_code'], '')} ({d['district_code']})",
                    d["program_id"],
                    _of(d["transferred_to_districts"], d["allocated"])
                    if _has(Stage.DISTRICT_TRANSFER, d)
                    else "–",
                    _of(d["transferred_to_villages"], d["allocated"])
                    if _has(Stage.VILLAGE_TRANSFER, d)
                    else "–",
                    rupiah(d["premiums_paid"]),
                    _of(d["workers_active"], d["workers_paid"], money=False),
                    d["stalled"],
                ]
                for d in districts[:DISTRICTS_SHOWN]
            ],
        )
        if len(districts) > DISTRICTS_SHOWN:
            lines += [
                "",
                f"… and {len(districts) - DISTRICTS_SHOWN} more districts in summary.json.",
            ]
    lines += ["", "## Since the previous run", ""]
    lines += [f"- {opened} flag(s) opened, {resolved} resolved."]
    if len(stalls):
        by_stage = count_by(stalls["stage"], list(STAGE_ORDER))
        lines += ["- Stalled now: " + ", ".join(f"{n} {s}" for s, n in by_stage.items())]
    if quarantined:
        lines += [
            "- Rows quarantined in this load: "
            + ", ".join(f"{n} {reason}" for reason, n in quarantined.items())
        ]
    if len(stalls):
        lines += ["", "## Worst stalled steps", ""]
        rows = stall_rows(stalls, names, 15)
        lines += _table(list(rows[0]), [list(r.values()) for r in rows])
    return "\n".join(lines) + "\n"
