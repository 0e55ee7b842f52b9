"""What a run publishes: stalls.csv, quarantine.csv, anomalies.csv, protection.csv,
protection_failures.csv, summary.json, and the texts operators read."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rantai import stages
from rantai.anomalies import ANOMALY_COLUMNS
from rantai.chain import Severity, once_per_worker
from rantai.distinct import map_distinct
from rantai.faults import failpoint
from rantai.records import MONEY_STAGES, STAGE_ORDER, UNIT_STAGES, Reason, Stage, fundings_with
from rantai.untrusted import markdown_cell, markdown_text, neutralise_frame
from rantai.validate import QUARANTINE_COLUMNS

# stalls.csv: the engine's columns, then what the flags remember.
# stalls.csv: the engine's columns with first_flagged and status from the flags, and the BPJS
# branch last (issue 15: added after the columns earlier readers know).
STALL_COLUMNS = [
    *(c for c in stages.STALL_COLUMNS if c != "branch_code"),
    "first_flagged",
    "status",
    "branch_code",
]
SEVERITIES = tuple(s.value for s in Severity)
# A failure whose worker's chain had every started stage complete on the event date.
NO_STAGE = "NONE"
# How the run page and the run's message say "unknown" of a benefit (a JKK claim not yet paid).
NOT_KNOWN = "not yet known"


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


def _whole(value: object) -> str:
    return str(int(value))  # type: ignore[call-overload]


def _whole_or_empty(values: pd.Series) -> np.ndarray:
    """Whole rupiah as written in a CSV, an unknown amount as an empty cell (never 0, `NaN`,
    `<NA>` or `42000000.0`, which a column holding a missing value would otherwise give)."""
    return map_distinct(values, _whole, fill="")


def _known_total(values: pd.Series) -> int:
    """The sum of the amounts that are known (exact past 64 bits: Python ints add up)."""
    return int(values.dropna().sum())


def _dated(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Dates as ISO text, each distinct date worked out once (tens of thousands of rows share a
    few hundred dates)."""
    for column in columns:
        frame[column] = map_distinct(frame[column], _iso, fill="")
    return frame


def stalls_frame(stalls: pd.DataFrame) -> pd.DataFrame:
    """stalls.csv as the contract lays it out, dates ISO; `case_id` empty for a unit's stage,
    and `amount_at_stake` empty where it is unknown (a JKK claim's benefit before it is paid)."""
    out = _dated(
        stalls.reindex(columns=STALL_COLUMNS).copy(),
        ("as_of", "start_date", "due_date", "first_flagged"),
    )
    out["case_id"] = out["case_id"].fillna("")
    out = neutralise_frame(out)
    # After neutralising: a number is never a formula, and the text of one must not become one.
    out["amount_at_stake"] = _whole_or_empty(out["amount_at_stake"])
    return out


def protection_frame(protection: pd.DataFrame | None) -> pd.DataFrame:
    """protection.csv: the engine's protection per (programme, unit), the contract's columns
    exactly, as_of ISO."""
    source = protection if protection is not None else pd.DataFrame()
    out = _dated(source.reindex(columns=stages.PROTECTION_COLUMNS).copy(), ("as_of",))
    return neutralise_frame(out)


def failures_frame(failures: pd.DataFrame | None) -> pd.DataFrame:
    """protection_failures.csv: the contract's columns exactly (the place columns the engine
    adds after them are left out; no NIK or name is among them), event_date ISO, and
    `benefit_at_stake` empty where it is unknown."""
    source = failures if failures is not None else pd.DataFrame()
    out = _dated(source.reindex(columns=stages.FAILURE_COLUMNS).copy(), ("event_date",))
    out = neutralise_frame(out)
    out["benefit_at_stake"] = _whole_or_empty(out["benefit_at_stake"])
    return out


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
    failures: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """summary.json: the contract's keys, then totals operators ask for first. The programme
    dicts are the engine's, passed through (v2's protection metrics, claims and failures per
    programme among them); `protection_failures` counts the run's protection failures."""
    summary: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "stalls": {
            "by_stage": count_by(stalls["stage"], [s.value for s in Stage]),
            "by_severity": count_by(stalls["severity"], SEVERITIES),
            "total": len(stalls),
            # A claim's unknown benefit adds nothing (it is not zero either: it is left out).
            "amount_at_stake": _known_total(stalls["amount_at_stake"]),
            "workers_affected": int(stalls["workers_affected"].sum()),
        },
        "resolved": int(resolved),
        "quarantined": count_by(quarantined["reason"], [r.value for r in Reason]),
        "programs": programs,
        "protection_failures": len(failures) if failures is not None else 0,
    }
    summary.update(extra or {})
    return summary


