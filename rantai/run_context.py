"""What one flow run works with, built once at its start and handed to every step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rantai.scope import Scope


@dataclass(frozen=True)
class RunContext:
    """A flow run's fixed facts: which flow and run, the evaluation date, the scope, the store
    and the folder its outputs go to. Built once from the run's parameters and settings, so no
    step reads settings or threads a store URL of its own."""

    flow_name: str
    run_id: str
    as_of: dt.date
    scope: Scope
    db_url: str
    out_dir: str
