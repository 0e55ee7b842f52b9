"""How a run ends, in Prefect terms: Stalled when anything is stalled, Completed otherwise."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from prefect.states import Completed, Failed, State

from rantai.report import run_message

STALLED = "Stalled"
UNREADABLE = "Unreadable"
DEGRADED = "Degraded"
REFUSED = "Refused"


def final_state(stalls: pd.DataFrame, failures: pd.DataFrame | None = None) -> State:
    """`Failed(name="Stalled")` naming the stalled stages, or `Completed`; either message names
    the protection failures first (`2 families without their benefit (Rp84.000.000): ...;
    976 stalled: ...`). Failures alone do not make a run Stalled: they are what happened on
    past days, which a later run cannot resolve; the message and the run page still name them."""
    if len(stalls):
        return Failed(name=STALLED, message=run_message(stalls, failures))
    return Completed(message=run_message(stalls, failures))


def unreadable_state(message: str) -> State:
    """A run stopped by an unreadable source file; nothing was stored."""
    return Failed(name=UNREADABLE, message=message)


def refused_state(message: str) -> State:
    """A run refused before it stored anything: its scope (the parameter is named in the
    message) names no province or programme, and would otherwise read as an all-clear."""
    return Failed(name=REFUSED, message=message)


def degraded_state(
    problems: Mapping[str, str], stalls: pd.DataFrame, failures: pd.DataFrame | None = None
) -> State:
    """`Failed(name="Degraded")`: sources stayed unreachable, so the evaluation ran on what was
    stored before; it wins over Stalled, and its message names the stale sources, then the
    protection failures and stalls."""
    stale = ", ".join(problems)
    stalled = run_message(stalls, failures).removesuffix(".")
    reasons = " | ".join(problems.values())
    return Failed(
        name=DEGRADED,
        message=(
            f"{len(problems)} stale source(s), evaluated on stored data: {stale}. "
            f"{stalled} (on incomplete data). Why: {reasons}"
        ),
    )
