"""How a run ends, in Prefect terms: Stalled when anything is stalled, Completed otherwise."""

from __future__ import annotations

import pandas as pd
from prefect.states import Completed, Failed, State

from rantai.report import headline
from rantai.stages import stall_summary_line

STALLED = "Stalled"
UNREADABLE = "Unreadable"


def final_state(stalls: pd.DataFrame) -> State:
    """`Failed(name="Stalled")` naming the stalled stages, or `Completed`."""
    if len(stalls):
        return Failed(name=STALLED, message=f"{stall_summary_line(stalls)}. {headline(stalls)}")
    return Completed(message="No stalled steps.")


def unreadable_state(message: str) -> State:
    """A run stopped by an unreadable source file; nothing was stored."""
    return Failed(name=UNREADABLE, message=message)
