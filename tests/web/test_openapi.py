"""docs/openapi.yaml against the real server: schemathesis generates requests for every
operation from the schema, sends them to `cecert serve` over HTTP and checks every answer
with its default checks (no 5xx, status codes, content types, headers and bodies as the
schema says). The schema is strict (``additionalProperties: false`` on the report), so an
answer that drifts from the document fails here."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.conftest import IssuedHome, serving
from tests.support.logins import make_instance
from tests.support.paths import DOCS

SCHEMA_PATH = DOCS / "openapi.yaml"
ACCOUNT_PAGES = {"/login", "/panel"}
EXAMPLES = 25
"""Generated requests per operation."""


SCHEMA = schemathesis.openapi.from_path(SCHEMA_PATH)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def api_base(issued_home: IssuedHome, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `cecert serve` with accounts (login enabled), its limits raised far above
    what the generated requests need (429 is documented all the same)."""
    instance = make_instance(tmp_path_factory.mktemp("openapi") / "instance")
    limits = ("--rate-limit-verify", "100000/minute", "--rate-limit-login", "100000/minute")
    with serving(issued_home.home.root, "--instance", str(instance), *limits) as base:
        yield base


def _cases() -> list[tuple[APIOperation, GenerationMode]]:
    """Positive cases for every operation; negative ones where there is input to violate."""
    pairs = [(operation, GenerationMode.POSITIVE) for operation in OPERATIONS]
    return pairs + [(o, GenerationMode.NEGATIVE) for o in OPERATIONS if o.body]


CASES = _cases()


# schemathesis's own pytest wrapper (`schema.parametrize()`) does not run under pytest 9:
# each operation's cases are drawn from its hypothesis strategy here instead, and
# `call_and_validate` runs the default checks on every answer.
@pytest.mark.parametrize(
    ("operation", "mode"), CASES, ids=[f"{o.label} {m.value}" for o, m in CASES]
)
def test_the_service_answers_as_documented(
    operation: APIOperation, mode: GenerationMode, api_base: str
) -> None:
    """Positive cases: schema-valid requests are accepted and answered as documented.
    Negative cases: schema-violating requests get no 5xx and a documented answer. They are
    not required to be refused (``negative_data_rejection``): by design a verification of
    anything that is not a certificate (a number sent as text, an empty upload) is an
    answer, 200 with the verdict ``invalid``, not a 4xx."""
    excluded = [negative_data_rejection] if mode is GenerationMode.NEGATIVE else []
    if operation.label == "POST /login":
        # Its CSRF token belongs to a session cookie that generated requests do not carry:
        # a well-formed login is refused 400, as documented.
        excluded.append(positive_data_acceptance)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=api_base, excluded_checks=excluded, timeout=20)

    answers_as_documented()


def test_the_schema_lists_every_public_route(issued_home: IssuedHome) -> None:
    """Every public route of the app is in the document, and nothing else; of the
    account pages, the login page and the panel's form (the others are in
    docs/accounts.md)."""
    from verifier.web import create_app

    app = create_app({"TRUST_LIST": str(issued_home.home.trust_list_path)})
    documented = {
        (path, method.upper())
        for path, item in yaml.safe_load(SCHEMA_PATH.read_text("utf-8"))["paths"].items()
        for method in item
    }
    served = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
        and (rule.endpoint.split(".")[0] in {"verify", "offline"} or rule.rule in ACCOUNT_PAGES)
    }
    assert served == documented


def test_a_report_and_an_error_match_the_schema_strictly(issued_home: IssuedHome) -> None:
    """The strict parts of the schema hold for a real valid report (with a certificate),
    a garbage verdict and an error: a field added to the report would fail here."""
    import jsonschema_rs

    from verifier.web import create_app

    app = create_app(
        {
            "TRUST_LIST": str(issued_home.home.trust_list_path),
            "REGISTRY": str(issued_home.home.registry_path),
        }
    )
    client = app.test_client()
    document = yaml.safe_load(SCHEMA_PATH.read_text("utf-8"))

    def validator(name: str) -> jsonschema_rs.Draft202012Validator:
        wrapped = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        return jsonschema_rs.Draft202012Validator(wrapped, validate_formats=True)

    valid = client.post("/api/v1/verify", json={"qr": issued_home.documents[0].payload})
    garbage = client.post("/api/v1/verify", json={"qr": "CEC1:garbage"})
    empty = client.post("/api/v1/verify", json={})
    assert valid.get_json()["certificate"] is not None
    for response in (valid, garbage):
        validator("Report").validate(response.get_json())
    validator("Error").validate(empty.get_json())
    drifted = dict(valid.get_json(), history=[])
    assert not validator("Report").is_valid(drifted)
