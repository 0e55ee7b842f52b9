"""Who is enrolled, and when each worker was covered: the facts contract v2's rules count.

Built once per evaluation from the records known on its date, as integers: each enrolled
(programme, worker) is one int64 key, each NIK one int64 (`rantai.chain.nik_ids`), villages
and units are positions in their own small arrays, and cover episodes are days. The stage
rules (`rantai.stages`) and the protection figures (`rantai.protection`) both read this, so
"activated", "covered on a day" and "months of cover" are worked out in one place. Vectorised:
a national run has millions of workers, and grouping them by strings costs seconds where
grouping by integers costs a fraction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from rantai.chain import episode_months, merge_episodes, nik_ids, unit_of_worker, worker_keys
from rantai.records import CoverageStatus

Array = np.ndarray[Any, Any]

_DAY = np.timedelta64(1, "D")


def member(values: Array, pool: Array) -> Array:
    """Which of `values` are in `pool` (integers), by pandas' hash table: on millions of
    NIK-sized keys many times faster than numpy's `isin` or a sorted search."""
    if not len(values) or not len(pool):
        return np.zeros(len(values), dtype=bool)
    return pd.Series(np.asarray(values), copy=False).isin(np.asarray(pool)).to_numpy(copy=True)


def grouped(keys: Array) -> tuple[Array, Array]:
    """Integer keys as (distinct keys, each key's position among them), by hashing."""
    codes, distinct = pd.factorize(np.asarray(keys))
    return np.asarray(distinct), np.asarray(codes, dtype=np.int64)


def days(values: Any) -> Array:
    """Dates as numpy days."""
    return np.asarray(values, dtype="datetime64[D]")


@dataclass(frozen=True)
class Cover:
    """Enrolled workers and their AKTIF cover episodes.

    `workers`: one row per enrolled (programme, NIK), the last delivered: program (position in
    `program_ids`), key (int64, one per programme and worker), nik (int64), village (position
    in `villages`), unit (position in `units`: the village, or its district for APBD),
    registered (days).
    `episodes`: AKTIF coverage rows of enrolled workers: key, program, nik, start, end (days);
    a coverage row counts only for an enrolled worker.
    `aktif`: every AKTIF coverage row, of any programme, enrolled or not: nik, program, start,
    end (a protection failure asks whether the NIK had any cover at all).
    `claim_niks`: the claims' NIKs as the same integers.
    """

    program_ids: pd.Index
    villages: Array
    units: Array
    workers: pd.DataFrame
    episodes: pd.DataFrame
    aktif: pd.DataFrame
    claim_niks: Array
    _memo: dict[Any, Array] = field(default_factory=dict, compare=False, repr=False)

    def key_of(self, programs: Array, niks: Array) -> Array:
        """The worker key of (programme position, NIK id) pairs, as `workers.key` has it."""
        packed = worker_keys([programs], [niks])
        assert packed is not None
        return packed[0]

    @cached_property
    def spans(self) -> pd.DataFrame:
        """Each worker's episodes merged where they overlap or touch: key, start, end."""
        return merged(self.episodes["key"].to_numpy(), self.episodes["start"], self.episodes["end"])

    @cached_property
    def activated(self) -> Array:
        """Per worker row: an AKTIF episode in its programme has started (by the date)."""
        return member(self.workers["key"].to_numpy(), self.episodes["key"].to_numpy())

    @cached_property
    def months(self) -> Array:
        """Per worker row: months of cover in its programme (merged episodes' months)."""
        spans = self.spans
        return per_key(
            self.workers["key"].to_numpy(),
            spans["key"].to_numpy(),
            episode_months(spans["start"], spans["end"]),
        )

    def covered_on(self, day: np.datetime64) -> Array:
        """Per worker row: an AKTIF episode in its programme contains `day`."""
        found = self._memo.get(day)
        if found is None:
            spans = self.spans
            holding = spans["key"].to_numpy()[containing(spans, day)]
            found = self._memo[day] = member(self.workers["key"].to_numpy(), holding)
        return found

    def place_keys(self, program_id: pd.Series, unit_code: pd.Series) -> Array:
        """One int64 per (programme, unit) as `unit_keys` numbers the workers' own; -1 where
        the programme or the unit has no enrolled worker, so that it matches no worker."""
        program = self.program_ids.get_indexer(program_id)
        unit = pd.Index(self.units).get_indexer(unit_code)
        return np.where((program >= 0) & (unit >= 0), self.unit_keys(program, unit), -1)

    def unit_keys(self, program: Array, unit: Array) -> Array:
        """One int64 per (programme position, unit position)."""
        width = max(len(self.units), 1)
        return np.asarray(program, dtype=np.int64) * width + np.asarray(unit, dtype=np.int64)

    def by_unit(self, values: dict[str, Array]) -> pd.DataFrame:
        """Sums of per-worker values per (program_id, unit_code)."""
        return sums(
            self.workers["program"].to_numpy(),
            self.workers["unit"].to_numpy(),
            self.program_ids,
            self.units,
            values,
            ("program_id", "unit_code"),
        )

    def by_village(self, values: dict[str, Array]) -> pd.DataFrame:
        """Sums of per-worker values per (program_id, village_code)."""
        return sums(
            self.workers["program"].to_numpy(),
            self.workers["village"].to_numpy(),
            self.program_ids,
            self.villages,
            values,
            ("program_id", "village_code"),
        )


