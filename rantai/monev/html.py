"""report.html: one self-contained page (inline CSS and SVG, no scripts, nothing fetched) that
opens offline and prints on A4, in Indonesian with an English switch."""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from rantai.monev import charts
from rantai.monev.data import AGE_BUCKETS, LEVELS, Monev, display_name
from rantai.monev.labels import (
    BENEFITS,
    BLOCKING,
    CLAIM_STATUS,
    FUNDING,
    FUNNEL,
    GLOSSARY,
    LEVEL_LABELS,
    PROTECTION,
    RESPONSIBLE,
    SEVERITY,
    STAGES,
    angka,
    date_en,
    desa_called,
    persen,
    rupiah_short,
    tanggal,
)
from rantai.records import STAGE_ORDER
from rantai.regions import load_gazetteer
from rantai.report import rupiah

# The HTML shows the worst of the long tables; report.xlsx has every row.
STALLS_SHOWN = 60
LEAGUE_SHOWN = 12
RESTING_SHOWN = 8
FAILURES_SHOWN = 40
EXPIRING_SHOWN = 15


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("rantai.monev", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        rupiah=rupiah, short=rupiah_short, angka=angka, tanggal=tanggal, tanggal_short=_short_date
    )
    return env


def _short_date(day: Any) -> str:
    if day is None or (not isinstance(day, str) and pd.isna(day)):
        return "–"
    return tanggal(pd.Timestamp(day).date(), short=True)


def render_html(monev: Monev) -> str:
    """The report as one HTML document."""
    return _environment().get_template("report.html.j2").render(**_context(monev))


def _scope_label(monev: Monev, names: dict[str, str]) -> tuple[str, str]:
    parts_id, parts_en = [], []
    if monev.scope.program_id:
        parts_id.append(f"Program {monev.scope.program_id}")
        parts_en.append(f"Programme {monev.scope.program_id}")
    if monev.scope.province_code:
        name = display_name(names, monev.scope.province_code)
        parts_id.append(f"Provinsi {name}")
        parts_en.append(f"{name} province")
    if not parts_id:
        provinces = sorted({display_name(names, c) for c in monev.programs["province_code"]})
        parts_id.append("Semua program · " + ", ".join(provinces))
        parts_en.append("All programmes · " + ", ".join(provinces))
    return " · ".join(parts_id), " · ".join(parts_en)


def _kpis(monev: Monev) -> list[dict[str, Any]]:
    t = monev.totals
    allocated = t["allocated"]
    return [
        {
            "value": rupiah_short(allocated),
            "label": ("Dana dialokasikan", "Money allocated"),
            "note": (
                f"{persen(t['premiums_paid'], allocated)} sudah menjadi iuran",
                f"{persen(t['premiums_paid'], allocated)} paid as premiums",
            ),
            "tone": "money",
        },
        {
            "value": rupiah_short(t["money_at_rest"]),
            "label": ("Dana mengendap", "Money at rest"),
            "note": (
                "di provinsi, kabupaten/kota dan desa",
                "at province, districts and villages",
            ),
            "tone": "warn",
        },
        {
            "value": angka(t["workers_active"]),
            "label": ("Pekerja terlindungi", "Workers covered"),
            "note": (
                f"dari {angka(t['workers_targeted'])} target ({persen(t['workers_active'], t['workers_targeted'])})",
                f"of {angka(t['workers_targeted'])} targeted ({persen(t['workers_active'], t['workers_targeted'])})",
            ),
            "tone": "good",
        },
        {
            "value": angka(t["workers_in_stalls"]),
            "label": ("Pekerja di langkah macet", "Workers in stalled steps"),
            "note": (
                f"{angka(t['worker_days_lost'])} hari-pekerja tanpa perlindungan",
                f"{angka(t['worker_days_lost'])} worker-days without cover",
            ),
            "tone": "bad",
        },
        {
            "value": angka(t["stalled_steps"]),
            "label": ("Langkah macet", "Stalled steps"),
            "note": (
                f"{angka(t['critical_steps'])} kritis · {rupiah_short(t['amount_at_stake'])} tertahan",
                f"{angka(t['critical_steps'])} critical · {rupiah_short(t['amount_at_stake'])} held up",
            ),
            "tone": "bad",
        },
        {
            "value": f"{angka(t['villages_covered'])} / {angka(t['villages_with_money'])}",
            "label": ("Desa tuntas", "Villages done"),
            "note": (
                "desa yang menerima dana dan semua pekerjanya aktif",
                "villages with money and every worker paid for active",
            ),
            "tone": "good",
        },
    ]


