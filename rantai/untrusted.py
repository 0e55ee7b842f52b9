"""Text that came from a source (a programme's id or name, a record's key, a value that failed
validation), made safe for where people read it: a spreadsheet must show it, never run it as a
formula, and the run page must show it, never render it as a link, an image or HTML.

Every writer goes through here: the CSV outputs and report.xlsx through `neutralise_formula`
(`neutralise_frame` for a whole table), the Prefect artifacts through `markdown_text` (and
`markdown_cell` for their tables, neutralised as well).
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import pandas as pd
from pandas.api.types import is_datetime64_any_dtype, is_numeric_dtype

# What makes a spreadsheet take a cell for a formula (OWASP's CSV injection list: =, +, -, @,
# tab, carriage return), with the line feed and the full-width forms (＝ ＋ － ＠) that some
# spreadsheets and input methods also take for them.
FORMULA_STARTS = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"
# Skipped before the first character counts: Excel and LibreOffice read ` =1+1` and `"=1+1`
# (a quote opens a quoted field) as a formula too.
_SKIPPED = ' "\u00a0\u3000'
# A formula at the start of the text, or after a `;`: an Excel whose list separator is `;` (the
# Indonesian one, where the decimal mark is a comma) splits a line of a CSV at every `;`,
# whatever its quotes say, so each part is a cell of its own.
_FORMULA_AT = re.compile(
    "(?:^|(?<=;))(?=[" + re.escape(_SKIPPED) + "]*[" + re.escape(FORMULA_STARTS) + "])"
)

# A text whose first character is none of these, and that has no `;`, is left as it is.
_SUSPECT_FIRST = frozenset(FORMULA_STARTS + _SKIPPED)

Value = TypeVar("Value")


def neutralise_formula(value: Value) -> Value | str:
    """Text a spreadsheet would run as a formula, with a `'` before it (at the start, and after a
    `;` where a part starts so); anything else, numbers included, as it is."""
    if not isinstance(value, str) or (value[:1] not in _SUSPECT_FIRST and ";" not in value):
        return value  # almost every cell: two cheap looks, no regular expression
    return _FORMULA_AT.sub("'", value)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table whose text cells are neutralised; numbers, dates and empty cells stay
    as they are."""
    out = frame.copy()
    for column in out.columns:
        dtype = out[column].dtype
        if is_numeric_dtype(dtype) or is_datetime64_any_dtype(dtype):
            continue  # numbers are numbers (a negative one is not a formula), dates are dates
        # A plain loop: quarantine.csv may have a million distinct keys and details, where
        # hashing each value to work out the distinct ones once costs more than the check.
        out[column] = pd.Series(
            [neutralise_formula(v) for v in out[column].to_numpy(dtype=object)],
            index=out.index,
            dtype=object,
        )
    return out


# Markdown: characters escaped wherever they stand (links and images need `[`, `]` and `!`;
# code spans, emphasis, strikethrough, tables and headings their markers; GFM turns `scheme:`
# and `name@host` into links by themselves). HTML's three become character references, so the
# text holds no `<img` even before it is rendered.
_MARKDOWN_ESCAPED = set("\\`*[]!|~#:@")
_HTML_REFERENCES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# Where the text starts a line (a table cell of the Prefect UI is rendered on its own): a list
# item (`- `, `+ `, `1. `, `1) `) or a setext underline (`===`).
_LEADING_MARKER = re.compile(r"^(?:[-+=]|\d{1,9}[.)])")


def markdown_text(value: object) -> str:
    """Plain text for a markdown document (the run page's summary, a table cell, a
    description): it renders as exactly this text, on one line, and never as a link, an image,
    HTML, code, emphasis, a heading, a list or a new table cell."""
    text = _CONTROL.sub(" ", str(value)).strip()
    out = []
    for i, char in enumerate(text):
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if char in _HTML_REFERENCES:
            out.append(_HTML_REFERENCES[char])
        elif (
            char in _MARKDOWN_ESCAPED
            # `_` inside a word never emphasises (snake_case ids stay as they are).
            or (char == "_" and not (before.isalnum() and after.isalnum()))
            # `](` would read as a link's target even with the `]` escaped, to a reader's eye.
            or (char == "(" and before == "]")
            # GFM links `www.host` by itself.
            or (char == "." and text[max(0, i - 3) : i].lower() == "www")
        ):
            out.append("\\" + char)
        else:
            out.append(char)
    escaped = "".join(out)
    marker = _LEADING_MARKER.match(escaped)
    if marker:
        end = marker.end() - 1
        escaped = escaped[:end] + "\\" + escaped[end:]
    return escaped


def markdown_cell(value: Value) -> Value | str:
    """A value for a cell of a table on the run page: text neutralised as in the CSV outputs
    (the same id reads the same everywhere, and a copied table runs nothing), then
    `markdown_text`; numbers stay numbers."""
    if not isinstance(value, str):
        return value
    return markdown_text(neutralise_formula(value))


def markdown_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table artifact rows, each cell `markdown_cell` (the Prefect UI renders each text cell of
    a table artifact as markdown)."""
    return [{key: markdown_cell(value) for key, value in row.items()} for row in rows]