def sums(
    program: Array,
    place: Array,
    program_ids: pd.Index,
    places: Array,
    values: dict[str, Array],
    names: tuple[str, str],
) -> pd.DataFrame:
    """Integer sums per (programme, place) of aligned per-row values, by integer codes."""
    width = max(len(places), 1)
    combined = program.astype(np.int64) * width + place.astype(np.int64)
    groups, inverse = grouped(combined)
    out = {
        name: np.bincount(inverse, weights=np.asarray(v, dtype=np.float64), minlength=len(groups))
        .round()
        .astype(np.int64)
        for name, v in values.items()
    }
    index = pd.MultiIndex.from_arrays(
        [
            program_ids.to_numpy()[groups // width] if len(groups) else np.array([], dtype=object),
            np.asarray(places, dtype=object)[groups % width]
            if len(groups)
            else np.array([], dtype=object),
        ],
        names=list(names),
    )
    return pd.DataFrame(out, index=index)


def per_key(keys: Array, span_keys: Array, values: Array) -> Array:
    """Per key in `keys`: the sum of `values` over the rows of `span_keys` equal to it."""
    if not len(span_keys):
        return np.zeros(len(keys), dtype=np.int64)
    distinct, inverse = grouped(span_keys)
    totals = np.bincount(inverse, weights=np.asarray(values, dtype=np.float64)).round()
    position = pd.Index(distinct).get_indexer(keys)
    return np.where(position >= 0, totals[position], 0).astype(np.int64)


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
    village, villages = pd.factorize(enrollments["village_code"].to_numpy(dtype=object)[kept])
    villages = np.asarray(villages, dtype=object)
    program = enrolled_program[kept]
    unit, units = _units_of(program, village, villages, programs)
    workers = pd.DataFrame(
        {
            "program": program,
            "key": enrolled_key[kept],
            "nik": enrolled_nik[kept],
            "village": village,
            "unit": unit,
            "registered": days(enrollments["registered_date"])[kept],
        }
    )

    aktif_row = coverage["status"].to_numpy(dtype=object) == CoverageStatus.AKTIF.value
    aktif = pd.DataFrame(
        {
            "nik": covered_nik[aktif_row],
            "program": covered_program[aktif_row],
            "key": covered_key[aktif_row],
            "start": days(coverage["coverage_start"])[aktif_row],
            "end": days(coverage["coverage_end"])[aktif_row],
        }
    )
    of_enrolled = member(aktif["key"].to_numpy(), workers["key"].to_numpy()) & (
        aktif["program"].to_numpy() >= 0
    )
    return Cover(
        program_ids=program_ids,
        villages=villages,
        units=units,
        workers=workers,
        episodes=aktif.loc[of_enrolled].reset_index(drop=True),
        aktif=aktif.drop(columns="key"),
        claim_niks=claim_nik,
    )


def _units_of(
    program: Array, village: Array, villages: Array, programs: pd.DataFrame
) -> tuple[Array, Array]:
    """Each worker's unit as a position in the distinct unit codes, worked out once per
    (programme, village) pair (`rantai.chain.unit_of_worker`)."""
    width = max(len(villages), 1)
    pairs, inverse = grouped(program.astype(np.int64) * width + village)
    funding = programs["funding_source"].to_numpy(dtype=object)[pairs // width]
    codes = unit_of_worker(
        pd.Series(villages[pairs % width], dtype=object), pd.Series(funding, dtype=object)
    )
    unit, units = pd.factorize(codes.to_numpy(dtype=object))
    return np.asarray(unit, dtype=np.int64)[inverse], np.asarray(units, dtype=object)


def merged(keys: Array, starts: Any, ends: Any) -> pd.DataFrame:
    """Episodes per key merged where they overlap or touch (`rantai.chain.merge_episodes`),
    with the keys that have one episode passed through untouched (most workers do)."""
    frame = pd.DataFrame({"key": keys, "start": days(starts), "end": days(ends)})
    repeated = frame["key"].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return frame
    many = frame.loc[repeated]
    joined = merge_episodes(many["key"].to_numpy(), many["start"], many["end"])
    joined = pd.DataFrame(
        {
            "key": joined["key"].to_numpy(),
            "start": days(joined["start"]),
            "end": days(joined["end"]),
        }
    )
    return pd.concat([frame.loc[~repeated], joined], ignore_index=True)


def containing(episodes: pd.DataFrame, day: np.datetime64 | Array) -> Array:
    """Which episodes contain `day` (one day, or one per episode)."""
    start, end = days(episodes["start"]), days(episodes["end"])
    day = days(day)
    return (start <= day) & (day <= end)


# Days are counted from this offset so that every date from 1900 to 2099 is a small
# non-negative integer, and (unit, day) packs into one int64.
_EPOCH = np.datetime64("1899-12-31", "D")
_DAY_BITS = 17


def uncovered_days(units: pd.DataFrame, cover: pd.DataFrame) -> Array:
    """Per unit row (first, last, target): the sum over each day from `first` to `last`
    (both counted) of max(0, target - workers covered that day), where `cover` holds merged
    episodes (unit: the row's position, start, end) of distinct workers. A unit with
    last < first has 0.

    Where a unit has no more episodes than its target, no day can have more workers covered
    than targeted, so the sum is target x days less the covered worker-days. Other units are
    swept over their episodes' start and end days: never a row per worker per day."""
    n = len(units)
    first, last = days(units["first"]), days(units["last"])
    target = units["target"].to_numpy(dtype=np.int64)
    valid = ~np.isnat(first) & ~np.isnat(last) & (last >= first)
    result = np.zeros(n, dtype=np.int64)
    if not valid.any():
        return result
    row = cover["unit"].to_numpy(dtype=np.int64)
    start = np.maximum(days(cover["start"]), first[row])
    end = np.minimum(days(cover["end"]), last[row])
    inside = valid[row] & (start <= end)
    row, start, end = row[inside], start[inside], end[inside]
    window = np.where(valid, (last - first).astype(np.int64) + 1, 0)
    covered = np.bincount(row, weights=(end - start).astype(np.float64) + 1, minlength=n)
    episodes = np.bincount(row, minlength=n)
    result = np.where(valid, target * window - covered.round().astype(np.int64), 0)
    crowded = valid & (episodes > target)
    if crowded.any():
        swept = crowded[row]
        result[crowded] = _swept(
            first[crowded],
            last[crowded],
            target[crowded],
            np.searchsorted(np.flatnonzero(crowded), row[swept]),
            start[swept],
            end[swept],
        )
    return result


def _swept(first: Array, last: Array, target: Array, row: Array, start: Array, end: Array) -> Array:
    """`uncovered_days` by a sweep, for units that may have more workers covered on a day
    than they target (those days count 0, not less)."""
    rows = np.arange(len(first))
    # Each unit's window opens (change 0) and closes the day after its last (change 0); each
    # episode adds a worker on its first day and takes one away the day after its last.
    unit = np.concatenate([rows, rows, row, row])
    day = np.concatenate([first, last + _DAY, start, end + _DAY])
    change = np.concatenate(
        [
            np.zeros(2 * len(rows), np.int64),
            np.ones(len(row), np.int64),
            -np.ones(len(row), np.int64),
        ]
    )
    packed = (unit << _DAY_BITS) + (day - _EPOCH).astype(np.int64)
    order = np.argsort(packed)
    packed, change = packed[order], change[order]
    first_of = np.concatenate([[0], np.flatnonzero(np.diff(packed)) + 1])
    events = packed[first_of]
    delta = np.add.reduceat(change, first_of)
    event_unit = events >> _DAY_BITS
    event_day = events & ((1 << _DAY_BITS) - 1)
    running = np.cumsum(delta)
    starts_unit = np.ones(len(events), dtype=bool)
    starts_unit[1:] = event_unit[1:] != event_unit[:-1]
    # The level within each unit: the running sum less what the units before it added.
    before = np.where(starts_unit, running - delta, 0)
    level = running - _carry(before, starts_unit)
    length = np.zeros(len(events), dtype=np.int64)
    length[:-1] = np.where(~starts_unit[1:], event_day[1:] - event_day[:-1], 0)
    missing = np.maximum(target[event_unit] - level, 0) * length
    return (
        np.bincount(event_unit, weights=missing.astype(np.float64), minlength=len(first))
        .round()
        .astype(np.int64)
    )


def _carry(values: Array, starts: Array) -> Array:
    """Each row gets the value of the latest row at or before it where `starts` is True."""
    last_start = np.maximum.accumulate(np.where(starts, np.arange(len(starts)), 0))
    return values[last_start]
