"""The run page's texts built from what sources said: a stale source's error body and the
run's title render as text."""

from __future__ import annotations

import pandas as pd
from markdown_it import MarkdownIt

from rantai.report import markdown_summary
from rantai.stages import STALL_COLUMNS
from tasks.publish import _stale_notes

MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def kinds(markdown: str) -> set[str]:
    found = set()
    for token in MARKDOWN.parse(markdown):
        found.add(token.type)
        found.update(child.type for child in token.children or [])
    return found


def test_a_stale_sources_error_body_is_shown_as_text():
    reason = "HTTP 502: <img src=http://127.0.0.1:9/t> [retry](http://evil.example/)\n# down"
    notes = _stale_notes({"stale_sources": ["coverage"], "stale_reasons": {"coverage": reason}})
    page = "\n".join(f"> {note}" for note in notes)
    assert "<img" not in page and "](http" not in page
    assert not kinds(page) & {"image", "link_open", "html_inline", "html_block", "heading_open"}
    assert notes[1] == (
        "coverage: HTTP 502\\: &lt;img src=http\\://127.0.0.1\\:9/t&gt; "
        "\\[retry\\]\\(http\\://evil.example/) \\# down"
    )


def test_the_title_and_the_tables_of_the_summary_render_as_text():
    stalls = pd.DataFrame(columns=[*STALL_COLUMNS, "first_flagged", "status"])
    program = {
        "program_id": '=HYPERLINK("http://evil.example/","x")|<b>',
        "funding_source": "BKBK",
        **dict.fromkeys(
            [
                "allocated",
                "transferred_to_districts",
                "transferred_to_villages",
                "premiums_paid",
                "workers_targeted",
                "workers_paid",
                "workers_active",
            ],
            0,
        ),
    }
    page = markdown_summary(
        "Rantai: ![t](http://evil.example/t.png) @ 2025-06-30", stalls, [program], 0, 0, {}, {}
    )
    assert "![" not in page and "<b>" not in page
    assert not kinds(page) & {"image", "link_open", "html_inline", "html_block"}
    row = next(line for line in page.splitlines() if "BKBK" in line)
    assert row.startswith('| \'=HYPERLINK("http\\://evil.example/","x")\\|&lt;b&gt; | BKBK |')
