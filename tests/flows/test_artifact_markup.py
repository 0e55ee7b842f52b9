"""Text a source delivers reaches the run page as text: a programme id that is HTML, a link or an
image renders as itself in the markdown summary, the stalled-steps tables (the Prefect UI renders
a table artifact's text cells as markdown too) and the artifacts' descriptions, so the operator's
browser fetches nothing and shows no link the data planted."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from markdown_it import MarkdownIt
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from flows.daily import daily_chain
from rantai.records import SOURCES
from tests.chain_folders import PAYMENT_HEADER, V1, YEAR, write

pytestmark = pytest.mark.usefixtures("prefect_server")

HOSTILE_IDS = [
    "<img src=http://127.0.0.1:9/track>",
    "[klik di sini](http://evil.example/)",
    "![x](http://evil.example/pixel.png)",
    "<a href='http://evil.example/'>a</a>",
    "x | y | z",
    "http://evil.example/auto",
    "`kode` **tebal**",
]
# Parsed as the UI-v2 renders markdown (CommonMark with GFM's tables and strikethrough).
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
MARKUP = {"image", "link_open", "html_inline", "html_block", "code_inline", "s_open"}


def hostile_folder(folder) -> None:
    """One stalled BKBK programme per hostile id."""
    write(
        folder,
        "programs",
        ["program_id", "funding_source", "province_code", "fiscal_year", "name"],
        [[p, "BKBK", "15", "2025", p] for p in HOSTILE_IDS],
    )
    write(
        folder,
        "allocations",
        SOURCES["allocations"].columns,
        [[f"A{i}", p, V1, YEAR, YEAR, 1, 12, "2025-01-15"] for i, p in enumerate(HOSTILE_IDS)],
    )
    write(folder, "premium_payments", PAYMENT_HEADER, [])


def markup_in(markdown: str) -> set[str]:
    """The kinds of markup (beyond text, paragraphs, headings, lists and tables) it renders."""
    kinds = set()
    for token in MARKDOWN.parse(markdown):
        kinds.add(token.type)
        kinds.update(child.type for child in token.children or [])
    return kinds & MARKUP


def test_hostile_programme_ids_render_as_text_on_the_run_page(tmp_path):
    hostile_folder(tmp_path / "in")
    state = daily_chain(
        input_dir=str(tmp_path / "in"),
        as_of=dt.date(2025, 6, 30),
        # The report link's text names the folder.
        out_dir=str(tmp_path / "out [klik](http:evil.example)"),
        db_url=f"sqlite:///{tmp_path / 'r.db'}",
        return_state=True,
    )
    assert state.name == "Stalled"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    summary = next(a for a in artifacts if a.key == "rantai-summary").data
    tables = [a for a in artifacts if a.type == "table"]
    assert len(tables) >= 1 + len(HOSTILE_IDS) - 1  # the stalled steps, one per programme
    texts = [summary] + [a.description or "" for a in artifacts]
    for table in tables:
        texts += [v for row in json.loads(table.data) for v in row.values() if isinstance(v, str)]

    for text in texts:
        for raw in ("<img", "<a ", "](http", "![", "http://"):
            assert raw not in text, (raw, text)
        assert markup_in(text) == set(), text
    # The link to the report is the one link on the page, to the folder, named as it is.
    link = next(a for a in artifacts if a.key == "rantai-report").data
    any_link = MarkdownIt("commonmark")
    any_link.validateLink = lambda url: True  # markdown-it alone refuses file: links
    tokens = [c for t in any_link.parse(link) for c in t.children or []]
    assert [t.attrs["href"][:8] for t in tokens if t.type == "link_open"] == ["file:///"]
    assert "".join(t.content for t in tokens if t.type == "text").startswith(
        "Report: out [klik](http:evil.example) ("
    )
    # The summary's tables keep their shape: each programme one row, as many cells as the
    # programme table's header.
    header = next(line for line in summary.splitlines() if line.startswith("| Programme |"))
    programme_rows = [line for line in summary.splitlines() if "BKBK" in line]
    assert len(programme_rows) == len(HOSTILE_IDS)
    assert all(row.replace("\\|", "").count("|") == header.count("|") for row in programme_rows)
    # What the operator reads is the id itself.
    shown = {
        "".join(c.content for c in t.children or [])
        for t in MARKDOWN.parse(summary)
        if t.type == "inline"
    }
    assert set(HOSTILE_IDS) <= shown
