"""The unversioned /api/ paths of before v1 redirect, for one release, to their v1 twins."""

import pytest
from django.test import Client
from django.urls import reverse

from annotations import services
from annotations.models import Claim
from tests import factories

QUOTE = "Over 160,000 people listened in at once"


@pytest.fixture
def claim(article, editor):
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/api/articles/", "/api/v1/newsroom/articles/"),
        ("/api/articles/7/claims/", "/api/v1/newsroom/articles/7/claims/"),
        ("/api/claims/7/sources/3/", "/api/v1/newsroom/claims/7/sources/3/"),
        ("/api/articles/?status=ready&page=2", "/api/v1/newsroom/articles/?status=ready&page=2"),
        ("/api/schema/", "/api/v1/schema/"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "patch", "put", "delete"])
def test_old_path_answers_308_to_its_v1_twin_marked_deprecated(client, method, old, new):
    response = getattr(client, method)(old)
    assert response.status_code == 308
    assert response["Location"] == new
    # RFC 9745: a structured-field date, when they were deprecated (trial D1: was "true").
    assert response["Deprecation"] == "@1796083200"
    assert response["Link"] == f'<{new}>; rel="successor-version"'


def test_each_old_newsroom_name_resolves_under_v1(claim):
    assert reverse("v1:api-claim-detail", kwargs={"pk": claim.pk}) == (
        f"/api/v1/newsroom/claims/{claim.pk}/"
    )
    assert reverse("v1:api-article-list") == "/api/v1/newsroom/articles/"


def test_patch_followed_through_the_redirect_keeps_its_method_and_body(client, editor, claim):
    client.force_login(editor)
    response = client.patch(
        f"/api/claims/{claim.pk}/",
        {"claimant": "PTI"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
        follow=True,
    )
    assert response.redirect_chain == [(f"/api/v1/newsroom/claims/{claim.pk}/", 308)]
    assert response.status_code == 200 and response.json()["claimant"] == "PTI"
    assert Claim.objects.get().claimant == "PTI"


def test_post_without_csrf_token_is_redirected_and_refused_by_the_v1_view(editor, article):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    url = f"/api/articles/{article.pk}/claims/"
    body = {"selectors": factories.quote_selectors(article.text, QUOTE)}
    redirected = browser.post(url, body, content_type="application/json")
    assert redirected.status_code == 308
    refused = browser.post(redirected["Location"], body, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert not Claim.objects.exists()


def test_unknown_old_path_is_a_404_problem_not_a_redirect(client):
    response = client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_the_old_claim_list_says_where_claims_are_listed_now(client):
    """It redirected to /api/v1/newsroom/claims/, a 404 (trial G9): v1 lists claims by
    article, and published ones publicly."""
    response = client.get("/api/claims/")
    assert response.status_code == 410
    assert response["Content-Type"] == "application/problem+json"
    assert "/api/v1/newsroom/articles/{id}/claims/" in response.json()["detail"]
    # A problem type of this API's, as the README promises of every error (trial D1).
    assert response.json()["type"].endswith("/api/v1/problems/gone/")


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/api/v1/problems/throttled/"])
def test_a_head_request_is_answered_where_a_get_is(client, path):
    """HEAD was a 405 on these three while every other GET took it (trial G9)."""
    got = client.get(path)
    assert got.status_code != 405
    head = client.head(path)
    assert head.status_code == got.status_code and head.content == b""
