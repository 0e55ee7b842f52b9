"""The bounds every stored value keeps, so that whatever validation lets in can be evaluated.

One place for them: validation quarantines what lies outside, the command line refuses an
evaluation date outside, and the evaluation relies on them (no overflow, no out-of-range date).
"""

from __future__ import annotations

import datetime as dt

# Dates a record or an evaluation may carry. pandas' nanosecond timestamps end in 2262; these
# bounds keep every date and every date plus an SLA inside that range.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2099, 12, 31)
