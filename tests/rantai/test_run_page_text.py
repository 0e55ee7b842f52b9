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


def test_the_headline_holds_up_only_money_that_has_not_moved():
    from rantai.report import headline

    def stall(unit: str, stage: str, amount: int | None, workers: int) -> dict[str, object]:
        return {
            "program_id": "p",
            "unit_code": unit,
            "stage": stage,
            "amount_at_stake": amount,
            "workers_affected": workers,
            "severity": "CRITICAL",
        }

    stalls = pd.DataFrame(
        [
            stall("15.08.01.2001", "PREMIUM_PAYMENT", 2_016_000, 10),
            stall("15.08.01.2001", "COVER_PERIOD", 33_600, 2),
            stall("15.08.01.2001", "CLAIM_PAYMENT", 42_000_000, 1),
            stall("15.08.01.2002", "CLAIM_PAYMENT", None, 1),  # a JKK benefit not known yet
        ]
    )
    assert headline(stalls) == (
        "4 stalled steps (4 critical): Rp2.016.000 held up, Rp33.600 of premiums buying no "
        "cover, Rp42.000.000 of benefits unpaid, 11 workers without cover (each counted once)"
    )
