"""`rantai report --district/--kecamatan`: the cuts of the Monev report below the province, on
the demo's store. Each cut has its own totals and the parts add up to the wider ones (a
kecamatan's to its district less what is the district's own); the report for a kecamatan lists
its villages with their open step, whose move it is and by when."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from rantai.cli import main
from rantai.ingest import validate_load
from rantai.monev import NothingToReport, read_monev
from rantai.monev.cuts import branch_districts, district_part
from rantai.regions import Level, load_gazetteer
from rantai.scope import Scope
from rantai.stages import evaluate
from rantai.store.engine import engine_for
from rantai.store.load import load_source, new_batch
from samples import DEMO_AS_OF, generate_demo

GAZETTEER = load_gazetteer()
AS_OF = DEMO_AS_OF.isoformat()
BUNGO, BENGKALIS = "15.08", "14.03"
TANAH_SEPENGGAL_LINTAS = "15.08.17"  # a kecamatan of Bungo with many stalled villages
SUNGAI_MANCUR = "15.08.17.2001"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The demo (seed 2025, as delivered on its date) loaded into a SQLite store, and the
    whole-store evaluation to check the cuts against."""
    root = tmp_path_factory.mktemp("cuts")
    db = f"sqlite:///{root / 'rantai.db'}"
    validated = validate_load(generate_demo(2025, DEMO_AS_OF), pd.DataFrame(), GAZETTEER)
    with engine_for(db).begin() as conn:
        for name, result in validated.items():
            batch = new_batch(conn, "run", name, "demo", "0" * 64, len(result.valid))
            load_source(conn, name, batch, result.valid, result.quarantine, 0)
    everything = evaluate({n: r.valid for n, r in validated.items()}, DEMO_AS_OF)
    return {"root": root, "db": db, "stalls": everything.stalls}


def report(db: str, out: Path, *extra: str) -> int:
    return main(["report", "--db", db, "--as-of", AS_OF, "--out", str(out), *extra])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--district", "99.99"], "--district '99.99' is not a district code in the gazetteer"),
        (["--district", "15.08.01"], "--district '15.08.01' is not a district code"),
        (["--kecamatan", "15.08"], "--kecamatan '15.08' is not a subdistrict (kecamatan) code"),
        (["--kecamatan", "15.08.99"], "--kecamatan '15.08.99' is not a subdistrict"),
        (["--province", "14", "--district", "1508"], "--district 15.08 is outside province 14"),
        (["--district", "15.08", "--kecamatan", "15.08.01"], "not allowed with argument"),
        (["--kecamatan", "15.08.03"], "no programme in the store for 15.08.03"),
        (
            ["--kecamatan", "14.03.01"],
            "no programme in the store for 14.03.01 (its district's own programmes: "
            "bengkalis-apbd-2025)",
        ),
    ],
)
def test_a_cut_that_names_nothing_is_a_usage_error(demo, tmp_path, capsys, options, message):
    assert report(str(demo["db"]), tmp_path / "out", *options) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "report.html").exists()


def totals(db: str, scope: Scope) -> dict[str, int]:
    with engine_for(db).connect() as conn:
        try:
            return read_monev(conn, DEMO_AS_OF, scope).totals
        except NothingToReport:
            return {}  # a district or kecamatan in no programme adds nothing


def added(parts: list[dict[str, int]], keys: list[str]) -> dict[str, int]:
    return {k: sum(p.get(k, 0) for p in parts) for k in keys}


@pytest.mark.parametrize("province", ["15", "14"])
def test_the_districts_of_a_province_add_up_to_the_province(demo, province):
    whole = totals(str(demo["db"]), Scope(province_code=province))
    districts = GAZETTEER.children(province, Level.DISTRICT)
    parts = [totals(str(demo["db"]), Scope(codes=(code,))) for code in districts]
    assert sum(bool(p) for p in parts) >= 3
    assert added(parts, list(whole)) == whole
    assert whole["allocated"] > 0 and whole["stalled_steps"] > 0 and whole["money_at_rest"] > 0


