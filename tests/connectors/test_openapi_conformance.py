"""docs/openapi.yaml and `rantai simulate` agree, as schemathesis sees it: every check it has, on
cases generated from the document (its examples, its coverage of each parameter's edges, and
fuzzing), and statefully along the `next_page` links from one page of a listing to the next.

The simulator runs as the command runs it (a subprocess on a loopback port, with a token and no
faults): with `--fail-rate 0` its 5xx and 429 answers must never come.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from rantai.records import SOURCES
from tests.chain_folders import first_load
from tests.simulated import REPO, simulator

DOC = REPO / "docs" / "openapi.yaml"
TOKEN = "conformance-token-7c1e"
AUTHORIZATION = {"Authorization": f"Bearer {TOKEN}"}
# Bounded so the whole file stays well under a minute on a loaded 2-core machine.
EXAMPLES = 25
STATEFUL_STEPS = 6


def issued_cursors(url: str) -> dict[str, str]:
    """A cursor this server issued, per listing path (pages of one record, so there is a next)."""
    cursors = {}
    for collection in SOURCES:
        page = requests.get(
            f"{url}/v1/{collection}", params={"limit": 1}, headers=AUTHORIZATION, timeout=10
        ).json()
        assert page["next"], f"{collection} needs two records for a second page"
        cursors[f"/v1/{collection}"] = page["next"]
    return cursors


# Cursors the simulator under test issued: one per listing path when it starts, and every
# `next` it gives on the way.
ISSUED: dict[str, str] = {}
SEEN: set[str] = set()

schema = schemathesis.openapi.from_path(
    DOC,
    config=schemathesis.Config.from_dict(
        {
            "headers": AUTHORIZATION,
            "checks": {"enabled": True},
            # No crash cache: each run starts from the document, not from an earlier run's finds.
            "cache": {"enabled": False},
            "generation": {"max-examples": EXAMPLES, "mode": "all", "deterministic": True},
        }
    ),
)


def with_an_issued_cursor(case: schemathesis.Case) -> None:
    """A case meant to be valid, given a cursor the server issued in place of a made-up one.

    The document can say what a cursor looks like, not which ones the server issued: a made-up
    one is rightly refused (400), so it is not valid data. Negative cases keep theirs (the server
    must refuse them), and cursors the server issued (`next`, followed along the links) stay.
    """
    meta, query = case.meta, case.query or {}
    if meta is None or not meta.generation.mode.is_positive or "cursor" not in query:
        return
    if query["cursor"] not in SEEN:
        case.query = {**query, "cursor": ISSUED[case.operation.path]}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("conformance")
    first_load(folder)
    with simulator(folder, "--token", TOKEN) as url:
        ISSUED.update(issued_cursors(url))
        SEEN.update(ISSUED.values())
        yield url
    ISSUED.clear()
    SEEN.clear()


def every_check() -> list:
    """Every check schemathesis has (what `st run --checks all` runs)."""
    load_all_checks()
    return list(CHECKS.get_all())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_generated_request_gets_the_answer_the_document_promises(case, served):
    with_an_issued_cursor(case)
    case.call_and_validate(base_url=served, checks=every_check())


def test_paging_along_the_next_links_keeps_to_the_document(served):
    schema.config.update(base_url=served)

    class Paging(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: schemathesis.Case) -> None:
            with_an_issued_cursor(case)

        def after_call(self, response: schemathesis.Response, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            following = response.json().get("next") if response.status_code == 200 else None
            if following:
                SEEN.add(following)

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(
                response,
                checks=every_check(),
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    Paging.run(
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
