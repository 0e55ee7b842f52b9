"""Hostile input: whatever arrives, the result is quarantine rows or a one-line error, never a
traceback, and nothing stored before is changed by a file that cannot be read."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.files import UnreadableInput, read_folder
from rantai.ingest import validate_load
from rantai.records import SOURCES
from rantai.regions import load_gazetteer

GAZETTEER = load_gazetteer()
STORED_PROGRAMS = pd.DataFrame(
    {"program_id": ["p"], "funding_source": ["BKBK"], "province_code": ["15"]}
)

# Cells that look like what arrives from real spreadsheets, and worse.
cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "p",
            "15",
            "15.08",
            "1508012001",
            "15.08.03.1006",
            "Rp16.800",
            "16,800",
            "-5",
            "0",
            "31/02/2025",
            "2025-13-01",
            "2025-06-30",
            "1508014101900001",
            '=HYPERLINK("http://x","klik")',
            "+cmd|' /C calc'!A0",
            "@SUM(A1)",
            "AKTIF",
            "BKBK",
            "\u0000",
            "Sulaimân",
            "x" * 5000,
        ]
    ),
)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    source=st.sampled_from(list(SOURCES)),
    rows=st.lists(st.lists(cells, min_size=12, max_size=12), max_size=25),
)
def test_every_row_is_loaded_or_quarantined_exactly_once(tmp_path_factory, source, rows):
    folder = tmp_path_factory.mktemp("hostile")
    header = SOURCES[source].columns
    body = _csv(header, [r[: len(header)] for r in rows])
    (folder / f"{source}.csv").write_text(body, encoding="utf-8")
    try:
        raw = read_folder(folder)
    except UnreadableInput as error:
        assert "\n" not in str(error) and str(error).startswith(f"{source}.csv: ")
        return
    result = validate_load({source: raw[source].rows}, STORED_PROGRAMS, GAZETTEER)[source]
    seen = sorted(result.valid["row_number"].tolist() + result.quarantine["row_number"].tolist())
    # Identical duplicate copies load once, so a row may be absent only as such a copy.
    assert len(set(seen)) == len(seen)
    assert set(seen) <= set(range(1, len(raw[source].rows) + 1))
    missing = set(range(1, len(raw[source].rows) + 1)) - set(seen)
    if missing:
        key = list(SOURCES[source].key)
        assert len(result.valid) > 0 and key
    assert result.quarantine["reason"].notna().all()
    assert (result.quarantine["detail"].str.len() > 0).all()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=st.binary(max_size=2000))
def test_random_bytes_are_refused_in_one_line_or_quarantined(tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("bytes")
    (folder / "premium_payments.csv").write_bytes(
        b"payment_id,program_id,payer_code,paid_date,amount,workers_count,months,payment_ref\n"
        + content
    )
    try:
        raw = read_folder(folder)
    except UnreadableInput as error:
        assert "\n" not in str(error)
        return
    result = validate_load(
        {"premium_payments": raw["premium_payments"].rows}, STORED_PROGRAMS, GAZETTEER
    )["premium_payments"]
    assert len(result.valid) + len(result.quarantine) <= len(raw["premium_payments"].rows)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-16", "not UTF-8"), ("latin-1", "not UTF-8"), ("utf-8-sig", None)],
)
def test_encodings(tmp_path: Path, encoding, expected):
    text = _csv(
        SOURCES["enrollments"].columns,
        [["1508014101900001", "Siti Khadîjah", "15.08.01.2001", "petani", "p", "2025-01-01"]],
    )
    (tmp_path / "enrollments.csv").write_bytes(text.encode(encoding))
    if expected:
        with pytest.raises(UnreadableInput, match=expected):
            read_folder(tmp_path)
    else:
        rows = read_folder(tmp_path)["enrollments"].rows
        assert rows.loc[0, "name"] == "Siti Khadîjah"


def test_a_million_rows_of_garbage_are_quarantined_not_fatal(tmp_path: Path):
    header = ",".join(SOURCES["coverage"].columns) + "\n"
    garbage = "".join(f"x{i},?,,31/31/31,never,MAYBE\n" for i in range(1_000_000))
    (tmp_path / "coverage.csv").write_text(header + garbage, encoding="utf-8")
    raw = read_folder(tmp_path)["coverage"].rows
    result = validate_load({"coverage": raw}, STORED_PROGRAMS, GAZETTEER)["coverage"]
    assert len(result.valid) == 0
    assert len(result.quarantine) == 1_000_000
    assert set(result.quarantine["reason"]) == {"INVALID_NIK"}  # nik is the first column


def test_huge_field_is_quarantined_with_a_short_detail(tmp_path: Path):
    text = _csv(
        SOURCES["premium_payments"].columns,
        [["P1", "p", "15.08.01.2001", "2025-01-01", "9" * 200_000, "1", "12", "r"]],
    )
    (tmp_path / "premium_payments.csv").write_text(text, encoding="utf-8")
    raw = read_folder(tmp_path)["premium_payments"].rows
    result = validate_load({"premium_payments": raw}, STORED_PROGRAMS, GAZETTEER)
    quarantined = result["premium_payments"].quarantine
    assert quarantined["reason"].tolist() == ["BAD_AMOUNT"]
    assert len(quarantined["detail"].iloc[0]) < 300
