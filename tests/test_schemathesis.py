"""Schemathesis against the live server: generated requests answered as the schema says.

Every GET of the API, anonymous and with a member's write token, and every newsroom write
with that token: no 5xx, and each answer's status code, content type, headers and body are
those the OpenAPI document gives for it. The examples are drawn from a fixed seed and
bounded in number, so a run is repeatable and takes well under a minute.
"""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annotations import services
from annotations.models import ApiToken
from tests import published_world

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Generated cases per operation for anyone and for the write token: about 350 requests in all.
EXAMPLES = 8
ANONYMOUS = {}
UNKNOWN_TOKEN = {"Authorization": "Token fc_0123456789abcdef0123456789abcdef"}
SEED = 20261201


@pytest.fixture
def world(organization, editor, reviewer, settings, rate_limits_reset):
    """A newsroom with claims in every state, a second one, and a write token of the editor."""
    # Hundreds of requests in seconds: the throttles are tested elsewhere.
    settings.FACTCHECK_API_RATES = {"anon": "", "token": "", "user": ""}
    claims = published_world.build(organization, editor, reviewer)
    other = published_world.second_newsroom()
    _, key = services.token_create(
        actor=editor, name="schemathesis", scope=ApiToken.Scope.READ_WRITE
    )
    _, read_key = services.token_create(actor=editor, name="reader", scope=ApiToken.Scope.READ)
    return {
        "claims": claims,
        "other": other,
        "organization": organization,
        "key": key,
        "read_key": read_key,
    }


def real_path_parameters(path: str, world: dict) -> list[dict]:
    """Path parameters naming rows that exist, so generated requests reach past the 404."""
    claims = world["claims"]
    article = claims["article"]
    if path.startswith("/api/v1/newsroom/claims/{id}/sources/{source_pk}/"):
        return [
            {"id": claim.pk, "source_pk": source.pk}
            for claim in (claims["draft"], claims["in_review"])
            for source in claim.sources.all()
        ]
    if path.startswith("/api/v1/newsroom/claims/{id}"):
        return [{"id": claims[key].pk} for key in ("draft", "in_review", "working_copy")]
    if path.startswith("/api/v1/newsroom/articles/{id}"):
        return [{"id": article.pk}]
    if path.startswith("/api/v1/claims/{id}"):
        return [{"id": claims[key].pk} for key in ("published", "corrected", "retracted")]
    if path.startswith("/api/v1/articles/{id}"):
        return [{"id": article.pk}, {"id": world["other"]["article"].pk}]
    if path.startswith("/api/v1/organizations/{slug}"):
        return [{"slug": world["organization"].slug}, {"slug": world["other"]["organization"].slug}]
    return []


def cases(operation, world: dict):
    """Generated cases, cases on rows that exist, and the request examples of the schema."""
    real = [
        operation.as_strategy(path_parameters=values)
        for values in real_path_parameters(operation.path, world)
    ]
    documented = operation.schema.get_strategies_from_examples(operation)
    return st.one_of(operation.as_strategy(), *real, *documented)


def run_operation(operation, world, headers, examples, base_url, session) -> str | None:
    """Run `examples` generated cases of one operation; the first failure's report, or None."""

    @seed(SEED)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        # Shrinking would replay failures many times over; the report's curl line suffices.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases(operation, world))
    def check(case):
        case.call_and_validate(base_url=base_url, session=session, headers=headers, checks=CHECKS)

    try:
        check()
    except (Exception, BaseExceptionGroup) as failure:
        # Collected, so that one run reports every operation that fails, not the first.
        return f"{operation.label}: {failure}"
    return None


def test_generated_requests_get_documented_answers_and_never_a_server_error(live_server, world):
    sent, failures, ran = [], [], 0
    # Closed at the end: a kept-alive connection holds its server thread, and that thread
    # its database connection, which would stop the test database from being dropped.
    with requests.Session() as session:
        session.hooks["response"].append(lambda response, **_: sent.append(response.status_code))
        raw = session.get(f"{live_server.url}/api/v1/schema/").json()
        schema = schemathesis.openapi.from_dict(raw)
        token = {"Authorization": f"Token {world['key']}"}
        read_token = {"Authorization": f"Token {world['read_key']}"}
        operations = [result.ok() for result in schema.get_all_operations()]
        # Deletions last, so that the other writes still find the claims and sources they
        # change.
        operations.sort(key=lambda operation: operation.method.upper() == "DELETE")
        for operation in operations:
            reads = operation.method.upper() == "GET"
            if not reads and not operation.path.startswith("/api/v1/newsroom/"):
                continue
            # (identity, examples): anyone and a member's write token in depth; a read token
            # refused on writes and an unknown token on reads only need to be seen answered.
            if reads:
                identities = [(ANONYMOUS, EXAMPLES), (token, EXAMPLES), (UNKNOWN_TOKEN, 2)]
            else:
                identities = [(token, EXAMPLES), (read_token, 2)]
            for headers, examples in identities:
                failure = run_operation(
                    operation, world, headers, examples, live_server.url, session
                )
                if failure:
                    failures.append(failure)
                ran += 1
    assert ran >= 20, f"only {ran} operation runs: the schema lost its operations"
    assert len(sent) >= 250, f"only {len(sent)} requests were sent"
    assert not failures, f"{len(failures)} of {ran} runs failed:\n\n" + "\n\n".join(failures)


# Found by the run above, kept as plain tests so that they stay covered whatever is drawn.


@pytest.mark.parametrize("parameter", ["published_since", "updated_since"])
def test_a_time_offset_postgresql_refuses_is_read_in_utc(client, parameter, rate_limits_reset):
    """PostgreSQL accepts offsets up to ±15:59, Python up to ±23:59: this was a 500."""
    response = client.get("/api/v1/claims/", {parameter: "1652-04-27T15:00:21.15618-17:37"})
    assert response.status_code == 200


def test_a_time_that_leaves_the_calendar_in_utc_is_a_400(client, rate_limits_reset):
    response = client.get("/api/v1/claims/", {"updated_since": "9999-12-31T23:00:00-05:00"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_since"]
