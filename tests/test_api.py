"""The JSON API that the workspace and other clients use: claims, versions, workflow."""

import http.client
import io
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations import services
from annotations.models import ApiToken, Article, Claim, Membership, Rating
from annotations.permissions import SYSTEM
from tests import factories, wap_client

QUOTE = "Over 160,000 people listened in at once"
HOSTILE_MARKDOWN = '<script>alert(1)</script>[x](javascript:alert(1)) <img src=x onerror="a()">'


def _create(client, article, quote=QUOTE):
    selectors = factories.quote_selectors(article.text, quote)
    return client.post(
        f"/api/v1/newsroom/articles/{article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )


def test_selection_becomes_a_claim_with_an_etag(editor_client, article):
    response = _create(editor_client, article)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["exact"] == QUOTE and (body["start"], body["end"]) == (0, 39)
    assert response.headers["ETag"] == '"1"'
    assert response["Location"] == f"/api/v1/newsroom/claims/{body['id']}/"


def test_selection_that_does_not_match_the_text_is_refused_with_a_reason(editor_client, article):
    selectors = factories.quote_selectors(article.text, QUOTE)
    selectors[1]["start"] += 1
    selectors[1]["end"] += 1
    selectors[0]["exact"] = "Over 160,000 people listened in at oncX"
    response = editor_client.post(
        f"/api/v1/newsroom/articles/{article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "selectors" in response.json()["errors"]
    assert not Claim.objects.exists()


def test_a_quote_found_twice_needs_its_position_or_context(editor, editor_client):
    sentence = "Turnout was 4.4 percent."
    text = f"{sentence} The minister said so. Later the paper repeated: {sentence}"
    article = factories.article(editor.memberships.get().organization, editor, text=text)
    url = f"/api/v1/newsroom/articles/{article.pk}/claims/"
    quote_only = [{"type": "TextQuoteSelector", "exact": sentence}]

    refused = editor_client.post(url, {"selectors": quote_only}, content_type="application/json")

    assert refused.status_code == 400
    assert "appears 2 times in the text" in str(refused.json()["errors"]["selectors"])
    assert not Claim.objects.exists()
    # The second copy, named by its context or its position, is the one claimed.
    second = text.rindex(sentence)
    for selectors in (
        [{**quote_only[0], "prefix": "repeated: "}],
        [{"type": "TextPositionSelector", "start": second, "end": second + len(sentence)}],
    ):
        made = editor_client.post(url, {"selectors": selectors}, content_type="application/json")
        assert made.status_code == 201, made.json()
        assert made.json()["start"] == second
        Claim.objects.all().delete()


def test_positions_alone_that_cut_a_word_are_refused_with_how_they_count(editor_client, editor):
    """Trial D2: positions counted on the text as sent ("\r\n\r\n\r\n", made one blank
    line) made the claim "ation hit 9 percent in", from inside a word, with a 201."""
    sent = "Intro line.\r\n\r\n\r\nSecond para says inflation hit 9 percent in May."
    created = editor_client.post(
        "/api/v1/newsroom/articles/", {"title": "Prices", "text": sent},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    article_id, text = created.json()["id"], created.json()["text"]
    url = f"/api/v1/newsroom/articles/{article_id}/claims/"
    words = "inflation hit 9 percent"
    on_sent = sent.index(words)
    positions = [{"type": "TextPositionSelector", "start": on_sent, "end": on_sent + len(words)}]

    refused = editor_client.post(url, {"selectors": positions}, content_type="application/json")

    assert refused.status_code == 400
    message = str(refused.json()["errors"]["selectors"])
    assert "begin or end inside a word" in message and "as the API returns it" in message
    # Inside a number written with a separator too: "hit 9" of "9.5" (review R21).
    decimal = text.replace("9 percent", "9.5 percent")
    assert decimal != text
    at = text.index("hit 9")
    services.article_update_text(
        article=Article.objects.get(pk=article_id), actor=editor, text=decimal
    )
    cut = editor_client.post(
        url, {"selectors": [{"type": "TextPositionSelector", "start": at, "end": at + 5}]},
        content_type="application/json",
    )  # fmt: skip
    assert cut.status_code == 400, cut.json()
    services.article_update_text(
        article=Article.objects.get(pk=article_id), actor=editor, text=text
    )
    assert not Claim.objects.exists()
    # Counted on the text the API returned, or confirmed by a quote, they are taken.
    start = text.index(words)
    for selectors in (
        [{"type": "TextPositionSelector", "start": start, "end": start + len(words)}],
        [{"type": "TextQuoteSelector", "exact": "ation hit 9"}],  # inside a word, on purpose
    ):
        made = editor_client.post(url, {"selectors": selectors}, content_type="application/json")
        assert made.status_code == 201, made.json()
        Claim.objects.all().delete()


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
        f"/api/v1/newsroom/articles/{article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_stale_if_match_changing_the_same_field_gets_409_with_who_changed_it_and_the_claim(
    client, editor, reviewer, article
):
    client.force_login(editor)
    claim_id = _create(client, article).json()["id"]
    client.force_login(reviewer)
    first = client.patch(
        f"/api/v1/newsroom/claims/{claim_id}/", {"claimant": "PTI"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert first.status_code == 200 and first.json()["version"] == 2
    client.force_login(editor)
    second = client.patch(
        f"/api/v1/newsroom/claims/{claim_id}/", {"claimant": "Someone else"},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert second.status_code == 409
    body = second.json()
    assert body["changed_by"] == "rita"
    assert body["conflicts"][0]["field"] == "claimant"
    assert body["current"]["claimant"] == "PTI"
    assert Claim.objects.get().claimant == "PTI"


def test_full_workflow_through_the_api(client, editor, reviewer, article):
    client.force_login(editor)
    claim_id = _create(client, article).json()["id"]
    rating = Rating.objects.get(scale__organization=article.organization, label="Mostly true")
    response = client.patch(
        f"/api/v1/newsroom/claims/{claim_id}/",
        {"rating": rating.pk, "conclusion": "About **164,000**.", "tags": ["record"], "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["conclusion_html"] == "<p>About <strong>164,000</strong>.</p>\n"
    response = client.post(
        f"/api/v1/newsroom/claims/{claim_id}/sources/",
        {"url": "https://example.org/spaces", "title": "Record", "stance": "supports"},
        content_type="application/json",
        headers={"If-Match": '"2"'},
    )
    assert response.status_code == 201
    response = client.post(
        f"/api/v1/newsroom/claims/{claim_id}/transition/", {"to": "in_review", "version": 3},
        content_type="application/json",
    )  # fmt: skip
    assert response.json()["status"] == "in_review"
    publish = {"to": "published", "version": response.json()["version"]}
    denied = client.post(
        f"/api/v1/newsroom/claims/{claim_id}/transition/", publish, content_type="application/json"
    )
    assert denied.status_code == 403
    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/newsroom/claims/{claim_id}/transition/", publish, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published" and body["reviewer"]["username"] == "rita"
    # Newest first.
    assert [event["action"] for event in body["history"]] == [
        "status", "status", "source added", "updated", "created",
    ]  # fmt: skip


def test_conclusion_markdown_is_sanitised(editor_client, article):
    claim_id = _create(editor_client, article).json()["id"]
    response = editor_client.patch(
        f"/api/v1/newsroom/claims/{claim_id}/",
        {"conclusion": HOSTILE_MARKDOWN},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    html = response.json()["conclusion_html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


def test_article_text_change_through_the_api_reanchors(editor_client, article):
    claim_id = _create(editor_client, article).json()["id"]
    response = editor_client.put(
        f"/api/v1/newsroom/articles/{article.pk}/text/",
        {"text": "New lead paragraph.\n\n" + article.text},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["moved"] == 1
    claim = editor_client.get(f"/api/v1/newsroom/claims/{claim_id}/").json()
    assert (claim["start"], claim["end"]) == (21, 60)


def test_a_claims_revision_is_the_articles_revision_number_not_a_row_id(
    editor_client, article, organization, editor
):
    """A client sends back the `revision` it read; it must be the number the API takes."""
    factories.article(organization, editor, text="Another desk's story.")  # ids now differ
    text_url = f"/api/v1/newsroom/articles/{article.pk}/text/"
    for lead in ("New lead.\n\n", "Newer lead.\n\n"):
        response = editor_client.put(
            text_url, {"text": lead + article.text}, content_type="application/json"
        )
        assert response.status_code == 200
    article.refresh_from_db()
    number = editor_client.get(f"/api/v1/newsroom/articles/{article.pk}/").json()["revision"]
    assert number == 3 and article.revisions.get(number=3).pk != 3
    claim = _create(editor_client, article).json()
    assert (claim["revision"], claim["revision_number"]) == (3, 3)
    again = editor_client.post(
        f"/api/v1/newsroom/articles/{article.pk}/claims/",
        {
            "selectors": factories.quote_selectors(article.text, "22.8 years"),
            "revision": claim["revision"],
        },
        content_type="application/json",
    )
    assert again.status_code == 201, again.content


def test_paste_an_article_through_the_api(editor_client, organization):
    response = editor_client.post(
        "/api/v1/newsroom/articles/",
        {"title": "Pasted", "text": "One.\r\n\r\nTwo.", "publisher": "Wire"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["text"] == "One.\n\nTwo."
    # A 201 says where what it made is.
    assert response["Location"] == f"/api/v1/newsroom/articles/{response.json()['id']}/"
    assert editor_client.get(response["Location"]).json()["title"] == "Pasted"


def test_a_paste_holding_nul_characters_is_made_without_them(editor_client, article):
    """Text copied from a PDF may hold NULs nobody can see: "Null characters are not
    allowed" left the editor hunting for an invisible character."""
    response = editor_client.post(
        "/api/v1/newsroom/articles/",
        {"title": "Pasted", "text": "One\x00 claim.\n\nTwo."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["text"] == "One claim.\n\nTwo."
    edited = editor_client.post(
        f"/articles/{article.pk}/edit-text/",
        {"text": article.text + "\x00\n\nMore.", "action": "preview"},
    )
    assert edited.status_code == 200
    assert "Null characters" not in edited.content.decode()


def test_a_member_of_two_newsrooms_names_one_by_its_id_or_its_slug(
    editor_client, organization, editor
):
    """The slug the list filters and the public API use works for writing too."""
    other = factories.OrganizationFactory()
    services.membership_set(organization=other, user=editor, role="editor", actor=SYSTEM)
    url = "/api/v1/newsroom/articles/"
    paste = {"title": "Pasted", "text": "One.\n\nTwo."}
    unnamed = editor_client.post(url, paste, content_type="application/json")
    assert unnamed.status_code == 400
    assert "id or slug" in " ".join(unnamed.json()["errors"]["organization"])
    by_slug = editor_client.post(
        url, {**paste, "organization": other.slug}, content_type="application/json"
    )
    assert by_slug.status_code == 201, by_slug.content
    assert by_slug.json()["organization"] == other.pk
    by_id = editor_client.post(
        url, {**paste, "organization": organization.pk}, content_type="application/json"
    )
    assert by_id.json()["organization"] == organization.pk
    # In an upload's form fields too.
    upload = io.BytesIO(b"Uploaded text.\n\nSecond paragraph.")
    upload.name = "story.txt"
    uploaded = editor_client.post(url, {"file": upload, "organization": other.slug})
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["organization"] == other.pk
    for wrong in ("no-such-desk", factories.OrganizationFactory().slug):
        refused = editor_client.post(
            url, {**paste, "organization": wrong}, content_type="application/json"
        )
        assert refused.status_code == 404
    bad = editor_client.post(url, {**paste, "organization": "a b"}, content_type="application/json")
    assert bad.status_code == 400
    assert "id or slug" in " ".join(bad.json()["errors"]["organization"])


# Versions: no write to a claim without saying which version it was made on


def _unversioned_writes(article, claim_id):
    return [
        ("patch", f"/api/v1/newsroom/claims/{claim_id}/", {"claimant": "PTI"}),
        ("post", f"/api/v1/newsroom/claims/{claim_id}/transition/", {"to": "in_review"}),
        ("post", f"/api/v1/newsroom/claims/{claim_id}/sources/", {"url": "https://example.org/"}),
        (
            "post",
            f"/api/v1/newsroom/claims/{claim_id}/reattach/",
            {"selectors": factories.quote_selectors(article.text, "22.8 years")},
        ),
    ]


def test_every_claim_write_without_a_version_gets_428_and_changes_nothing(editor_client, article):
    claim_id = _create(editor_client, article).json()["id"]
    for method, url, body in _unversioned_writes(article, claim_id):
        response = getattr(editor_client, method)(url, body, content_type="application/json")
        assert response.status_code == 428, url
        assert "If-Match" in response.json()["detail"]
    claim = Claim.objects.get()
    assert claim.version == 1 and claim.claimant == "" and claim.status == "draft"
    assert not claim.sources.exists() and claim.exact == QUOTE
    assert list(claim.events.values_list("action", flat=True)) == ["created"]


def test_the_same_writes_with_a_version_field_or_if_match_go_through(editor_client, article):
    claim_id = _create(editor_client, article).json()["id"]
    for version, (method, url, body) in enumerate(_unversioned_writes(article, claim_id), 1):
        if version % 2:
            response = getattr(editor_client, method)(
                url, {**body, "version": version}, content_type="application/json"
            )
        else:
            response = getattr(editor_client, method)(
                url, body, content_type="application/json", headers={"If-Match": f'W/"{version}"'}
            )
        assert response.status_code in (200, 201), (url, response.content[:300])
    assert Claim.objects.get().version == 5


def test_a_version_never_reached_or_two_different_versions_are_said_as_such(editor_client, article):
    """Version 101 of a claim at version 1 answered "changed by demo-editor since you opened
    it"; If-Match 1 beside a body's version 2 silently took the header."""
    claim_id = _create(editor_client, article).json()["id"]
    url = f"/api/v1/newsroom/claims/{claim_id}/"
    future = editor_client.patch(
        url, {"claimant": "A", "version": 101}, content_type="application/json"
    )
    assert future.status_code == 412
    assert future.json()["detail"] == (
        "This claim has no version 101: it is at version 1. Send the version you read."
    )
    assert future.json()["type"].endswith("/problems/no-such-version/")
    assert future.json()["title"] == "The claim has no such version."
    assert "changed_by" not in future.json() and future.json()["current"]["version"] == 1
    both = editor_client.patch(
        url, {"claimant": "A", "version": 2}, content_type="application/json",
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert both.status_code == 400
    assert both.json()["errors"]["version"] == ["If-Match says version 1 and the body 2: send one."]
    # HTTP's `*` and lists name no one version to merge from: said so (trial D2).
    for header in ("*", '"1", "2"'):
        refused = editor_client.patch(
            url, {"claimant": "A"}, content_type="application/json", headers={"If-Match": header}
        )
        assert refused.status_code == 400
        assert "cannot stand for it" in refused.json()["errors"]["If-Match"][0]
    assert Claim.objects.get().version == 1


def test_changing_or_removing_a_source_without_a_version_gets_428(editor_client, article):
    claim_id = _create(editor_client, article).json()["id"]
    added = editor_client.post(
        f"/api/v1/newsroom/claims/{claim_id}/sources/",
        {"url": "https://example.org/", "version": 1},
        content_type="application/json",
    )  # fmt: skip
    source_id = added.json()["sources"][0]["id"]
    url = f"/api/v1/newsroom/claims/{claim_id}/sources/{source_id}/"
    changed = editor_client.patch(url, {"stance": "refutes"}, content_type="application/json")
    removed = editor_client.delete(url)
    assert changed.status_code == removed.status_code == 428
    claim = Claim.objects.get()
    assert claim.version == 2 and claim.sources.get().stance == "context"


def test_a_cited_source_answers_with_where_it_is_and_reads_back_from_there(editor_client, article):
    """A 201 with no Location left a client to dig the new source out of the claim's list
    (API trial D3)."""
    claim_id = _create(editor_client, article).json()["id"]
    added = editor_client.post(
        f"/api/v1/newsroom/claims/{claim_id}/sources/",
        {"url": "https://example.org/factbook", "title": "Factbook", "version": 1},
        content_type="application/json",
    )  # fmt: skip
    assert added.status_code == 201
    source_id = added.json()["sources"][0]["id"]
    assert added["Location"] == f"/api/v1/newsroom/claims/{claim_id}/sources/{source_id}/"
    read = editor_client.get(added["Location"])
    assert read.status_code == 200
    assert read.json()["id"] == source_id and read.json()["title"] == "Factbook"
    assert read["ETag"] == '"2"'
    # Its ETag is the If-Match a change of the source sends.
    changed = editor_client.patch(
        added["Location"], {"stance": "refutes"}, content_type="application/json",
        headers={"If-Match": read["ETag"]},
    )  # fmt: skip
    assert changed.status_code == 200


def _hammer(
    live_server, session_id: str, claim_id: int, headers: dict, count: int
) -> list[tuple[int, dict]]:
    """Send `count` PATCHes of the claim at once from as many threads: (status, body) each."""
    csrf = "a" * 32
    barrier = threading.Barrier(count)

    def patch(index: int) -> tuple[int, dict]:
        connection = http.client.HTTPConnection(
            live_server.thread.host, live_server.thread.port, timeout=60
        )
        body = json.dumps({"claimant": f"writer {index}"})
        request_headers = {
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session_id}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            **headers,
        }
        # Connect first, so that the requests, not the connections, race.
        connection.connect()
        barrier.wait(timeout=60)
        connection.request("PATCH", f"/api/v1/newsroom/claims/{claim_id}/", body, request_headers)
        response = connection.getresponse()
        answer = (response.status, json.loads(response.read() or b"null"))
        connection.close()
        return answer

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(patch, range(count)))


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_writes_without_a_version_all_get_428_and_change_nothing(
    client, live_server, editor, article
):
    client.force_login(editor)
    claim_id = _create(client, article).json()["id"]
    session_id = client.cookies["sessionid"].value

    answers = _hammer(live_server, session_id, claim_id, {}, count=50)
    assert Counter(status for status, _ in answers) == {428: 50}
    claim = Claim.objects.get()
    assert (claim.version, claim.claimant, claim.events.count()) == (1, "", 1)


@pytest.mark.django_db(transaction=True)
def test_hundred_concurrent_writes_of_one_field_with_one_version_give_one_success_no_lost_update(
    client, live_server, editor, article
):
    client.force_login(editor)
    claim_id = _create(client, article).json()["id"]
    session_id = client.cookies["sessionid"].value

    answers = _hammer(live_server, session_id, claim_id, {"If-Match": '"1"'}, count=100)
    assert Counter(status for status, _ in answers) == {200: 1, 409: 99}, [
        body for status, body in answers if status not in (200, 409)
    ][:3]
    [winner] = [body for status, body in answers if status == 200]
    claim = Claim.objects.get()
    # No lost update: what is stored is what the one success answered, written once.
    assert (claim.version, claim.claimant) == (2, winner["claimant"])
    assert winner["claimant"].startswith("writer ")
    assert claim.events.filter(action="updated").count() == 1
    for status, problem in answers:
        if status == 409:
            assert problem["type"] == "/api/v1/problems/edit-conflict/"
            assert [conflict["field"] for conflict in problem["conflicts"]] == ["claimant"]
            assert problem["claim"] == claim_id and "claim" in problem["detail"]
            assert problem["changed_by"] == editor.username
            assert (problem["current"]["version"], problem["current"]["claimant"]) == (
                2,
                winner["claimant"],
            )


def test_an_article_sent_as_both_text_and_url_is_refused_and_nothing_is_made(
    editor_client, organization
):
    from annotations.models import Article

    before = Article.objects.count()
    response = editor_client.post(
        "/api/v1/newsroom/articles/",
        {"title": "Both", "text": "Pasted words.", "url": "https://example.org/story"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "not text and url" in response.json()["errors"]["url"][0]
    assert Article.objects.count() == before


def test_a_json_array_for_an_article_gets_a_plain_problem_detail(editor_client):
    response = editor_client.post(
        "/api/v1/newsroom/articles/", [{"title": "x"}], content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Expected a JSON object with the article's fields."


def _corrected_claims(article, editor, reviewer, count):
    for paragraph in article.text.split("\n\n")[:count]:
        claim = factories.published_claim(article, editor, reviewer, quote=paragraph)
        claim = factories.services.claim_update(
            claim=claim, actor=editor, expected_version=None, conclusion="Checked again."
        )
        if claim.status != Claim.Status.IN_REVIEW:
            claim = factories.services.claim_transition(
                claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW
            )
        factories.services.claim_transition(
            claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED, note="Reworded."
        )


def test_the_workspace_list_of_claims_costs_the_same_queries_for_few_claims_or_many(
    client, editor, reviewer, organization
):
    counts = []
    for size in (2, 6):
        text = "\n\n".join(
            f"Claim {n}: {n * 1000} people came, the minister said." for n in range(1, 7)
        )
        article = factories.article(organization, editor, text=text, title=f"{size} claims")
        _corrected_claims(article, editor, reviewer, size)
        client.force_login(editor)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/newsroom/articles/{article.pk}/claims/")
        assert response.status_code == 200 and len(response.json()) == size
        assert all(claim["published_version"]["correction"] for claim in response.json())
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_article_list_filters_by_organization_without_telling_which_ids_exist(
    editor_client, organization, editor
):
    mine = factories.article(organization, editor, title="Ours")
    other = factories.OrganizationFactory()
    factories.article(other, factories.member(other, "admin"), title="Theirs")

    def titles(**query):
        response = editor_client.get("/api/v1/newsroom/articles/", query)
        assert response.status_code == 200, response.content
        return [row["title"] for row in response.json()["results"]]

    assert titles(organization=organization.pk) == titles(organization=organization.slug)
    assert titles(organization=organization.slug) == [mine.title]
    assert titles(organization=other.pk) == titles(organization=99_999_999) == []
    assert titles(organization=other.slug) == titles(organization="no-such-desk") == []
    assert (
        editor_client.get("/api/v1/newsroom/articles/", {"status": "nonsense"}).status_code == 400
    )


def test_a_page_that_is_no_page_number_is_a_400_and_one_past_the_end_a_404(
    editor_client, organization, editor
):
    factories.article(organization, editor, title="Ours")
    url = "/api/v1/newsroom/articles/"
    assert editor_client.get(url, {"page": 1}).json()["results"][0]["title"] == "Ours"
    assert editor_client.get(url, {"page": "last"}).status_code == 200
    for bad in ("abc", "0", "-1", "1.5", "²", "99999999999999999999"):
        response = editor_client.get(url, {"page": bad})
        assert response.status_code == 400, bad
        assert "page" in response.json()["errors"], response.json()
    assert editor_client.get(url, {"page": 2}).status_code == 404


# A selection quoting the text as the client sent it, before the server made it canonical

SENT_TEXT = (
    "Imran Khan’s rally drew crowds — officials said.\n\n"
    "Pakistan Today\u00a0shared a summary of the speech."
)


def _post_selection(client, article, via, selector):
    if via == "newsroom":
        return client.post(
            f"/api/v1/newsroom/articles/{article.pk}/claims/",
            {"selectors": [selector]},
            content_type="application/json",
        )
    annotation = wap_client.quote_annotation("urn:x:page", "")
    annotation["target"]["selector"] = selector
    return client.post(
        f"/api/v1/annotations/articles/{article.pk}/",
        json.dumps(annotation),
        content_type=wap_client.MEDIA_TYPE,
    )


@pytest.fixture
def token_client(editor):
    _token, key = services.token_create(actor=editor, name="t", scope=ApiToken.Scope.READ_WRITE)
    return Client(headers={"Authorization": f"Token {key}"})


@pytest.mark.parametrize("via", ["newsroom", "web annotation"])
@pytest.mark.parametrize(
    ("selector", "stored"),
    [
        (
            {"type": "TextQuoteSelector", "exact": "Pakistan Today\u00a0shared a summary"},
            "Pakistan Today shared a summary",
        ),
        (
            {
                "type": "TextQuoteSelector",
                "exact": "shared a summary",
                "prefix": "Pakistan Today\u00a0",
                "suffix": "\u00a0of the",
            },
            "shared a summary",
        ),
        (
            {"type": "TextQuoteSelector", "exact": "Imran Khan's rally drew crowds - officials"},
            "Imran Khan’s rally drew crowds — officials",
        ),
        (
            {"type": "TextQuoteSelector", "exact": "said.\r\n\r\nPakistan\u00a0 Today"},
            "said.\n\nPakistan Today",
        ),
        (
            {"type": "TextQuoteSelector", "exact": "Pakistan To\u00adday shared"},
            "Pakistan Today shared",
        ),
    ],
    ids=[
        "no-break space",
        "no-break space in context",
        "typed quotes and dash",
        "line ends",
        "soft hyphen",
    ],
)
def test_a_selection_quoting_the_text_as_sent_is_made_with_the_articles_characters(
    organization, editor, token_client, via, selector, stored
):
    """The server folded the no-break spaces of the text it was sent; the quote folds alike."""
    article = factories.article(organization, editor, text=SENT_TEXT)
    assert "\u00a0" not in article.text

    response = _post_selection(token_client, article, via, selector)

    assert response.status_code == 201, response.content
    claim = Claim.objects.get()
    assert claim.exact == stored == article.text[claim.start : claim.end]
    assert (claim.prefix, claim.suffix) == (
        article.text[max(0, claim.start - 32) : claim.start],
        article.text[claim.end : claim.end + 32],
    )


@pytest.mark.parametrize("via", ["newsroom", "web annotation"])
def test_a_selection_with_other_letters_than_the_text_is_still_refused(
    organization, editor, token_client, via
):
    article = factories.article(organization, editor, text=SENT_TEXT)
    selector = {"type": "TextQuoteSelector", "exact": "Pakistan Todya\u00a0shared a summary"}

    response = _post_selection(token_client, article, via, selector)

    assert response.status_code == 400
    said = response.json()["errors"]
    said = said.get("selectors") or said.get("target")
    assert said == [
        # The no-break space was read as the text's canonical space.
        "The quote 'Pakistan Todya shared a summary' is not in the text (spaces and quote "
        "marks aside); the closest passage, at 50-81, reads 'Pakistan Today shared a summary'."
    ], said
    assert not Claim.objects.exists()


def test_a_selection_of_words_that_are_a_claim_already_is_a_409_naming_it(
    editor, editor_client, article
):
    """The same words claimed a second time (selected again, a second window, two editors
    at once) made a second, identical claim, and both went on to review."""
    first = _create(editor_client, article).json()
    again = _create(editor_client, article)
    assert again.status_code == 409, again.json()
    problem = again.json()
    assert problem["type"].endswith("/already-claimed/") and problem["claim"] == first["id"]
    assert f"claim {first['id']}" in problem["detail"]
    assert Claim.objects.count() == 1
    # Words overlapping it, or a client that means it, make a claim.
    assert _create(editor_client, article, quote="160,000 people").status_code == 201
    selectors = factories.quote_selectors(article.text, QUOTE)
    meant = editor_client.post(
        f"/api/v1/newsroom/articles/{article.pk}/claims/",
        {"selectors": selectors, "allow_same_words": True},
        content_type="application/json",
    )
    assert meant.status_code == 201
    # A retracted claim's words may be checked again.
    claim = Claim.objects.get(pk=first["id"])
    Claim.objects.filter(pk=meant.json()["id"]).delete()
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.RETRACTED)
    assert _create(editor_client, article).status_code == 201


def test_two_editors_claiming_the_same_words_at_once_make_one_claim(
    transactional_db, organization, editor, reviewer
):
    article = factories.article(organization, editor)
    clients = []
    for user in (editor, reviewer):
        client = Client()
        client.force_login(user)
        clients.append(client)
    barrier = threading.Barrier(2)

    def claim(client):
        barrier.wait()
        try:
            return _create(client, article).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(claim, clients))
    assert statuses == [201, 409]
    assert Claim.objects.filter(article=article).count() == 1


def test_an_articles_claims_are_filtered_by_status_and_a_stray_parameter_is_a_400(
    editor, editor_client, reviewer, article
):
    published = factories.published_claim(article, editor, reviewer)
    draft = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "the median age is only 22.8 years"),
    )
    url = f"/api/v1/newsroom/articles/{article.pk}/claims/"

    def ids(query):
        answer = editor_client.get(url + query)
        assert answer.status_code == 200, answer.json()
        return [claim["id"] for claim in answer.json()]

    assert sorted(ids("")) == sorted([published.pk, draft.pk])
    assert ids("?status=draft") == [draft.pk]
    assert ids("?status=published") == [published.pk]
    assert sorted(ids("?status=draft,in_review,published")) == sorted([published.pk, draft.pk])
    for query, named in (
        ("?state=draft", "state"),  # a typo answered every claim, as if filtered
        ("?status=drafts", "status"),
        ("?status=", "status"),
        ("?status=draft&status=published", "status"),
    ):
        refused = editor_client.get(url + query)
        assert refused.status_code == 400, query
        assert named in refused.json()["errors"], (query, refused.json())


def test_an_editor_takes_out_of_review_only_a_claim_they_made(
    editor, reviewer, organization, article
):
    """Another editor's "Back to draft" took a claim out of the reviewers' queue with no
    reason and nobody told (trial G19)."""
    other = factories.member(organization, username="other-editor")

    def in_review():
        claim = services.claim_create(
            article=article,
            creator=editor,
            selectors=factories.quote_selectors(article.text, QUOTE),
            refuse_same_words=False,
        )
        return services.claim_transition(claim=claim, actor=editor, to_status="in_review")

    def back_to_draft(claim, who):
        client = Client()
        client.force_login(who)
        return client.post(
            f"/api/v1/newsroom/claims/{claim.pk}/transition/",
            {"to": "draft"},
            content_type="application/json",
            headers={"If-Match": f'"{claim.version}"'},
        )

    claim = in_review()
    refused = back_to_draft(claim, other)
    assert (
        refused.status_code == 403 and "takes this claim out of review" in refused.json()["detail"]
    )
    claim.refresh_from_db()
    assert claim.status == "in_review"
    # A reviewer asks for changes, with a note for the creator.
    assert back_to_draft(claim, reviewer).status_code == 400
    assert back_to_draft(claim, editor).status_code == 200  # its creator
    # Assigning it to oneself, as any editor may, is no way round (review R23).
    assigned = in_review()
    assigned = services.claim_update(
        claim=assigned, actor=other, expected_version=assigned.version, assignee=other
    )
    assert back_to_draft(assigned, other).status_code == 403
    assigned.refresh_from_db()
    assert assigned.status == "in_review"


def test_a_move_refused_for_a_role_lost_meanwhile_names_the_role_now(
    client, article, editor, reviewer, organization
):
    """A reviewer made an editor while their page was open read only "Your role does not
    allow this step": the 403 names the role they now have (trial G20)."""
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    services.membership_set(
        organization=organization, user=reviewer, role=Membership.Role.EDITOR, actor=SYSTEM
    )
    client.force_login(reviewer)
    claim.refresh_from_db()
    refused = client.post(
        f"/api/v1/newsroom/claims/{claim.pk}/transition/",
        {"to": "published", "version": claim.version},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["role"] == "editor"
    assert refused.json()["type"] == "/api/v1/problems/permission-denied/"
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW
