"""The report's charts as inline SVG, drawn here so that the report needs nothing but itself.

Each function returns one `<svg>` element sized by its viewBox (it scales to the width it is
given and prints sharp). Text comes in both languages, `l-id` and `l-en`; the page's CSS
shows one of them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape

import pandas as pd

from rantai.monev.data import AGE_BUCKETS, LEVELS
from rantai.monev.labels import FUNNEL, LEVEL_LABELS, angka, persen, rupiah_short, short_region

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"
MONEY = "#0f6e7a"
WORKERS = "#c77c21"
COVERED = "#2f8f5b"
STALLED = "#c0392b"
WITHIN = "#8fb8c9"
AGE_COLOURS = ["#f7d67c", "#f0a04b", "#d9622b", "#8e2320"]
FONT = 13


def _text(x: float, y: float, text: str, **attrs: object) -> str:
    extra = "".join(
        f' {k.rstrip("_").replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items()
    )
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def _both(x: float, y: float, pair: tuple[str, str], **attrs: object) -> str:
    """The same label in Indonesian and English; CSS shows one."""
    cls = attrs.pop("class_", "")
    return _text(x, y, pair[0], class_=f"l-id {cls}".strip(), **attrs) + _text(
        x, y, pair[1], class_=f"l-en {cls}".strip(), **attrs
    )


def _svg(width: int, height: float, body: Sequence[str], title: tuple[str, str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}" fill="{INK}">'
        f"<title>{escape(title[0])} / {escape(title[1])}</title>" + "".join(body) + "</svg>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, **attrs: object) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" '
        f'fill="{fill}"{extra}/>'
    )


def funnel(program: dict[str, object]) -> str:
    """One programme's funnel: rupiah (left) and workers (right), each step against the first."""
    money_steps = ["allocated", "premiums_paid"]
    if program["funding_source"] == "BKBK":
        money_steps = [
            "allocated",
            "transferred_to_districts",
            "transferred_to_villages",
            "premiums_paid",
        ]
    worker_steps = ["workers_targeted", "workers_paid", "workers_active"]
    row, bar_h, top = 30, 20, 28
    height = top + row * max(len(money_steps), len(worker_steps)) + 6
    body = [
        _both(0, 16, ("Rupiah", "Rupiah"), font_weight="bold", fill=MONEY),
        _both(520, 16, ("Pekerja", "Workers"), font_weight="bold", fill=WORKERS),
    ]
    for x0, steps, colour, money in (
        (0, money_steps, MONEY, True),
        (520, worker_steps, WORKERS, False),
    ):
        whole = int(program[steps[0]]) or 1  # type: ignore[call-overload]
        label_w, bar_w = (192, 190) if money else (150, 200)
        for i, step in enumerate(steps):
            value = int(program[step])  # type: ignore[call-overload]
            y = top + i * row
            share = min(value / whole, 1.0)
            last = step in ("premiums_paid", "workers_active")
            fill = COVERED if (last and not money) else colour
            body.append(_both(x0, y + 15, FUNNEL[step], fill=INK))
            body.append(_rect(x0 + label_w, y + 1, bar_w, bar_h, GRID, rx=3))
            body.append(_rect(x0 + label_w, y + 1, bar_w * share, bar_h, fill, rx=3))
            shown = rupiah_short(value) if money else angka(value)
            body.append(
                _text(
                    x0 + label_w + bar_w + 8,
                    y + 15,
                    f"{shown}  {persen(value, whole) if i else ''}".rstrip(),
                    font_weight="bold" if i == 0 or last else "normal",
                )
            )
    return _svg(1000, height, body, ("Corong dana dan pekerja", "Money and workers funnel"))


