"""Who is enrolled, and when each worker was covered: the facts contract v2's rules count.

Built once per evaluation from the records known on its date, as integers: each enrolled
(programme, worker) is one int64 key, each NIK one int64 (`rantai.chain.nik_ids`), and cover
episodes are days. The stage rules (`rantai.stages`) and the protection figures
(`rantai.protection`) both read this, so "activated", "covered on a day" and "months of cover"
are worked out in one place. Vectorised: a national run has millions of workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rantai.chain import episode_months, merge_episodes, nik_ids, unit_of_worker, worker_keys
from rantai.records import CoverageStatus

_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Cover:
    """Enrolled workers and their AKTIF cover episodes.

    `workers`: one row per enrolled (programme, NIK): program (position in `program_ids`),
    key (int64, one per programme and worker), nik (int64), village_code, unit_code,
    registered (datetime64[D]).
    `episodes`: AKTIF coverage rows of enrolled workers: key, program, nik, start, end
    (datetime64[D]); a coverage row counts only for an enrolled worker.
    `aktif`: every AKTIF coverage row, of any programme, enrolled or not: nik, program, start,
    end (a protection failure asks whether the NIK had any cover at all).
    `claim_niks`: the claims' NIKs as the same integers.
    """

    program_ids: pd.Index
    workers: pd.DataFrame
    episodes: pd.DataFrame
    aktif: pd.DataFrame
    claim_niks: np.ndarray[Any, Any]

    def key_of(self, programs: np.ndarray[Any, Any], niks: np.ndarray[Any, Any]) -> np.ndarray:
        """The worker key of (programme position, NIK id) pairs, as `workers.key` has it."""
        packed = worker_keys([programs], [niks])
        assert packed is not None
        return packed[0]


def cover_of(
    enrollments: pd.DataFrame,
    coverage: pd.DataFrame,
    claims: pd.DataFrame,
    programs: pd.DataFrame,
) -> Cover:
    """The enrolled workers and their cover from typed records (see `Cover`)."""
    program_ids = pd.Index(programs["program_id"])
    enrolled_program = program_ids.get_indexer(enrollments["program_id"])
    covered_program = program_ids.get_indexer(coverage["program_id"])
    enrolled_nik, covered_nik, claim_nik = nik_ids(
        enrollments["nik"], coverage["nik"], claims["nik"]
    )
    packed = worker_keys([enrolled_program, covered_program], [enrolled_nik, covered_nik])
    if packed is None:  # more programmes than int64 keys can hold: never at any real scale
        raise ValueError(f"{len(program_ids)} programmes are too many to evaluate at once")
    enrolled_key, covered_key = packed
    # One enrolment per (programme, worker), the last delivered; a programme not in the
    # programs frame has nothing to be judged by.
    kept = (~pd.Series(enrolled_key).duplicated(keep="last") & (enrolled_program >= 0)).to_numpy()
    funding = programs["funding_source"].to_numpy(dtype=object)
    village = enrollments["village_code"].astype(str).to_numpy(dtype=object)[kept]
    workers = pd.DataFrame(
        {
            "program": enrolled_program[kept],
            "key": enrolled_key[kept],
            "nik": enrolled_nik[kept],
            "village_code": village,
            "registered": np.asarray(enrollments["registered_date"], dtype="datetime64[D]")[kept],
        }
    )
    workers["unit_code"] = unit_of_worker(
        workers["village_code"], pd.Series(funding[workers["program"].to_numpy()])
    ).to_numpy(dtype=object)

    aktif_row = coverage["status"].astype(str).to_numpy(dtype=object) == CoverageStatus.AKTIF.value
    start = np.asarray(coverage["coverage_start"], dtype="datetime64[D]")
    end = np.asarray(coverage["coverage_end"], dtype="datetime64[D]")
    aktif = pd.DataFrame(
        {
            "nik": covered_nik[aktif_row],
            "program": covered_program[aktif_row],
            "key": covered_key[aktif_row],
            "start": start[aktif_row],
            "end": end[aktif_row],
        }
    )
    of_enrolled = aktif["key"].isin(workers["key"]).to_numpy() & (aktif["program"] >= 0).to_numpy()
    episodes = aktif.loc[of_enrolled].reset_index(drop=True)
    return Cover(
        program_ids=program_ids,
        workers=workers,
        episodes=episodes,
        aktif=aktif.drop(columns="key"),
        claim_niks=claim_nik,
    )


def merged(keys: np.ndarray[Any, Any], starts: Any, ends: Any) -> pd.DataFrame:
    """Episodes per key merged where they overlap or touch (`rantai.chain.merge_episodes`),
    with the keys that have one episode passed through untouched (most workers do)."""
    frame = pd.DataFrame(
        {
            "key": keys,
            "start": np.asarray(starts, "datetime64[D]"),
            "end": np.asarray(ends, "datetime64[D]"),
        }
    )
    repeated = frame["key"].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return frame.sort_values(["key", "start"], kind="stable").reset_index(drop=True)
    many = frame.loc[repeated]
    joined = merge_episodes(many["key"].to_numpy(), many["start"], many["end"])
    together = pd.concat([frame.loc[~repeated], joined], ignore_index=True)
    together["start"] = together["start"].astype("datetime64[s]")
    together["end"] = together["end"].astype("datetime64[s]")
    return together.sort_values(["key", "start"], kind="stable").reset_index(drop=True)


def months_per_key(episodes: pd.DataFrame) -> pd.Series:
    """Months of cover per key: its episodes merged, then each merged episode's months."""
    if episodes.empty:
        return pd.Series(dtype="int64")
    joined = merged(episodes["key"].to_numpy(), episodes["start"], episodes["end"])
    months = episode_months(joined["start"], joined["end"])
    return pd.Series(months, index=joined["key"].to_numpy()).groupby(level=0).sum()


