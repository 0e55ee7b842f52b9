"""docs/openapi.yaml says what the simulator serves and the client reads: one collection per
contract file with the contract's fields, and pages that validate against its schemas."""

from __future__ import annotations

import jsonschema
import pytest
import requests
import yaml

from connectors.simulator import Misbehaviour, running
from rantai.records import SOURCES
from tests.chain_folders import claims_load, first_load
from tests.simulated import REPO

DOC = yaml.safe_load((REPO / "docs" / "openapi.yaml").read_text(encoding="utf-8"))


def schema(name: str) -> dict:
    # $refs point into the document's components: validate against the whole document.
    return {"components": DOC["components"], "$ref": f"#/components/schemas/{name}"}


def title(source: str) -> str:
    return "".join(w.capitalize() for w in source.split("_"))


def test_one_collection_per_contract_file_with_the_contracts_fields():
    assert [p for p in DOC["paths"] if p.startswith("/v1/")] == [f"/v1/{s}" for s in SOURCES]
    for name, source in SOURCES.items():
        record = DOC["components"]["schemas"][f"{title(name)}Record"]
        assert list(record["properties"]) == source.columns, name
        assert record["required"] == source.required_columns, name
    assert DOC["paths"]["/health"]["get"]["security"] == []


def test_claims_are_a_bpjs_collection_and_the_v2_columns_optional_fields():
    # Contract v2: claims.csv is BPJS's; its key is claim_id; paid_amount and paid_date are
    # required only when PAID, which a schema of text cannot say, so they are optional here.
    claims = DOC["paths"]["/v1/claims"]["get"]
    assert claims["tags"] == ["BPJS Ketenagakerjaan"]
    assert "Key: (claim_id)" in claims["description"]
    record = DOC["components"]["schemas"]["ClaimsRecord"]
    assert "paid_amount" not in record["required"] and "paid_date" not in record["required"]
    assert "JKK" in record["properties"]["benefit"]["description"]
    assert "SUBMITTED, PAID, REJECTED" in record["properties"]["status"]["description"]
    optional = {
        "ProgramsRecord": ["predecessor_id", "pks_date", "sla_claim_days"],
        "AllocationsRecord": ["cover_start"],
        "PremiumPaymentsRecord": ["period_start"],
    }
    for name, columns in optional.items():
        schema_ = DOC["components"]["schemas"][name]
        for column in columns:
            assert column in schema_["properties"] and column not in schema_["required"]
            assert "optional" in schema_["properties"][column]["description"]


def test_the_simulators_answers_follow_the_document(tmp_path):
    first_load(tmp_path)
    claims_load(tmp_path)
    headers = {"Authorization": "Bearer t"}
    with running(tmp_path, "t", Misbehaviour(script=("http-429",))) as (url, _):
        limited = requests.get(f"{url}/v1/programs", headers=headers)
        assert limited.status_code == 429 and limited.headers["Retry-After"].isdigit()
        jsonschema.validate(limited.json(), schema("Error"))
        for name in SOURCES:
            page = requests.get(f"{url}/v1/{name}", params={"limit": 2}, headers=headers).json()
            jsonschema.validate(page, schema(f"{title(name)}Page"))
            assert (page["next"] is not None) == (page["total"] > 2)
            assert len(page["records"]) == min(2, page["total"])
        refused = requests.get(f"{url}/v1/programs")
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
        jsonschema.validate(refused.json(), schema("Error"))
        jsonschema.validate(requests.get(f"{url}/health").json(), schema("Health"))
        bad = requests.get(f"{url}/v1/programs", params={"limit": 0}, headers=headers)
        assert bad.status_code == 400


def test_the_document_and_the_simulator_agree_on_what_is_not_a_cursor(tmp_path):
    # `next` is never empty (null ends a listing), so an empty cursor can only be a client that
    # lost it; reading it as "from the start" would page the first page forever. Both refuse it.
    cursor = DOC["components"]["parameters"]["cursor"]["schema"]
    next_ = DOC["components"]["schemas"]["Page"]["properties"]["next"]
    first_load(tmp_path)
    headers = {"Authorization": "Bearer t"}
    with running(tmp_path, "t") as (url, _):
        for made_up in ("", " ", "a b", "é", "x" * 300):
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(made_up, cursor)
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(made_up, next_)
            answer = requests.get(f"{url}/v1/programs", params={"cursor": made_up}, headers=headers)
            assert answer.status_code == 400, made_up
            jsonschema.validate(answer.json(), schema("Error"))
        issued = requests.get(f"{url}/v1/programs", params={"limit": 1}, headers=headers).json()
        jsonschema.validate(issued["next"], cursor)
        followed = requests.get(
            f"{url}/v1/programs", params={"cursor": issued["next"]}, headers=headers
        )
        assert followed.status_code == 200 and followed.json()["offset"] == 1


def test_every_listing_links_a_page_to_the_next_one_through_its_cursor():
    # The links are what schemathesis's stateful run follows, page after page.
    for source in SOURCES:
        operation = DOC["paths"][f"/v1/{source}"]["get"]
        link = operation["responses"]["200"]["links"]["next_page"]
        assert link["operationId"] == operation["operationId"] == f"list_{source}"
        assert link["parameters"] == {"cursor": "$response.body#/next"}
