"""docs/openapi.yaml and `rantai simulate` agree, as schemathesis sees it: every check it has, on
cases generated from the document (its examples, its coverage of each parameter's edges, and
fuzzing), and statefully along the `next_page` links from one page of a listing to the next.

The simulator runs as the command runs it (a subprocess on a loopback port, with a token and no
faults): with `--fail-rate 0` its 5xx and 429 answers must never come. A case meant to be valid
carries a cursor the server issued (tests/connectors/issued_cursors.py says why).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from rantai.records import SOURCES
from tests.chain_folders import branches_load, claims_load, first_load, requests_load
from tests.connectors import issued_cursors  # its hooks: cursors the server issued
from tests.simulated import REPO, simulator

DOC = REPO / "docs" / "openapi.yaml"
TOKEN = "conformance-token-7c1e"
AUTHORIZATION = {"Authorization": f"Bearer {TOKEN}"}
# Bounded so the whole file stays well under a minute on a loaded 2-core machine.
EXAMPLES = 25
STATEFUL_STEPS = 6


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


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("conformance")
    first_load(folder)
    claims_load(folder)
    requests_load(folder)
    branches_load(folder)
    with simulator(folder, "--token", TOKEN) as url:
        issued_cursors.prime(url, AUTHORIZATION, [f"/v1/{source}" for source in SOURCES])
        schema.config.update(base_url=url)
        yield url


def every_check() -> list:
    """Every check schemathesis has (what `st run --checks all` runs)."""
    load_all_checks()
    return list(CHECKS.get_all())


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_generated_request_gets_the_answer_the_document_promises(case, served):
    case.call_and_validate(base_url=served, checks=every_check())


def test_paging_along_the_next_links_keeps_to_the_document(served):
    # Without links in the document there is nothing to chain: as_state_machine() raises.
    class Paging(schema.as_state_machine()):  # type: ignore[misc]
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