def _findings(monev: Monev) -> list[tuple[str, str]]:
    """A few sentences for the top of the meeting: where the money waits, which step stalls
    most, the village to reward and the one to visit, and the trend since the last run."""
    findings = []
    resting = monev.money_at_rest
    if len(resting):
        by_level = resting.groupby("level")["amount"].sum()
        level = str(by_level.idxmax())
        mine = resting.loc[resting["level"] == level]
        total, places = int(mine["amount"].sum()), int(mine["holder_code"].nunique())
        old = persen(int(mine.loc[mine["days"] > 90, "amount"].sum()), total)
        where_id, where_en = {
            "province": ("di provinsi", "at the province"),
            "district": (f"di {angka(places)} kabupaten/kota", f"at {angka(places)} districts"),
            "village": (f"di {angka(places)} desa", f"in {angka(places)} villages"),
        }[level]
        findings.append(
            (
                f"{rupiah_short(total)} mengendap {where_id}; {old} di antaranya sudah lebih "
                "dari 90 hari.",
                f"{rupiah_short(total)} is at rest {where_en}; {old} of it for over 90 days.",
            )
        )
    stalls = monev.stalls
    if len(stalls):
        by_stage = stalls.groupby("stage").agg(
            steps=("unit_code", "size"), money=("amount_at_stake", "sum")
        )
        stage = str(by_stage["steps"].idxmax())
        row = by_stage.loc[stage]
        label = STAGES[stage]
        findings.append(
            (
                f"Tahap paling banyak macet: {label[0].lower()}, {angka(int(row['steps']))} "
                f"langkah, {rupiah_short(int(row['money']))} tertahan.",
                f"The step that stalls most: {label[1].lower()}, {angka(int(row['steps']))} "
                f"times, {rupiah_short(int(row['money']))} held up.",
            )
        )
    league = monev.league
    best = league.loc[league["fastest_rank"] == 1]
    if len(best):
        r = best.iloc[0]
        findings.append(
            (
                f"Tercepat: {desa_called(r['village_name'])} (Kec. {r['subdistrict_name']}, "
                f"{r['district_name']}), {r['days']} hari dari dana diterima sampai "
                f"{angka(r['workers_active'])} pekerja terlindungi.",
                f"Fastest: {r['village_name']} village ({r['subdistrict_name']}, "
                f"{r['district_name']}), {r['days']} days from money received to "
                f"{angka(r['workers_active'])} workers covered.",
            )
        )
    waiting = league.loc[league["stalled_stage"] != ""].sort_values("slowest_rank")
    if len(waiting):
        r = waiting.iloc[0]
        findings.append(
            (
                f"Perlu dikunjungi: {desa_called(r['village_name'])} (Kec. {r['subdistrict_name']}, "
                f"{r['district_name']}), {r['days']} hari sejak dana diterima, "
                f"{angka(r['workers_waiting'])} pekerja belum terlindungi.",
                f"To visit: {r['village_name']} village ({r['subdistrict_name']}, "
                f"{r['district_name']}), {r['days']} days since the money arrived, "
                f"{angka(r['workers_waiting'])} workers not covered.",
            )
        )
    history = monev.history
    if len(history) >= 2:
        before, now = history.iloc[-2], history.iloc[-1]
        day = before["as_of"]
        change = int(now["workers"]) - int(before["workers"])
        findings.append(
            (
                f"Sejak {tanggal(day)}: pekerja di langkah macet "
                f"{'turun' if change < 0 else 'naik' if change > 0 else 'tetap'} "
                f"dari {angka(before['workers'])} menjadi {angka(now['workers'])}.",
                f"Since {date_en(day)}: workers in stalled steps "
                f"{'down' if change < 0 else 'up' if change > 0 else 'unchanged'} "
                f"from {angka(before['workers'])} to {angka(now['workers'])}.",
            )
        )
    return findings


