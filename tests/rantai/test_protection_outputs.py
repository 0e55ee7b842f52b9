"""What a run writes and shows of protection (contract v2): protection.csv,
protection_failures.csv, stalls.csv's case_id, summary.json's `protection_failures`, and the run
page and state message that lead with the families the chain failed. On hand-made frames (the
engine that fills them is written alongside)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd

from rantai.regions import load_gazetteer
from rantai.report import (
    build_summary,
    failure_rows,
    failure_summary_line,
    headline,
    markdown_summary,
    run_message,
    stall_rows,
    write_outputs,
)
from rantai.stages import FAILURE_COLUMNS, PROTECTION_COLUMNS, STALL_COLUMNS
from rantai.untrusted import markdown_rows
from rantai.validate import QUARANTINE_COLUMNS
from tests.chain_folders import BUNGO, V1, V2
from tests.protection_frames import AS_OF, failures, no_failures, protection

NO_QUARANTINE = pd.DataFrame(columns=QUARANTINE_COLUMNS)


def stalls() -> pd.DataFrame:
    """A unit's stalled transfer, and a claim (JKK, amount unknown) not paid within its SLA."""
    frame = pd.DataFrame(
        {
            "as_of": [AS_OF, AS_OF],
            "program_id": ["jambi-bkbk-2025", "jambi-bkbk-2025"],
            "funding_source": ["BKBK", "BKBK"],
            "province_code": ["15", "15"],
            "district_code": [BUNGO, BUNGO],
            "unit_code": [V2, V1],
            "stage": ["VILLAGE_TRANSFER", "CLAIM_PAYMENT"],
            "case_id": ["", "KLM-0009"],
            "start_date": [dt.date(2025, 2, 10), dt.date(2025, 6, 1)],
            "due_date": [dt.date(2025, 3, 12), dt.date(2025, 6, 15)],
            "days_waiting": [140, 29],
            "days_overdue": [110, 15],
            "amount_at_stake": pd.array([2_016_000, pd.NA], dtype="Int64"),
            "workers_affected": [10, 1],
            "severity": ["CRITICAL", "WARNING"],
            "responsible": ["DISTRICT", "BPJS"],
            "branch_code": ["", ""],
        }
    )
    frame = frame[STALL_COLUMNS]
    frame["first_flagged"] = AS_OF
    frame["status"] = "NEW"
    return frame


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[0].split(",")


def write(out: Path, failure_frame: pd.DataFrame, protection_frame: pd.DataFrame) -> list[Path]:
    summary = build_summary(AS_OF, stalls(), 0, NO_QUARANTINE, [], failures=failure_frame)
    return write_outputs(
        out,
        stalls(),
        NO_QUARANTINE,
        summary,
        protection=protection_frame,
        failures=failure_frame,
    )


def test_protection_failures_csv_has_the_contract_columns_and_no_unknown_as_zero(tmp_path):
    write(tmp_path, failures(), protection())

    path = tmp_path / "protection_failures.csv"
    assert header(path) == FAILURE_COLUMNS
    death, accident = rows(path)
    assert death == {
        "claim_id": "KLM-0001",
        "program_id": "jambi-bkbk-2025",
        "unit_code": V2,
        "benefit": "JKM",
        "event_date": "2025-04-02",
        "status": "SUBMITTED",
        "blocking_stage": "VILLAGE_TRANSFER",
        "days_overdue_on_event": "21",
        "benefit_at_stake": "42000000",
        "responsible": "DISTRICT",
    }
    # A JKK benefit not yet paid is unknown: an empty cell, not 0, NaN or <NA>.
    assert accident["benefit_at_stake"] == ""
    assert ",," in path.read_text().splitlines()[2]


def test_protection_csv_has_the_contract_columns(tmp_path):
    write(tmp_path, failures(), protection())

    path = tmp_path / "protection.csv"
    assert header(path) == PROTECTION_COLUMNS
    first = rows(path)[0]
    assert first["as_of"] == "2025-06-30"
    assert (first["unit_code"], first["workers_paid"], first["uncovered_worker_days"]) == (
        V1,
        "10",
        "2100",
    )