def write_outputs(
    out_dir: Path,
    stalls: pd.DataFrame,
    quarantined: pd.DataFrame,
    summary: dict[str, Any],
    anomalies: pd.DataFrame | None = None,
    protection: pd.DataFrame | None = None,
    failures: pd.DataFrame | None = None,
) -> list[Path]:
    """Write the contract's files (and anomalies.csv); each whole, then renamed into place.

    protection.csv and protection_failures.csv are always written, with their header when
    there is nothing to list (an evaluation without the v2 frames writes them empty);
    summary.json comes last."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    anomaly_rows = neutralise_frame(
        (anomalies if anomalies is not None else pd.DataFrame()).reindex(columns=ANOMALY_COLUMNS)
    )
    for name, content in (
        ("stalls.csv", stalls_frame(stalls).to_csv(index=False, lineterminator="\n")),
        ("quarantine.csv", quarantine_frame(quarantined).to_csv(index=False, lineterminator="\n")),
        ("anomalies.csv", anomaly_rows.to_csv(index=False, lineterminator="\n")),
        ("protection.csv", protection_frame(protection).to_csv(index=False, lineterminator="\n")),
        (
            "protection_failures.csv",
            failures_frame(failures).to_csv(index=False, lineterminator="\n"),
        ),
        ("summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n"),
    ):
        target = out_dir / name
        partial = out_dir / f".{name}.partial"
        partial.write_text(content, encoding="utf-8")
        partial.replace(target)
        written.append(target)
        failpoint("mid-write")
    return written


def failure_summary_line(failures: pd.DataFrame | None) -> str:
    """The protection failures in one line, "" when there are none: `2 families without their
    benefit (Rp84.000.000): 1 VILLAGE_TRANSFER, 1 COVERAGE_ACTIVATION` (the stages that blocked
    their cover, in chain order). Benefits not yet known (a JKK claim not yet paid) are
    counted beside the rupiah, never as zero."""
    if failures is None or failures.empty:
        return ""
    count = len(failures)
    at_stake = failures["benefit_at_stake"]
    unknown = int(at_stake.isna().sum())
    money = rupiah(_known_total(at_stake))
    if unknown:
        money += f" and {unknown} benefit{'s' if unknown > 1 else ''} {NOT_KNOWN}"
    blocked = count_by(failures["blocking_stage"].astype(str), [*UNIT_STAGES, NO_STAGE])
    parts = [
        f"{n} with no stage stalled" if stage == NO_STAGE else f"{n} {stage}"
        for stage, n in blocked.items()
    ]
    who = "family" if count == 1 else "families"
    return f"{count} {who} without their benefit ({money}): " + ", ".join(parts)


def headline(stalls: pd.DataFrame, failures: pd.DataFrame | None = None) -> str:
    """One line for people: the families without their benefit first (when there are any),
    then how many stalled steps, money and workers at stake."""
    failed = failure_summary_line(failures)
    if not len(stalls):
        return f"{failed}; no stalled steps." if failed else "No stalled steps."
    critical = int((stalls["severity"] == Severity.CRITICAL).sum())
    workers = int(once_per_worker(stalls, "workers_affected").sum())
    stage = stalls["stage"].astype(str)

    def at_stake(stages: tuple[Stage, ...]) -> int:
        return _known_total(stalls.loc[stage.isin([s.value for s in stages]), "amount_at_stake"])

    extras = [
        f"{rupiah(amount)} {words}"
        for amount, words in (
            (at_stake((Stage.COVER_PERIOD,)), "of premiums buying no cover"),
            (at_stake((Stage.CLAIM_PAYMENT,)), "of benefits unpaid"),
        )
        if amount
    ]
    stalled = (
        f"{len(stalls)} stalled steps ({critical} critical): "
        f"{rupiah(at_stake(MONEY_STAGES))} held up, "
        + "".join(f"{extra}, " for extra in extras)
        + f"{workers:,} workers without cover (each counted once)"
    )
    return f"{failed}; {stalled}" if failed else stalled


def run_message(stalls: pd.DataFrame, failures: pd.DataFrame | None = None) -> str:
    """A run's final state message: the families without their benefit, then the stalled
    stages and the headline (`2 families without their benefit (Rp84.000.000): ...;
    976 stalled: ...`)."""
    failed = failure_summary_line(failures)
    if not len(stalls):
        return f"{failed}; no stalled steps." if failed else "No stalled steps."
    stalled = f"{stages.stall_summary_line(stalls)}. {headline(stalls)}"
    return f"{failed}; {stalled}" if failed else stalled


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


def _benefit(amount: object) -> str:
    return NOT_KNOWN if pd.isna(amount) else rupiah(amount)  # type: ignore[arg-type]


# Why a VILLAGE_TRANSFER is the village's move (records.responsible_for, awaiting_request).
NO_COMPLETE_REQUEST = "no complete request yet"


def who_must_act(responsible: object, branch: object, stage: object = "") -> str:
    """The office that must act, as the run page shows it: BPJS named by the branch serving the
    case's district when branches.csv gives one (`BPJS KC-MUARA-BUNGO`), and a village whose
    transfer waits for its request says so (issue 15)."""
    office = str(responsible) if isinstance(responsible, str) else ""
    if office == "BPJS" and isinstance(branch, str) and branch:
        return f"{office} {branch}"
    if office == "VILLAGE" and stage == "VILLAGE_TRANSFER":
        return f"{office}: {NO_COMPLETE_REQUEST}"
    return office


def failure_rows(
    failures: pd.DataFrame, names: Mapping[str, str], limit: int
) -> list[dict[str, Any]]:
    """The protection failures as table rows for people (the engine's order: by event date):
    the benefit and when it was needed, the worker's unit (name and code), the stage that had
    stalled then and who must act on it, the rupiah at stake. No NIK, no name: a claim is
    named by its id."""
    rows = []
    for r in failures.head(limit).itertuples():
        rows.append(
            {
                "benefit": str(r.benefit),
                "event_date": _iso(r.event_date),
                "unit": f"{names.get(r.unit_code, '')} ({r.unit_code})",
                "program": r.program_id,
                "blocked_at": str(r.blocking_stage),
                "days_overdue_on_event": int(r.days_overdue_on_event),
                "who_must_act": who_must_act(
                    r.responsible, getattr(r, "branch_code", ""), r.blocking_stage
                ),
                "benefit_at_stake": _benefit(r.benefit_at_stake),
                "claim": r.claim_id,
                "status": str(r.status),
            }
        )
    return rows


def stall_rows(stalls: pd.DataFrame, names: Mapping[str, str], limit: int) -> list[dict[str, Any]]:
    """The worst stalls as table rows for people: region names beside codes, money formatted
    (a claim's benefit not yet known in words), and the claim of a CLAIM_PAYMENT stall (empty
    for a unit's stage)."""
    rows = []
    for r in stalls.head(limit).itertuples():
        case = getattr(r, "case_id", "")
        rows.append(
            {
                "severity": r.severity,
                "stage": r.stage,
                "program": r.program_id,
                "district": f"{names.get(r.district_code, '')} ({r.district_code})",
                "unit": f"{names.get(r.unit_code, '')} ({r.unit_code})",
                "claim": case if isinstance(case, str) else "",
                "who_must_act": who_must_act(
                    getattr(r, "responsible", ""), getattr(r, "branch_code", ""), r.stage
                ),
                "since": _iso(r.start_date),
                "days_overdue": int(r.days_overdue),
                "amount_at_stake": _benefit(r.amount_at_stake),
                "workers_affected": int(r.workers_affected),
                "status": getattr(r, "status", ""),
            }
        )
    return rows


DISTRICTS_SHOWN = 25
FAILURES_SHOWN = 25
# The programme funnel's v2 columns: summary.json's key, and its heading on the run page.
PROTECTION_SHOWN = {
    "workers_activated": "activated",
    "workers_covered": "covered today",
    "workers_lapsed": "lapsed",
    "protection_failures": "families without benefit",
}


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
    failures: pd.DataFrame | None = None,
) -> str:
    """The run page's summary: headline, the families without their benefit (when there are
    any), funnel per programme and per district, changes, worst stalls. `title` is plain text;
    `notes` are markdown (their callers escape what came from outside, with `markdown_text`)."""
    lines = [f"# {markdown_text(title)}", "", f"**{headline(stalls, failures)}**", ""]
    lines += [f"> {note}" for note in notes]
    if failures is not None and len(failures):
        lines += ["", "## Families without their benefit", ""]
        lines += [
            "Claims (JKK work accident, JKM death) of workers enrolled in a programme who had no "
            "cover on the day of the accident or death, with the stage of the chain that had "
            "stalled then and who must act on it.",
            "",
        ]
        rows = failure_rows(failures, names, FAILURES_SHOWN)
        lines += _table(list(rows[0]), [list(r.values()) for r in rows])
        if len(failures) > FAILURES_SHOWN:
            lines += [
                "",
                f"… and {len(failures) - FAILURES_SHOWN} more in protection_failures.csv.",
            ]
    lines += ["", "## Funnel: where the money and the protection stand", ""]
    # Contract v2's programme figures, where the evaluation has them: who was activated, who
    # is covered today, whose cover lapsed, and the families without their benefit.
    protected = bool(programs) and all(PROTECTION_SHOWN.keys() <= p.keys() for p in programs)
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
            *(PROTECTION_SHOWN.values() if protected else ()),
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
                *((f"{int(p[key]):,}" for key in PROTECTION_SHOWN) if protected else ()),
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