def _protection_cards(monev: Monev) -> list[dict[str, Any]]:
    """The Perlindungan section's headline cards: families without their benefit, claims,
    days to payment, covered today, lapsed and ending, months paid without cover."""
    t = monev.protection.totals
    unknown = int(t.get("failures_unknown_rupiah") or 0)
    unknown_note = (
        (f" + {angka(unknown)} JKK belum diketahui", f" + {angka(unknown)} JKK not known yet")
        if unknown
        else ("", "")
    )
    median, longest = t.get("median_days"), t.get("max_days")
    # Last year's programmes are counted in their successors' units: said where they are left out.
    earlier = int(t.get("programs_superseded") or 0)
    superseded = (
        (
            f" · tanpa {angka(earlier)} program tahun lalu",
            f" · last year's {angka(earlier)} programmes left out",
        )
        if earlier
        else ("", "")
    )
    return [
        {
            "value": angka(t.get("failures") or 0),
            "label": ("Keluarga tanpa manfaat", "Families without their benefit"),
            "note": (
                f"{rupiah_short(t.get('failure_rupiah') or 0)} manfaat{unknown_note[0]}",
                f"{rupiah_short(t.get('failure_rupiah') or 0)} in benefits{unknown_note[1]}",
            ),
            "tone": "bad",
        },
        {
            "value": angka(t.get("claims_filed") or 0),
            "label": ("Klaim diajukan", "Claims filed"),
            "note": (
                f"{angka(t.get('claims_paid') or 0)} dibayar · "
                f"{angka(t.get('claims_rejected') or 0)} ditolak · "
                f"{angka(t.get('claims_pending') or 0)} dalam proses "
                f"({angka(t.get('claims_pending_overdue') or 0)} lewat SLA)",
                f"{angka(t.get('claims_paid') or 0)} paid · "
                f"{angka(t.get('claims_rejected') or 0)} rejected · "
                f"{angka(t.get('claims_pending') or 0)} pending "
                f"({angka(t.get('claims_pending_overdue') or 0)} past the SLA)",
            ),
            "tone": "money",
        },
        {
            "value": "–" if median is None else f"{angka(median)}",
            "label": ("Hari sampai klaim dibayar (median)", "Days to payment (median)"),
            "note": (
                ("belum ada klaim dibayar", "no claim paid yet")
                if longest is None
                else (
                    f"terlama {angka(longest)} hari · {rupiah_short(t.get('benefits_paid') or 0)} dibayar",
                    f"longest {angka(longest)} days · {rupiah_short(t.get('benefits_paid') or 0)} paid",
                )
            ),
            "tone": "money",
        },
        {
            "value": angka(t.get("workers_covered") or 0),
            "label": ("Terlindungi hari ini", "Covered today"),
            "note": (
                f"dari {angka(t.get('workers_targeted') or 0)} dijanjikan "
                f"({persen(t.get('workers_covered') or 0, t.get('workers_targeted') or 0)})"
                f"{superseded[0]}",
                f"of {angka(t.get('workers_targeted') or 0)} promised "
                f"({persen(t.get('workers_covered') or 0, t.get('workers_targeted') or 0)})"
                f"{superseded[1]}",
            ),
            "tone": "good",
        },
        {
            "value": angka(t.get("workers_lapsed") or 0),
            "label": ("Perlindungan putus", "Cover lapsed"),
            "note": (
                f"{angka(t.get('workers_expiring_30d') or 0)} lagi berakhir dalam 30 hari",
                f"{angka(t.get('workers_expiring_30d') or 0)} more ending within 30 days",
            ),
            "tone": "warn",
        },
        {
            "value": rupiah_short(t.get("rupiah_unused") or 0),
            "label": ("Iuran tanpa perlindungan", "Premiums without cover"),
            "note": (
                f"{angka(t.get('months_unused') or 0)} bulan-pekerja dari "
                f"{angka(t.get('paid_worker_months') or 0)} yang dibayar",
                f"{angka(t.get('months_unused') or 0)} worker-months of "
                f"{angka(t.get('paid_worker_months') or 0)} paid",
            ),
            "tone": "warn",
        },
    ]