@pytest.mark.parametrize("district", [BUNGO, BENGKALIS, "14.02"])
def test_the_kecamatans_of_a_district_add_up_to_it_less_what_is_the_districts_own(demo, district):
    with engine_for(str(demo["db"])).connect() as conn:
        whole = read_monev(conn, DEMO_AS_OF, Scope(codes=(district,)))
    own = district_part(whole)
    kecamatans = GAZETTEER.children(district, Level.SUBDISTRICT)
    parts = [totals(str(demo["db"]), Scope(codes=(code,))) for code in kecamatans]
    assert added([*parts, own], list(whole.totals)) == whole.totals
    if district == BUNGO:  # BKBK: the transfer to Bungo and money at rest above its villages
        assert own["transferred_to_districts"] == whole.totals["transferred_to_districts"] > 0
        assert 0 < own["money_at_rest"] < whole.totals["money_at_rest"]
        assert own["allocated"] == 0 and sum(bool(p) for p in parts) >= 10
    if district == BENGKALIS:  # APBD: the programme's unit is the district, in no kecamatan
        assert not any(parts)
        assert own == {k: v for k, v in whole.totals.items() if k in own}
        assert own["allocated"] == 6_100_000_000
    if district == "14.02":  # APBDes: all in the villages
        assert not any(own.values())


def test_a_kecamatan_report_is_what_its_camat_takes_home(demo, tmp_path):
    out = tmp_path / "kec"
    assert report(str(demo["db"]), out, "--kecamatan", "150817") == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    kecamatan = GAZETTEER.name(TANAH_SEPENGGAL_LINTAS)
    # The title names the kecamatan and its district.
    title = html.split("<title>")[1].split("</title>")[0]
    assert f"Kecamatan {kecamatan}, Kabupaten Bungo" in title
    assert "Desa di kecamatan ini" in html
    assert "tidak dihitung di laporan kecamatan" in html  # what is the district's own

    # Every village of the kecamatan, with its open step, whose move and by when, as the
    # whole store's evaluation has its stalled steps.
    rows = sheet(out / "report.xlsx", "Desa di Kecamatan")
    desa = GAZETTEER.desa_in(TANAH_SEPENGGAL_LINTAS)
    assert {r["Kode desa"] for r in rows} == set(desa)
    stalls = demo["stalls"]
    mine = stalls.loc[
        (stalls["unit_code"] == SUNGAI_MANCUR) & (stalls["program_id"] == "jambi-bkbk-2024")
    ]
    first = mine.iloc[0]  # stalls are worst first: the village transfer never came
    assert first["stage"] == "VILLAGE_TRANSFER" and first["responsible"] == "DISTRICT"
    row = next(
        r for r in rows if r["Kode desa"] == SUNGAI_MANCUR and r["Program"] == "jambi-bkbk-2024"
    )
    assert row["Desa"] == "Sungai Mancur"
    assert row["Langkah terbuka"] == "Transfer ke desa"
    assert row["Harus bertindak"] == "Pemerintah kabupaten/kota"
    assert row["Jatuh tempo"].date() == first["due_date"]
    assert row["Hari terlambat"] == first["days_overdue"] > 500
    # Most urgent first: overdue steps by days overdue, the worst at the top.
    overdue = [r["Hari terlambat"] for r in rows if r["Keadaan"] == "Terlambat"]
    assert overdue == sorted(overdue, reverse=True) and overdue[0] == rows[0]["Hari terlambat"]
    assert "Sungai Mancur" in html and "Transfer ke desa" in html


def sheet(path: Path, title: str) -> list[dict[str, object]]:
    rows = list(load_workbook(path, read_only=True)[title].iter_rows(values_only=True))
    width = len(rows[0])
    return [dict(zip(rows[0], row + (None,) * (width - len(row)), strict=True)) for row in rows[1:]]