def _nice_step(span: float, target_ticks: int = 5) -> float:
    raw = max(span, 1) / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def waiting_histogram(waiting: pd.DataFrame, stage_label: tuple[str, str]) -> str:
    """Days waiting of one stage's unfinished steps: within the SLA, stalled, and the SLA line."""
    width, height = 480, 210
    left, right, top, bottom = 40, 12, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [_both(0, 16, stage_label, font_weight="bold")]
    if waiting.empty:
        body.append(
            _both(
                left, top + plot_h / 2, ("Tidak ada yang menunggu", "Nothing waiting"), fill=MUTED
            )
        )
        return _svg(width, height, body, stage_label)
    days = waiting["days_waiting"].astype(int)
    slas = sorted(set(waiting["sla_days"].astype(int)))
    longest = max(int(days.max()), max(slas)) + 1
    bin_w = next((b for b in (7, 14, 15, 30, 60, 90) if longest / b <= 14), 180)
    bins = math.ceil(longest / bin_w)
    edges = [i * bin_w for i in range(bins + 1)]
    index = (days // bin_w).clip(upper=bins - 1)
    stalled = waiting["stalled"].astype(bool)
    within_counts = index[~stalled].value_counts().reindex(range(bins), fill_value=0)
    stalled_counts = index[stalled].value_counts().reindex(range(bins), fill_value=0)
    peak = int((within_counts + stalled_counts).max()) or 1
    step = _nice_step(peak, 4)
    y_max = step * math.ceil(peak / step)
    scale_x = plot_w / edges[-1]

    def y_of(count: float) -> float:
        return top + plot_h - plot_h * count / y_max

    tick = 0.0
    while tick <= y_max:
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(
            _text(left - 5, y + 4, angka(tick), text_anchor="end", fill=MUTED, font_size=11)
        )
        tick += step
    for i in range(bins):
        x = left + edges[i] * scale_x + 1
        w = bin_w * scale_x - 2
        n_within, n_stalled = int(within_counts[i]), int(stalled_counts[i])
        body.append(_rect(x, y_of(n_within), w, plot_h * n_within / y_max, WITHIN))
        body.append(_rect(x, y_of(n_within + n_stalled), w, plot_h * n_stalled / y_max, STALLED))
    label_every = max(1, math.ceil(bins / 7))
    for i, edge in enumerate(edges):
        if i % label_every == 0 or i == bins:
            body.append(
                _text(
                    left + edge * scale_x,
                    top + plot_h + 15,
                    str(edge),
                    text_anchor="middle",
                    fill=MUTED,
                    font_size=11,
                )
            )
    body.append(
        _both(
            left + plot_w,
            height - 3,
            ("hari menunggu", "days waiting"),
            text_anchor="end",
            fill=MUTED,
            font_size=11,
        )
    )
    for n, sla in enumerate(slas):
        x = left + sla * scale_x
        body.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{top + plot_h}" stroke="{INK}" '
            'stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        body.append(_text(x + 4, top + 8 + 13 * n, f"SLA {sla}", font_size=11, font_weight="bold"))
    return _svg(width, height, body, stage_label)


def money_at_rest(resting: pd.DataFrame) -> str:
    """Rupiah sitting at each level, split by how long it has sat there."""
    width, row, top = 1000, 46, 44
    label_w, bar_w = 150, 690
    totals = resting.groupby("level")["amount"].sum() if len(resting) else pd.Series(dtype="int64")
    peak = float(totals.max()) if len(totals) else 0.0
    height = top + row * len(LEVELS) + 4
    body = []
    x = float(label_w)
    body.append(_both(0, 14, ("Lama mengendap:", "Sitting for:"), fill=MUTED))
    for (_, label), colour in zip(AGE_BUCKETS, AGE_COLOURS, strict=True):
        body.append(_rect(x, 3, 14, 14, colour, rx=2))
        body.append(_both(x + 19, 14, (f"{label} hari", f"{label} days")))
        x += 130
    for i, level in enumerate(LEVELS):
        y = top + i * row
        body.append(_both(0, y + 21, LEVEL_LABELS[level], font_weight="bold"))
        mine = resting.loc[resting["level"] == level] if len(resting) else resting
        total = int(mine["amount"].sum()) if len(mine) else 0
        by_age = mine.groupby("age")["amount"].sum() if len(mine) else pd.Series(dtype="int64")
        x = float(label_w)
        body.append(_rect(label_w, y + 6, bar_w, 22, GRID, rx=3))
        for (_, label), colour in zip(AGE_BUCKETS, AGE_COLOURS, strict=True):
            amount = float(by_age.get(label, 0))
            w = bar_w * amount / peak if peak else 0
            if w > 0:
                body.append(_rect(x, y + 6, w, 22, colour))
                x += w
        units = mine["holder_code"].nunique() if len(mine) else 0
        body.append(_text(label_w + bar_w + 10, y + 17, rupiah_short(total), font_weight="bold"))
        body.append(
            _both(
                label_w + bar_w + 10,
                y + 32,
                (f"di {angka(units)} tempat", f"in {angka(units)} places"),
                fill=MUTED,
                font_size=11,
            )
        )
    return _svg(width, height, body, ("Dana mengendap", "Money at rest"))


def history(points: pd.DataFrame) -> str:
    """Workers in stalled steps at each run, with the number of stalled steps under each point."""
    width, height = 1000, 250
    left, right, top, bottom = 70, 30, 26, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    body = []
    if points.empty:
        body.append(
            _both(
                left,
                top + plot_h / 2,
                ("Belum ada riwayat run", "No runs recorded yet"),
                fill=MUTED,
            )
        )
        return _svg(width, height, body, ("Pekerja tanpa perlindungan", "Workers without cover"))
    dates = [d if isinstance(d, dt.date) else pd.Timestamp(d).date() for d in points["as_of"]]
    workers = [int(w) for w in points["workers"]]
    first, last = dates[0], dates[-1]
    span = max((last - first).days, 1)
    peak = max(workers) or 1
    step = _nice_step(peak, 4)
    y_max = step * math.ceil(peak / step)

    def x_of(day: dt.date) -> float:
        if len(dates) == 1:
            return left + plot_w / 2
        return left + plot_w * (day - first).days / span

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    tick = 0.0
    while tick <= y_max:
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(
            _text(left - 8, y + 4, angka(tick), text_anchor="end", fill=MUTED, font_size=11)
        )
        tick += step
    coords = [(x_of(d), y_of(w)) for d, w in zip(dates, workers, strict=True)]
    if len(coords) > 1:
        area = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        base = top + plot_h
        body.append(
            f'<polygon points="{coords[0][0]:.1f},{base} {area} {coords[-1][0]:.1f},{base}" '
            f'fill="{STALLED}" fill-opacity="0.12"/>'
        )
        body.append(
            f'<polyline points="{area}" fill="none" stroke="{STALLED}" stroke-width="2.5"/>'
        )
    labelled = _spaced([x for x, _ in coords], gap=80)
    for i, ((x, y), day, value, steps) in enumerate(
        zip(coords, dates, workers, points["open_steps"], strict=True)
    ):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{STALLED}"/>')
        if i in labelled:
            body.append(
                _text(
                    x, y - 9, angka(value), text_anchor="middle", font_weight="bold", font_size=12
                )
            )
            body.append(
                _text(
                    x,
                    top + plot_h + 16,
                    f"{day.day} {_SHORT_MONTHS[day.month - 1]}",
                    text_anchor="middle",
                    fill=MUTED,
                    font_size=11,
                )
            )
            body.append(
                _both(
                    x,
                    top + plot_h + 31,
                    (f"{angka(int(steps))} macet", f"{angka(int(steps))} stalled"),
                    text_anchor="middle",
                    fill=MUTED,
                    font_size=11,
                )
            )
    return _svg(width, height, body, ("Pekerja tanpa perlindungan", "Workers without cover"))


def _spaced(xs: Sequence[float], gap: float) -> set[int]:
    """Which points get a label: the last always, the others when they keep `gap` apart."""
    chosen: list[int] = []
    for i in reversed(range(len(xs))):
        if not chosen or xs[chosen[-1]] - xs[i] >= gap:
            chosen.append(i)
    return set(chosen)


_SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def worker_days(losses: pd.DataFrame, limit: int = 10) -> str:
    """The districts where stalls have cost the most worker-days without cover."""
    top_rows = losses.head(limit)
    row, top = 36, 4
    label_w, bar_w = 250, 400
    height = top + row * max(len(top_rows), 1) + 4
    body = []
    if top_rows.empty:
        body.append(_both(0, 20, ("Tidak ada langkah macet", "No stalled steps"), fill=MUTED))
        return _svg(1000, height, body, ("Hari-pekerja", "Worker-days"))
    peak = float(top_rows["worker_days"].max()) or 1.0
    for i, r in enumerate(top_rows.itertuples(index=False)):
        y = top + i * row
        w = bar_w * r.worker_days / peak
        name = short_region(r.district_name) if r.district_name else r.district_code
        body.append(_text(0, y + 14, name, font_weight="bold"))
        body.append(_text(0, y + 28, r.program_id, fill=MUTED, font_size=11))
        body.append(_rect(label_w, y + 5, w, 20, STALLED, rx=2))
        body.append(
            _both(
                label_w + w + 8,
                y + 20,
                (
                    f"{angka(r.worker_days)} hari-pekerja · {angka(r.workers)} pekerja",
                    f"{angka(r.worker_days)} worker-days · {angka(r.workers)} workers",
                ),
            )
        )
    return _svg(
        1000, height, body, ("Hari-pekerja tanpa perlindungan", "Worker-days without cover")
    )


EXPIRING = "#e0a526"


def _clipped(text: str, limit: int) -> str:
    """A label cut to `limit` characters with an ellipsis, so it stays left of its bar."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


LAPSED = STALLED


def protection(programs: pd.DataFrame, limit: int = 8) -> str:
    """Per programme, the workers promised (the whole bar) and what became of them today:
    covered beyond the next 30 days, covered but ending within 30 days, lapsed, and the rest
    (never covered yet). Programmes with the largest promise first."""
    rows = programs.head(limit)
    row, top = 44, 30
    label_w, bar_w = 260, 520
    height = top + row * max(len(rows), 1) + 4
    legend = [
        (COVERED, ("Terlindungi", "Covered")),
        (EXPIRING, ("Berakhir ≤ 30 hari", "Ending within 30 days")),
        (LAPSED, ("Putus", "Lapsed")),
        (GRID, ("Belum terlindungi", "Not covered yet")),
    ]
    body = []
    x = float(label_w)
    for colour, label in legend:
        body.append(_rect(x, 3, 14, 14, colour, rx=2))
        body.append(_both(x + 19, 14, label))
        x += 170
    if rows.empty:
        body.append(
            _both(0, top + 20, ("Belum ada angka perlindungan", "No protection figures yet"))
        )
        return _svg(1000, height, body, ("Dijanjikan dan terlindungi", "Promised and covered"))
    for i, r in enumerate(rows.itertuples(index=False)):
        y = top + i * row
        targeted = int(r.workers_targeted)
        covered, expiring, lapsed = (
            int(r.workers_covered),
            int(r.workers_expiring_30d),
            int(r.workers_lapsed),
        )
        whole = float(max(targeted, covered + lapsed, 1))
        body.append(
            _text(0, y + 16, _clipped(str(r.program_name or r.program_id), 32), font_weight="bold")
        )
        body.append(_text(0, y + 31, str(r.program_id), fill=MUTED, font_size=11))
        body.append(_rect(label_w, y + 6, bar_w, 24, GRID, rx=3))
        x = float(label_w)
        for value, colour in (
            (covered - expiring, COVERED),
            (expiring, EXPIRING),
            (lapsed, LAPSED),
        ):
            w = bar_w * max(value, 0) / whole
            if w > 0:
                body.append(_rect(x, y + 6, w, 24, colour))
                x += w
        body.append(
            _both(
                label_w + bar_w + 10,
                y + 17,
                (
                    f"{angka(covered)} dari {angka(targeted)} ({persen(covered, targeted)})",
                    f"{angka(covered)} of {angka(targeted)} ({persen(covered, targeted)})",
                ),
                font_weight="bold",
            )
        )
        body.append(
            _both(
                label_w + bar_w + 10,
                y + 32,
                (
                    f"{angka(lapsed)} putus · {angka(expiring)} berakhir ≤ 30 hari",
                    f"{angka(lapsed)} lapsed · {angka(expiring)} ending ≤ 30 days",
                ),
                fill=MUTED,
                font_size=11,
            )
        )
    return _svg(1000, height, body, ("Dijanjikan dan terlindungi", "Promised and covered"))