def _protection_findings(monev: Monev) -> list[tuple[str, str]]:
    """A few sentences for the top of the section: why families went without their benefit
    and who must act, the claims waiting past their SLA, the cover about to end, the premiums
    that bought no cover, and this year against last."""
    p, findings = monev.protection, []
    failures = p.failures
    if len(failures):
        rupiah = rupiah_short(int(p.totals.get("failure_rupiah") or 0))
        causes = failures.groupby(["blocking_stage", "responsible"], sort=False).size()
        (stage, who), count = causes.idxmax(), int(causes.max())
        stage_label = BLOCKING.get(str(stage), (str(stage),) * 2)
        who_label = RESPONSIBLE.get(str(who), (str(who),) * 2)
        if stage == "NONE":
            why = (
                f"{angka(count)} tanpa tahap rantai yang tertahan: perlu diperiksa bersama BPJS "
                "Ketenagakerjaan",
                f"{angka(count)} with no step of the chain held up: to be looked into with BPJS "
                "Ketenagakerjaan",
            )
        else:
            why = (
                f"{angka(count)} karena {stage_label[0].lower()} tertahan; harus bertindak: "
                f"{who_label[0].lower()}",
                f"{angka(count)} because the {stage_label[1].lower()} was held up; "
                f"{who_label[1].lower()} must act",
            )
        findings.append(
            (
                f"{angka(len(failures))} keluarga tidak mendapat manfaatnya ({rupiah}): {why[0]}.",
                f"{angka(len(failures))} families went without their benefit ({rupiah}): {why[1]}.",
            )
        )
    claims = p.claims
    late = claims.loc[claims["overdue"].astype(bool)] if len(claims) else claims
    if len(late):
        since = min(late["claim_date"])
        findings.append(
            (
                f"{angka(len(late))} klaim menunggu pembayaran melewati SLA; yang terlama "
                f"diajukan {tanggal(since)}.",
                f"{angka(len(late))} claims wait for payment past their SLA; the oldest was "
                f"filed on {date_en(since)}.",
            )
        )
    soon = p.expiring_units
    if len(soon):
        first = soon.iloc[0]
        place = first["unit_name"] or first["unit_code"]
        findings.append(
            (
                f"Perlindungan {angka(len(p.expiring))} pekerja di {angka(len(soon))} desa/unit "
                f"berakhir dalam 30 hari; paling awal {place}, {tanggal(first['first_end'])}.",
                f"The cover of {angka(len(p.expiring))} workers in {angka(len(soon))} "
                f"villages/units ends within 30 days; first {place}, "
                f"{date_en(first['first_end'])}.",
            )
        )
    units = p.units
    unused = int(p.totals.get("rupiah_unused") or 0)
    if unused > 0:
        worst = units.sort_values(["rupiah_unused", "unit_code"], ascending=[False, True]).iloc[0]
        place = worst["unit_name"] or worst["unit_code"]
        months = angka(int(p.totals.get("months_unused") or 0))
        findings.append(
            (
                f"{rupiah_short(unused)} iuran membayar {months} bulan-pekerja yang tidak tercatat "
                f"aktif di BPJS; terbanyak di {place} ({rupiah_short(int(worst['rupiah_unused']))}).",
                f"{rupiah_short(unused)} of premiums paid for {months} worker-months BPJS does "
                f"not show as cover; most in {place} ({rupiah_short(int(worst['rupiah_unused']))}).",
            )
        )
    if len(p.year_on_year) and p.last_year is not None:
        for program_id, rows in p.year_on_year.groupby("program_id", sort=True):
            before = int(rows["workers_covered_before"].sum())
            now = int(rows["workers_covered_now"].sum())
            name = rows["program_name"].iloc[0] or program_id
            findings.append(
                (
                    f"{name}: {angka(now)} pekerja terlindungi, setahun lalu "
                    f"({tanggal(p.last_year)}) {angka(before)}.",
                    f"{name}: {angka(now)} workers covered; a year ago "
                    f"({date_en(p.last_year)}) {angka(before)}.",
                )
            )
    return findings


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A table's rows for the template, an unknown value (NA, NaT) as None."""
    if frame.empty:
        return []
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def _protection_context(monev: Monev) -> dict[str, Any]:
    """What the Perlindungan section shows: its cards, the failures, the claims, promised
    against covered per programme and district, the units whose cover ends soonest, and this
    year against last."""
    p = monev.protection
    failures = p.failures.head(FAILURES_SHOWN)
    districts = p.districts.to_dict(orient="records")
    programs = []
    for program in p.programs.to_dict(orient="records"):
        program["districts"] = [d for d in districts if d["program_id"] == program["program_id"]]
        programs.append(program)
    expiring = p.expiring_units.head(EXPIRING_SHOWN)
    year = p.year_on_year
    year_groups = [
        {
            "program_id": program_id,
            "program_name": rows["program_name"].iloc[0],
            "predecessor_id": rows["predecessor_id"].iloc[0],
            "predecessor_name": rows["predecessor_name"].iloc[0],
            "rows": rows.to_dict(orient="records"),
            "total": {
                c: int(rows[c].sum()) for c in rows.columns if c.endswith(("_before", "_now"))
            },
        }
        for program_id, rows in year.groupby("program_id", sort=True)
    ]
    claims = _records(p.claim_summary)
    return {
        "cards": _protection_cards(monev),
        "findings": _protection_findings(monev),
        "totals": p.totals,
        "failures": _records(failures),
        "failures_total": len(p.failures),
        "failures_shown": len(failures),
        "has_claims": len(p.claims) > 0,
        "claims": claims,
        "has_protection": len(p.units) > 0,
        "superseded": list(p.superseded),
        "programs": programs,
        "chart": Markup(charts.protection(p.programs)),
        "expiring": _records(expiring),
        "expiring_total": len(p.expiring_units),
        "expiring_workers": len(p.expiring),
        "year_groups": year_groups,
        "last_year_id": tanggal(p.last_year) if p.last_year else "",
        "last_year_en": date_en(p.last_year) if p.last_year else "",
        "labels": PROTECTION,
        "benefits": BENEFITS,
        "blocking": BLOCKING,
        "responsible": RESPONSIBLE,
        "claim_status": CLAIM_STATUS,
    }


