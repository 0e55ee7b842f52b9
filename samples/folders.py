"""A province's or the demo's input folder: the public entry points."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from rantai.records import SOURCES
from rantai.regions import load_gazetteer
from samples.bad_rows import BAD_ROWS_BY_FUNDING, BadRows
from samples.corrections import corrected_delivery
from samples.days import DEMO_AS_OF
from samples.render import render_source
from samples.story import OPTIONAL_SOURCES, Story, province_story


def generate_province(
    province_code: str, seed: int, as_of: dt.date, *, with_bad_rows: bool = True
) -> dict[str, pd.DataFrame]:
    """A province's contract input as CSV text, one frame per source (see the module docstring).

    Deterministic for a seed. Jambi (`15`) and Riau (`14`) tell the fixed 2025 story; any other
    province gets a BKBK, an APBD and an APBDES programme as far as it has desa for them.
    Records dated after `as_of` are left out; `with_bad_rows=False` leaves out the bad rows.
    """
    province = str(province_code).strip()
    if len(province) != 2 or province not in load_gazetteer():
        raise ValueError(f"{province_code!r} is not a province code in the gazetteer")
    return story_frames(province_story(province, seed, as_of), seed, with_bad_rows=with_bad_rows)


def story_frames(
    story: Story, seed: int, *, with_bad_rows: bool = True, changed: float = 0.0
) -> dict[str, pd.DataFrame]:
    """A story's records as CSV text with its bad rows among them; `changed` of the records
    corrected, as a later delivery of the same sources would carry them."""
    province = story.province
    render_rng, bad_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence([seed, int(province), 1]).spawn(2)
    )
    typed = story.typed
    if changed:
        change_rng = np.random.default_rng(np.random.SeedSequence([seed, int(province), 2]))
        typed = corrected_delivery(typed, changed, change_rng)
    frames = {name: render_source(name, typed[name], render_rng) for name in SOURCES}
    if not with_bad_rows:
        return frames
    bad = BadRows(story, bad_rng)
    for plan in story.plans:
        if plan.bad_rows:
            BAD_ROWS_BY_FUNDING[plan.funding](bad, plan)
    for name, rows in bad.rows.items():
        if not rows:
            continue
        frame = frames[name]
        extra = pd.DataFrame(rows, columns=SOURCES[name].columns).astype(str)
        # Bad rows sit among the good ones, as they do in a real submission.
        position = np.concatenate([np.arange(len(frame)), bad_rng.random(len(extra)) * len(frame)])
        combined = pd.concat([frame, extra], ignore_index=True)
        frames[name] = combined.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)
    return frames


DEMO_PROVINCES = ("15", "14", "64")


def generate_demo(seed: int = 2025, as_of: dt.date = DEMO_AS_OF) -> dict[str, pd.DataFrame]:
    """The demo, as delivered on `as_of`: Jambi's BKBK of 2024 and 2025, Riau's APBD
    (Indragiri Hilir 2024 and 2025, Bengkalis) and APBDES (Indragiri Hulu) and Kalimantan
    Timur's village programme of 2024, in one set of frames."""
    frames = [generate_province(p, seed, as_of) for p in DEMO_PROVINCES]
    return {name: pd.concat([f[name] for f in frames], ignore_index=True) for name in SOURCES}


def write_folder(frames: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write one UTF-8 CSV per source with the contract's columns; return the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, source in SOURCES.items():
        if name not in frames or (name in OPTIONAL_SOURCES and frames[name].empty):
            continue
        path = out_dir / f"{name}.csv"
        frames[name][source.columns].to_csv(
            path, index=False, encoding="utf-8", lineterminator="\n"
        )
        paths.append(path)
    return paths
