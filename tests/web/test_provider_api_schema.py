"""The providers' API against its own OpenAPI document: schemathesis draws requests for every
operation from ``/api/v1/openapi.json``, sends them through the real app (a provider's real
token, a real registry) and checks every answer with its default checks: no 5xx, documented
status codes, content types and bodies, and every call without a token or with a false one
refused 401."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from portal.web.api_spec import openapi_document
from registry.portal import Actor, PortalRole, check_character
from tests.conftest import IssuedHome
from tests.support.portal import NOW, Portal, make_portal

CODE = "52440106MJ0000000"
CODE += check_character(CODE)
EXAMPLES = 25
"""Generated requests per operation and mode."""
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
OPERATIONS = [
    r.ok() for r in schemathesis.openapi.from_dict(openapi_document()).get_all_operations()
]
CASES = [(o.label, GenerationMode.POSITIVE) for o in OPERATIONS] + [
    (o.label, GenerationMode.NEGATIVE) for o in OPERATIONS if o.body or o.path_parameters or o.query
]


@pytest.fixture
def provider_token(fresh_home: IssuedHome, tmp_path: Path) -> tuple[Portal, str]:
    portal = make_portal(fresh_home, tmp_path)
    school = Actor("school", PortalRole.PROVIDER, CODE)
    with portal.registry() as registry:
        made = registry.providers.register(school, name="天河职业培训学校", region="440106", at=NOW)
        tianhe = Actor("tianhe", PortalRole.BUREAU, "440106")
        registry.providers.decide(
            tianhe, CODE, version=made.version, approve=True, reason=None, at=NOW
        )
        _, token = registry.providers.make_token(school, label="教务系统", at=NOW)
    return portal, token


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{lb} {m.value}" for lb, m in CASES])
def test_the_api_answers_as_documented(
    provider_token: tuple[Portal, str], label: str, mode: GenerationMode
) -> None:
    """Schema-valid requests get a documented answer (the rules may still refuse them: a
    class filed too late, a plan of no one's, a roster of unknown people; so acceptance is
    not required of the calls that write); schema-violating ones are refused, never 5xx."""
    portal, token = provider_token
    config = SchemathesisConfig.from_dict({
        "headers": {"Authorization": f"Bearer {token}"},
        "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
    })  # fmt: skip
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", portal.app, config=config)
    operation = schema.find_operation_by_label(label)
    excluded = []
    if mode is GenerationMode.POSITIVE and operation.method.upper() == "POST":
        excluded.append(positive_data_acceptance)
    if mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET":
        excluded.append(negative_data_rejection)  # an unknown query value may simply be unused

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def answers_as_documented(case: schemathesis.Case) -> None:
        case.call_and_validate(excluded_checks=excluded)

    answers_as_documented()


def test_the_document_lists_every_route_of_the_api(provider_token: tuple[Portal, str]) -> None:
    portal, _ = provider_token
    documented = {
        ("/api/v1" + path, method.upper())
        for path, item in openapi_document()["paths"].items()
        for method in item
    }
    served = {
        (rule.rule.replace("<int:plan_id>", "{plan_id}"), method)
        for rule in portal.app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert served == documented