def test_both_files_are_written_with_their_header_when_there_is_nothing(tmp_path):
    written = write(tmp_path, no_failures(), protection().iloc[0:0])
    assert {p.name for p in written} >= {"protection.csv", "protection_failures.csv"}
    assert (tmp_path / "protection_failures.csv").read_text() == ",".join(FAILURE_COLUMNS) + "\n"
    assert (tmp_path / "protection.csv").read_text() == ",".join(PROTECTION_COLUMNS) + "\n"


def test_an_evaluation_without_the_v2_frames_still_writes_them_empty(tmp_path):
    summary = build_summary(AS_OF, stalls(), 0, NO_QUARANTINE, [])
    write_outputs(tmp_path, stalls(), NO_QUARANTINE, summary)
    assert header(tmp_path / "protection_failures.csv") == FAILURE_COLUMNS
    assert header(tmp_path / "protection.csv") == PROTECTION_COLUMNS
    assert json.loads((tmp_path / "summary.json").read_text())["protection_failures"] == 0


def test_stalls_csv_names_the_claim_and_leaves_an_unknown_benefit_empty(tmp_path):
    write(tmp_path, failures(), protection())

    transfer, claim = rows(tmp_path / "stalls.csv")
    assert header(tmp_path / "stalls.csv")[:8] == STALL_COLUMNS[:8]
    assert (transfer["case_id"], transfer["amount_at_stake"]) == ("", "2016000")
    assert (claim["stage"], claim["case_id"], claim["amount_at_stake"]) == (
        "CLAIM_PAYMENT",
        "KLM-0009",
        "",
    )


def test_text_from_sources_is_neutralised_in_the_new_files(tmp_path):
    hostile = failures('=HYPERLINK("http://x")', "@SUM(1)")
    write(tmp_path, hostile, protection().assign(program_id="+cmd"))
    assert [r["claim_id"] for r in rows(tmp_path / "protection_failures.csv")] == [
        '\'=HYPERLINK("http://x")',
        "'@SUM(1)",
    ]
    assert {r["program_id"] for r in rows(tmp_path / "protection.csv")} == {"'+cmd"}


