"""The JSON API that the workspace and other clients use: claims, versions, workflow."""

import pytest

from annotations.models import Claim, Rating
from tests import factories

QUOTE = "Over 160,000 people listened in at once"
HOSTILE_MARKDOWN = '<script>alert(1)</script>[x](javascript:alert(1)) <img src=x onerror="a()">'


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def _create(client, article, quote=QUOTE):
    selectors = factories.quote_selectors(article.text, quote)
    return client.post(
        f"/api/articles/{article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )


def test_selection_becomes_a_claim_with_an_etag(editor_client, article):
    response = _create(editor_client, article)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["exact"] == QUOTE and (body["start"], body["end"]) == (0, 39)
    assert response.headers["ETag"] == '"1"'


def test_selection_that_does_not_match_the_text_is_refused_with_a_reason(editor_client, article):
    selectors = factories.quote_selectors(article.text, QUOTE)
    selectors[1]["start"] += 1
    selectors[1]["end"] += 1
    selectors[0]["exact"] = "Over 160,000 people listened in at oncX"
    response = editor_client.post(
        f"/api/articles/{article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "selectors" in response.json()
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    "selectors",
    [
        [{"type": "TextPositionSelector", "start": -4, "end": 2}],
        [{"type": "TextQuoteSelector"}],
        [{"type": "TextPositionSelector", "start": "a", "end": 2}],
        [{"type": "Nonsense"}],
    ],
)
def test_malformed_selectors_get_a_400_not_a_500(editor_client, article, selectors):
    response = editor_client.post(
        f"/api/articles/{article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_stale_if_match_gets_412_with_who_changed_it_and_the_current_claim(
    client, editor, reviewer, article
):
    client.force_login(editor)
    claim_id = _create(client, article).json()["id"]
    client.force_login(reviewer)
    first = client.patch(
        f"/api/claims/{claim_id}/", {"claimant": "PTI"}, content_type="application/json",
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert first.status_code == 200 and first.json()["version"] == 2
    client.force_login(editor)
    second = client.patch(
        f"/api/claims/{claim_id}/", {"claimant": "Someone else"}, content_type="application/json",
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert second.status_code == 412
    body = second.json()
    assert body["changed_by"] == "rita"
    assert body["current"]["claimant"] == "PTI"
    assert Claim.objects.get().claimant == "PTI"


def test_full_workflow_through_the_api(client, editor, reviewer, article):
    client.force_login(editor)
    claim_id = _create(client, article).json()["id"]
    rating = Rating.objects.get(scale__organization=article.organization, label="Mostly true")
    response = client.patch(
        f"/api/claims/{claim_id}/",
        {"rating": rating.pk, "conclusion": "About **164,000**.", "tags": ["record"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["conclusion_html"] == "<p>About <strong>164,000</strong>.</p>\n"
    response = client.post(
        f"/api/claims/{claim_id}/sources/",
        {"url": "https://example.org/spaces", "title": "Record", "stance": "supports"},
        content_type="application/json",
    )
    assert response.status_code == 201
    response = client.post(
        f"/api/claims/{claim_id}/transition/", {"to": "in_review"}, content_type="application/json"
    )
    assert response.json()["status"] == "in_review"
    denied = client.post(
        f"/api/claims/{claim_id}/transition/", {"to": "published"}, content_type="application/json"
    )
    assert denied.status_code == 403
    client.force_login(reviewer)
    response = client.post(
        f"/api/claims/{claim_id}/transition/", {"to": "published"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published" and body["reviewer"]["username"] == "rita"
    assert [event["action"] for event in body["history"]] == [
        "created", "updated", "source added", "status", "status",
    ]  # fmt: skip


def test_conclusion_markdown_is_sanitised(editor_client, article):
    claim_id = _create(editor_client, article).json()["id"]
    response = editor_client.patch(
        f"/api/claims/{claim_id}/",
        {"conclusion": HOSTILE_MARKDOWN},
        content_type="application/json",
    )
    html = response.json()["conclusion_html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


def test_article_text_change_through_the_api_reanchors(editor_client, article):
    claim_id = _create(editor_client, article).json()["id"]
    response = editor_client.put(
        f"/api/articles/{article.pk}/text/",
        {"text": "New lead paragraph.\n\n" + article.text},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["moved"] == 1
    claim = editor_client.get(f"/api/claims/{claim_id}/").json()
    assert (claim["start"], claim["end"]) == (21, 60)


def test_paste_an_article_through_the_api(editor_client, organization):
    response = editor_client.post(
        "/api/articles/",
        {"title": "Pasted", "text": "One.\r\n\r\nTwo.", "publisher": "Wire"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["text"] == "One.\n\nTwo."