def test_a_district_report_names_its_district_and_has_its_own_totals(demo, tmp_path):
    out = tmp_path / "bungo"
    assert report(str(demo["db"]), out, "--district", "1508", "--program", "jambi-bkbk-2025") == 0
    title = (out / "report.html").read_text(encoding="utf-8").split("<title>")[1]
    assert "Kabupaten Bungo" in title.split("</title>")[0]
    summary = {r["Ukuran"]: r["Nilai"] for r in sheet(out / "report.xlsx", "Ringkasan")}
    mine = totals(str(demo["db"]), Scope("jambi-bkbk-2025", None, (BUNGO,)))
    assert summary["Dana mengendap (Rp)"] == mine["money_at_rest"] > 0
    province = totals(str(demo["db"]), Scope("jambi-bkbk-2025", "15"))
    assert mine["allocated"] < province["allocated"]
    assert dt.date.fromisoformat(AS_OF) == DEMO_AS_OF


# Branches as branches.csv has them (one row per district a branch serves): KC Rengat serves
# Indragiri Hulu and is the parent office of Indragiri Hilir's; KC Duri serves Bengkalis.
BRANCHES = [
    ("KC-RENGAT", "KC Rengat", None, "14.02"),
    ("KCP-TEMBILAHAN", "KCP Tembilahan", "KC-RENGAT", "1404"),
    ("KC-DURI", "KC Duri", None, "14.03"),
    ("KC-MUARA-BUNGO", "KC Muara Bungo", None, "15.08"),
]


@pytest.fixture(scope="module")
def branches(demo) -> str:
    """The demo's store with BRANCHES loaded as a delivery of branches.csv would load them."""
    db = str(demo["db"])
    header = ["branch_code", "name", "parent_branch_code", "district_code"]
    rows = pd.DataFrame([[v or "" for v in b] for b in BRANCHES], columns=header, dtype=object)
    result = validate_load({"branches": rows}, pd.DataFrame(), GAZETTEER)["branches"]
    assert result.quarantine.empty and len(result.valid) == len(BRANCHES)
    with engine_for(db).begin() as conn:
        batch = new_batch(conn, "run", "branches", "test", "0" * 64, len(result.valid))
        load_source(conn, "branches", batch, result.valid, result.quarantine, 0)
    return db


def test_a_branch_serves_its_districts_and_its_child_offices(branches):
    with engine_for(branches).connect() as conn:
        rengat = branch_districts(conn, "KC-RENGAT")
        assert (rengat.name, rengat.districts) == ("KC Rengat", ("14.02", "14.04"))
        assert rengat.children == ("KCP-TEMBILAHAN",)
        assert branch_districts(conn, "KCP-TEMBILAHAN").districts == ("14.04",)
        with pytest.raises(ValueError, match="'KC-X' is not a known branch .known: KC-DURI, KC"):
            branch_districts(conn, "KC-X")


def test_a_branch_report_adds_up_its_districts(branches, tmp_path, capsys):
    out = tmp_path / "rengat"
    assert report(branches, out, "--branch", "KC-RENGAT") == 0
    title = (out / "report.html").read_text(encoding="utf-8").split("<title>")[1]
    title = title.split("</title>")[0]
    assert "KC Rengat (KC-RENGAT)" in title
    assert "Kabupaten Indragiri Hulu" in title and "Kabupaten Indragiri Hilir" in title
    summary = {r["Ukuran"]: r["Nilai"] for r in sheet(out / "report.xlsx", "Ringkasan")}
    parts = [totals(branches, Scope(codes=(code,))) for code in ("14.02", "14.04")]
    both = added(parts, list(parts[0]))
    assert totals(branches, Scope(codes=("14.02", "14.04"))) == both
    assert summary["Dialokasikan (Rp)"] == both["allocated"] > 0
    assert summary["Dana mengendap (Rp)"] == both["money_at_rest"] > 0

    assert report(branches, tmp_path / "x", "--branch", "KC-NOWHERE") == 2
    err = capsys.readouterr().err
    assert "--branch 'KC-NOWHERE' is not a known branch (known: KC-DURI, KC-MUARA-BUNGO" in err
    assert report(branches, tmp_path / "x", "--branch", "KC-DURI", "--province", "15") == 2
    assert "--district 14.03 is outside province 15" in capsys.readouterr().err
    assert report(branches, tmp_path / "x", "--branch", "KC-DURI", "--district", "14.03") == 2
    assert not (tmp_path / "x" / "report.html").exists()
