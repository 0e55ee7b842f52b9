"""The one formula neutraliser and the markdown escaper, on their own."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

# markdown-it-py comes with rich (a dependency of Prefect): a CommonMark parser, the dialect the
# Prefect UI renders markdown artifacts in (with GFM's tables, strikethrough and autolinks).
from markdown_it import MarkdownIt

from rantai.untrusted import (
    FORMULA_STARTS,
    markdown_rows,
    markdown_text,
    neutralise_formula,
    neutralise_frame,
)

OWASP = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example/","x")',
    "-2+3*cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("payload", OWASP)
def test_owasp_payloads_get_one_leading_quote(payload):
    assert neutralise_formula(payload) == "'" + payload


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\n=1", "'\n=1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width =
        ("\uff0d1", "'\uff0d1"),
        (" =1+1", "' =1+1"),  # a blank first does not make it text
        ('"=1+1', "'\"=1+1"),
        ("-5", "'-5"),  # text that looks like a number is still text
        ("ok;=1+1", "ok;'=1+1"),  # a `;` splits the line in an Indonesian Excel
        ("a; -1;b;@x", "a;' -1;b;'@x"),
        ("\t", "'\t"),
    ],
)
def test_other_starters_and_parts_after_a_semicolon(text, expected):
    assert neutralise_formula(text) == expected


@pytest.mark.parametrize(
    "text", ["", "jambi-bkbk-2025", "BKBK Jambi", "15.08.01.2001", "a;b", "x=1", "'=1", "   ", '"']
)
def test_ordinary_and_already_neutral_text_is_left_alone(text):
    assert neutralise_formula(text) == text
    assert neutralise_formula(neutralise_formula("=" + text)) == "'=" + text


@pytest.mark.parametrize("value", [-5, -2.5, 0, None, dt.date(2025, 1, 1), True])
def test_values_that_are_not_text_are_left_alone(value):
    assert neutralise_formula(value) is value


@given(st.text())
def test_no_part_of_a_neutralised_text_starts_a_formula(text):
    safe = neutralise_formula(text)
    assert safe.replace("'", "") == text.replace("'", "")  # only quotes are added
    for part in safe.split(";"):
        first = part.lstrip(' "\u00a0\u3000')[:1]
        assert not first or first not in FORMULA_STARTS


def test_a_frame_keeps_its_numbers_and_empty_cells():
    frame = pd.DataFrame(
        {
            "program_id": ["=1+1", "jambi", None],
            "amount": [-5, 10, 0],
            "mixed": [-5, "-5", float("nan")],
            "day": pd.to_datetime(["2025-01-01", None, "2025-01-02"]),
        }
    )
    out = neutralise_frame(frame)
    assert out["program_id"].tolist()[:2] == ["'=1+1", "jambi"]
    assert out["program_id"].isna().tolist() == [False, False, True]
    assert out["amount"].tolist() == [-5, 10, 0] and out["amount"].dtype == frame["amount"].dtype
    assert out["mixed"].tolist()[:2] == [-5, "'-5"] and pd.isna(out["mixed"].iloc[2])
    assert out["day"].equals(frame["day"])
    assert frame["program_id"].iloc[0] == "=1+1"  # the caller's frame is not changed


MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def rendered_text(markdown: str) -> tuple[set[str], str]:
    """The token types a CommonMark renderer makes of one paragraph, and its text."""
    kinds, text = set(), []
    for token in MARKDOWN.parse(markdown):
        kinds.add(token.type)
        for child in token.children or []:
            kinds.add(child.type)
            text.append(child.content)
    return kinds, "".join(text)


@pytest.mark.parametrize(
    "text",
    [
        "<img src=http://127.0.0.1:9/track>",
        "[klik](http://evil.example/)",
        "![x](http://evil.example/i.png)",
        "<http://evil.example/>",
        "`code` **bold** _em_ ~~gone~~",
        "# heading",
        "- item",
        "1. item",
        "> quote",
        "a | b",
        "&lt;script&gt;",
        "[x]: http://evil.example/",
        "<script>alert(1)</script>",
        "    indented code",
    ],
)
def test_markup_renders_as_the_text_itself(text):
    kinds, shown = rendered_text(markdown_text(text))
    assert kinds <= {"paragraph_open", "inline", "text", "paragraph_close"}
    assert shown == text.strip()


@given(st.text())
def test_any_text_renders_as_itself_and_nothing_else(text):
    # Control characters (a line break among them) read as a space, a run of them as one.
    expected = re.sub(r"[\x00-\x1f\x7f]+", " ", text).strip()
    kinds, shown = rendered_text(markdown_text(text))
    assert kinds <= {"paragraph_open", "inline", "text", "paragraph_close"}
    assert shown == expected or (not expected.strip() and shown == "")


def test_escaped_text_holds_no_raw_html_link_image_or_autolink():
    escaped = markdown_text(
        "<img src=http://h/t> [a](http://e/) ![b](https://e/i.png) www.e.com a@e.com"
    )
    for raw in ("<img", "](http", "![", "http://", "https://", "www.", "a@e"):
        assert raw not in escaped


def test_ordinary_names_and_codes_are_unchanged():
    for text in [
        "jambi-bkbk-2025",
        "Pedukun (15.08.01.2001)",
        "KAB. BUNGO",
        "Kabupaten Bungo",
        "inhu_apbdes_2025",
    ]:
        assert markdown_text(text) == text


def test_a_table_cell_stays_one_cell():
    row = f"| {markdown_text('a | b')} | c |"
    tokens = MARKDOWN.parse(f"| x | y |\n|---|---|\n{row}\n")
    cells = [t.content for t in tokens if t.type == "inline"]
    assert cells == ["x", "y", "a | b", "c"]


def test_table_rows_escape_text_and_keep_numbers():
    rows = markdown_rows([{"program": "[a](http://e/)", "days_overdue": 5}])
    assert rows == [{"program": "\\[a\\]\\(http\\://e/)", "days_overdue": 5}]