def _heatmap(monev: Monev, stages: list[str]) -> list[dict[str, Any]]:
    """Rows of the delays table: per (programme, district), each stage's median wait vs its SLA."""
    rows = []
    delays = monev.delays
    for (program_id, district), group in delays.groupby(
        ["program_id", "district_code"], sort=False
    ):
        cells: list[dict[str, Any] | None] = []
        by_stage = group.set_index("stage")
        for stage in stages:
            if stage not in by_stage.index:
                cells.append(None)
                continue
            r = by_stage.loc[stage]
            ratio = float(r["median_days"]) / max(int(r["sla_days"]), 1)
            tone = (
                "ok" if ratio <= 1 else "late" if ratio <= 2 else "bad" if ratio <= 4 else "worst"
            )
            cells.append(
                {
                    "median": int(r["median_days"]),
                    "max": int(r["max_days"]),
                    "waiting": int(r["waiting"]),
                    "stalled": int(r["stalled"]),
                    "sla": int(r["sla_days"]),
                    "tone": tone,
                }
            )
        rows.append(
            {
                "program_id": program_id,
                "district": group["district_name"].iloc[0] or district,
                "code": district,
                "cells": cells,
            }
        )
    return rows


def _context(monev: Monev) -> dict[str, Any]:
    names = load_gazetteer().names
    scope_id, scope_en = _scope_label(monev, names)
    # The biggest programme first: it is what the meeting is about.
    programs = monev.programs.sort_values(
        ["allocated", "program_id"], ascending=[False, True]
    ).to_dict(orient="records")
    for program in programs:
        program["svg"] = Markup(charts.funnel(program))
        program["funding"] = FUNDING.get(
            str(program["funding_source"]), (program["funding_source"],) * 2
        )
    stages = [s for s in STAGE_ORDER if s in set(monev.waiting["stage"])] or list(STAGE_ORDER)
    histograms = [
        Markup(charts.waiting_histogram(monev.waiting.loc[monev.waiting["stage"] == s], STAGES[s]))
        for s in stages
    ]
    resting = monev.money_at_rest
    resting_by_level = []
    for level in LEVELS:
        mine = resting.loc[resting["level"] == level]
        resting_by_level.append(
            {
                "label": LEVEL_LABELS[level],
                "amount": int(mine["amount"].sum()),
                "places": int(mine["holder_code"].nunique()),
                "ages": [
                    int(mine.loc[mine["age"] == label, "amount"].sum()) for _, label in AGE_BUCKETS
                ],
                "oldest": int(mine["days"].max()) if len(mine) else 0,
            }
        )
    resting_groups = []
    for level in LEVELS:
        # Big sums that have sat long first: a day-old transfer is not yet a problem.
        mine = resting.loc[resting["level"] == level]
        largest = mine.assign(_weight=mine["amount"] * mine["days"]).sort_values(
            ["_weight", "amount"], ascending=False
        )
        rows = [
            {
                "holder": display_name(names, r.holder_code) or r.holder_code,
                "code": r.holder_code,
                "district": display_name(names, r.district_code) if level != "district" else "",
                "program_id": r.program_id,
                "amount": int(r.amount),
                "since": r.since,
                "days": int(r.days),
            }
            for r in largest.head(RESTING_SHOWN).itertuples(index=False)
        ]
        if rows:
            resting_groups.append(
                {"label": LEVEL_LABELS[level], "rows": rows, "more": len(largest) - len(rows)}
            )
    league = monev.league
    fastest = (
        league.loc[league["fastest_rank"].notna()].sort_values("fastest_rank").head(LEAGUE_SHOWN)
    )
    slowest = league.sort_values("slowest_rank").head(LEAGUE_SHOWN)
    stalls = monev.stalls.head(STALLS_SHOWN)
    history = monev.history
    return {
        "as_of_id": tanggal(monev.as_of),
        "as_of_en": date_en(monev.as_of),
        "as_of_iso": monev.as_of.isoformat(),
        "scope_id": scope_id,
        "scope_en": scope_en,
        "perlindungan": _protection_context(monev),
        "kpis": _kpis(monev),
        "findings": _findings(monev),
        "totals": monev.totals,
        "programs": programs,
        "funnel_labels": FUNNEL,
        "districts": monev.districts.to_dict(orient="records"),
        "district_totals": {
            c: int(monev.districts[c].sum()) for c in FUNNEL if c in monev.districts
        },
        "stages": stages,
        "stage_labels": STAGES,
        "responsible_labels": RESPONSIBLE,
        "histograms": histograms,
        "heatmap": _heatmap(monev, stages),
        "resting_svg": Markup(charts.money_at_rest(resting)),
        "resting_by_level": resting_by_level,
        "age_labels": [label for _, label in AGE_BUCKETS],
        "resting_groups": resting_groups,
        "history_svg": Markup(charts.history(history)),
        "history": history.to_dict(orient="records"),
        "losses_svg": Markup(charts.worker_days(monev.losses)),
        "fastest": fastest.to_dict(orient="records"),
        "slowest": slowest.to_dict(orient="records"),
        "league_size": len(league),
        "stalls": _records(stalls),
        "stalls_total": len(monev.stalls),
        "stalls_shown": len(stalls),
        "severity": SEVERITY,
        "glossary": GLOSSARY,
    }