def test_the_same_frames_twice_give_the_same_files(tmp_path):
    write(tmp_path / "a", failures(), protection())
    write(tmp_path / "b", failures(), protection())
    for name in ("protection.csv", "protection_failures.csv", "stalls.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_summary_counts_failures_and_passes_programmes_through():
    programme = {
        "program_id": "jambi-bkbk-2025",
        "workers_covered": 8,
        "claims": {"SUBMITTED": 1},
        "protection_failures": 1,
        "benefit_at_stake": 42_000_000,
    }
    summary = build_summary(AS_OF, stalls(), 0, NO_QUARANTINE, [programme], failures=failures())
    assert summary["protection_failures"] == 2
    assert summary["programs"] == [programme]
    # The claim's unknown benefit adds nothing to the money at stake.
    assert summary["stalls"]["amount_at_stake"] == 2_016_000
    assert summary["stalls"]["by_stage"] == {"VILLAGE_TRANSFER": 1, "CLAIM_PAYMENT": 1}


def test_the_failure_line_names_families_rupiah_and_where_they_were_blocked():
    assert failure_summary_line(no_failures()) == ""
    assert failure_summary_line(failures()) == (
        "2 families without their benefit (Rp42.000.000 and 1 benefit not yet known): "
        "1 VILLAGE_TRANSFER, 1 COVERAGE_ACTIVATION"
    )
    one = failures().iloc[:1]
    assert failure_summary_line(one) == (
        "1 family without their benefit (Rp42.000.000): 1 VILLAGE_TRANSFER"
    )
    unexplained = one.assign(blocking_stage="NONE")
    assert failure_summary_line(unexplained).endswith("): 1 with no stage stalled")


def test_the_run_message_names_failures_before_stalls():
    message = run_message(stalls(), failures())
    assert message.startswith(
        "2 families without their benefit (Rp42.000.000 and 1 benefit not yet known): "
        "1 VILLAGE_TRANSFER, 1 COVERAGE_ACTIVATION; 2 stalled: 1 VILLAGE_TRANSFER, "
        "1 CLAIM_PAYMENT. 2 stalled steps"
    )
    assert run_message(stalls(), no_failures()).startswith("2 stalled: 1 VILLAGE_TRANSFER")
    assert run_message(stalls().iloc[0:0], failures()).endswith("; no stalled steps.")
    assert run_message(stalls().iloc[0:0], no_failures()) == "No stalled steps."
    # The headline leads with the families too.
    assert headline(stalls(), failures()).startswith("2 families without their benefit")
    assert headline(stalls()).startswith("2 stalled steps (1 critical): Rp2.016.000 held up")


def test_failure_rows_show_benefit_date_unit_stage_who_and_rupiah_without_personal_data():
    names = load_gazetteer().names
    death, accident = failure_rows(failures(), names, 10)
    assert death == {
        "benefit": "JKM",
        "event_date": "2025-04-02",
        "unit": f"{names[V2]} ({V2})",
        "program": "jambi-bkbk-2025",
        "blocked_at": "VILLAGE_TRANSFER",
        "days_overdue_on_event": 21,
        "who_must_act": "DISTRICT",
        "benefit_at_stake": "Rp42.000.000",
        "claim": "KLM-0001",
        "status": "SUBMITTED",
    }
    assert accident["benefit_at_stake"] == "not yet known"
    assert len(failure_rows(failures(), names, 1)) == 1


def test_the_run_page_opens_with_the_families_without_their_benefit():
    names = load_gazetteer().names
    page = markdown_summary("Rantai", stalls(), [], 0, 0, {}, names, failures=failures())
    lines = page.splitlines()
    assert lines[2].startswith("**2 families without their benefit")
    first_section = next(line for line in lines if line.startswith("## "))
    assert first_section == "## Families without their benefit"
    assert f"| JKM | 2025-04-02 | {names[V2]} ({V2}) |" in page
    # Rupiah as people read it; an unknown benefit as words, never 0.
    assert "Rp42.000.000" in page and "not yet known" in page


def test_a_run_page_without_failures_keeps_its_shape():
    page = markdown_summary("Rantai", stalls(), [], 0, 0, {}, load_gazetteer().names)
    assert "Families without their benefit" not in page
    assert page.splitlines()[2].startswith("**2 stalled steps")


def test_a_hostile_claim_id_shows_as_text_on_the_run_page():
    hostile = failures("[click](http://x.example)", "<img src=x onerror=alert(1)>")
    names = load_gazetteer().names
    page = markdown_summary("Rantai", stalls(), [], 0, 0, {}, names, failures=hostile)
    assert "[click](" not in page and "<img" not in page
    assert "\\[click\\]" in page
    cells = markdown_rows(failure_rows(hostile, names, 10))
    assert [c["claim"] for c in cells] == [
        "\\[click\\]\\(http\\://x.example)",
        "&lt;img src=x onerror=alert(1)&gt;",
    ]


def test_a_claims_stalled_step_names_its_claim_on_the_run_page():
    transfer, claim = stall_rows(stalls(), load_gazetteer().names, 10)
    assert (transfer["claim"], transfer["amount_at_stake"]) == ("", "Rp2.016.000")
    assert (claim["stage"], claim["claim"], claim["amount_at_stake"]) == (
        "CLAIM_PAYMENT",
        "KLM-0009",
        "not yet known",
    )


V1_PROGRAMME = {
    "program_id": "jambi-bkbk-2025",
    "funding_source": "BKBK",
    "allocated": 6_048_000,
    "transferred_to_districts": 6_048_000,
    "transferred_to_villages": 4_032_000,
    "premiums_paid": 2_016_000,
    "workers_targeted": 30,
    "workers_paid": 10,
    "workers_active": 8,
}


def test_the_programme_funnel_shows_v2_protection_where_the_evaluation_has_it():
    names = load_gazetteer().names
    v2 = {
        **V1_PROGRAMME,
        "workers_activated": 9,
        "workers_covered": 8,
        "workers_lapsed": 1,
        "protection_failures": 1,
    }
    page = markdown_summary("Rantai", stalls(), [v2], 0, 0, {}, names, failures=failures())
    assert (
        "| covered (AKTIF) | activated | covered today | lapsed | families without benefit |"
        in (page)
    )
    assert "| 30 | 10 | 8 | 9 | 8 | 1 | 1 |" in page
    # A v1 programme dict keeps the v1 table.
    page = markdown_summary("Rantai", stalls(), [V1_PROGRAMME], 0, 0, {}, names)
    assert "covered today" not in page and "| 30 | 10 | 8 |" in page