def containing(episodes: pd.DataFrame, day: np.datetime64 | np.ndarray[Any, Any]) -> np.ndarray:
    """Which episodes contain `day` (one day, or one per episode)."""
    start = np.asarray(episodes["start"], "datetime64[D]")
    end = np.asarray(episodes["end"], "datetime64[D]")
    day = np.asarray(day, "datetime64[D]")
    return (start <= day) & (day <= end)


def uncovered_days(units: pd.DataFrame, cover: pd.DataFrame) -> np.ndarray[Any, Any]:
    """Per unit row (unit, first, last, target): the sum over each day from `first` to `last`
    (both counted) of max(0, target - workers covered that day), where `cover` holds merged
    episodes (unit, start, end) of distinct workers. A sweep over the episodes' start and end
    days, not a row per worker per day. A unit with last < first has 0."""
    n = len(units)
    first = np.asarray(units["first"], "datetime64[D]")
    last = np.asarray(units["last"], "datetime64[D]")
    target = units["target"].to_numpy(dtype=np.int64)
    valid = ~np.isnat(first) & ~np.isnat(last) & (last >= first)
    result = np.zeros(n, dtype=np.int64)
    if not valid.any():
        return result
    row = cover["unit"].to_numpy(dtype=np.int64)
    start = np.maximum(np.asarray(cover["start"], "datetime64[D]"), first[row])
    end = np.minimum(np.asarray(cover["end"], "datetime64[D]"), last[row])
    inside = valid[row] & (start <= end)
    row, start, end = row[inside], start[inside], end[inside]
    rows = np.flatnonzero(valid)
    # Each unit's window opens (change 0) and closes the day after its last (change 0);
    # each episode adds a worker on its first day and takes one away the day after its last.
    events = pd.DataFrame(
        {
            "unit": np.concatenate([rows, rows, row, row]),
            "day": np.concatenate([first[rows], last[rows] + _DAY, start, end + _DAY]),
            "change": np.concatenate(
                [
                    np.zeros(2 * len(rows), np.int64),
                    np.ones(len(row), np.int64),
                    -np.ones(len(row), np.int64),
                ]
            ),
        }
    )
    by_day = events.groupby(["unit", "day"], sort=True)["change"].sum().reset_index()
    level = by_day.groupby("unit", sort=False)["change"].cumsum().to_numpy()
    unit = by_day["unit"].to_numpy()
    day = by_day["day"].to_numpy().astype("datetime64[D]")
    length = np.zeros(len(by_day), dtype=np.int64)
    same = unit[1:] == unit[:-1]
    length[:-1] = np.where(same, (day[1:] - day[:-1]).astype(np.int64), 0)
    missing = np.maximum(target[unit] - level, 0) * length
    np.add.at(result, unit, missing)
    return result
