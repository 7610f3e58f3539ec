"""An article's title, byline, publisher, date and original address reach readers only as
published: a change to them goes through review like any change to a verdict."""

import datetime as dt
import html
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from annotations import queries, services, versions
from annotations.models import Claim, ClaimEvent, Membership, PublishedVersion, Rating
from tests import factories

pytestmark = pytest.mark.django_db

OLD_URL = "https://news.example/2026/12/spaces"
NEW_URL = "https://other.example/elsewhere"
MEDIAN = "the median age is only 22.8 years"


@pytest.fixture
def desk(newsroom):
    """The sample article with its details set, and one claim on it published."""
    article, editor = newsroom["article"], newsroom["editor"]
    services.article_update_details(
        article=article, actor=editor, title="Khan's record Spaces session",
        byline="By Jane Doe", publisher="The Daily Example", canonical_url=OLD_URL,
        published_on=dt.date(2026, 11, 30),
    )  # fmt: skip
    claim = factories.published_claim(article, editor, newsroom["reviewer"])
    article.refresh_from_db()
    return {**newsroom, "article": article, "claim": claim}


def _change_details(desk, actor=None, **fields):
    fields = fields or {
        "title": "A different story",
        "byline": "By Someone Else",
        "publisher": "Another Paper",
        "canonical_url": NEW_URL,
        "published_on": dt.date(2025, 1, 1),
    }
    return services.article_update_details(
        article=desk["article"], actor=actor or desk["editor"], **fields
    )


def _json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def _claim_item(client, claim):
    return client.get(f"/api/v1/claims/{claim.pk}/").json()


def test_the_reader_address_follows_the_title_until_a_fact_check_on_it_is_published(
    client, newsroom
):
    """The address was made once, from the first title (a working title, an uploaded file's
    name), and readers met it for good (review R7): "leaked-working-title-minister-affair"."""
    editor = newsroom["editor"]
    article = factories.article(
        newsroom["organization"], editor, title="Leaked working title minister affair"
    )
    assert article.slug == "leaked-working-title-minister-affair"
    article = services.article_update_details(article=article, actor=editor, title="Public title")
    assert article.slug == "public-title"
    # Kept under the same title: no "-2" for the address it has already.
    article = services.article_update_details(
        article=article, actor=editor, title="Public title", byline="By Jane Doe"
    )
    assert article.slug == "public-title"

    factories.published_claim(article, editor, newsroom["reviewer"])
    reader_page = reverse("reader-article", args=[article.organization.slug, "public-title"])
    assert client.get(reader_page).status_code == 200
    # Published, the address is a permalink: a new title leaves it.
    article = services.article_update_details(article=article, actor=editor, title="Renamed")
    assert article.slug == "public-title"
    assert client.get(reader_page).status_code == 200


def test_publishing_freezes_the_article_details_in_the_version(desk):
    version = PublishedVersion.objects.get(claim=desk["claim"], is_current=True)
    assert (
        version.article_title, version.article_byline, version.article_publisher,
        version.article_url, version.article_url_key, version.article_published_on,
    ) == (
        "Khan's record Spaces session", "By Jane Doe", "The Daily Example", OLD_URL,
        desk["article"].url_key, dt.date(2026, 11, 30),
    )  # fmt: skip


def test_changed_details_reach_no_reader_until_a_reviewer_republishes(client, desk):
    claim, article = desk["claim"], desk["article"]
    _change_details(desk)

    # The reader pages, with their ClaimReview, show the article as published.
    page = client.get(reverse("reader-article", args=[article.organization.slug, article.slug]))
    html = page.content.decode()
    assert "Khan&#x27;s record Spaces session" in html and "A different story" not in html
    assert "Jane Doe" in html and "Someone Else" not in html
    assert OLD_URL in html and NEW_URL not in html
    claim_page = client.get(reverse("reader-claim", args=[claim.pk])).content.decode()
    assert "The Daily Example" in claim_page and "Another Paper" not in claim_page
    appearance = _json_ld(claim_page)["itemReviewed"]["appearance"]
    assert appearance["headline"] == "Khan's record Spaces session"
    assert appearance["url"] == OLD_URL
    assert appearance["datePublished"] == "2026-11-30"
    assert appearance["publisher"]["name"] == "The Daily Example"
    streamed = client.get("/api/v1/claimreview/")
    feed = json.loads(b"".join(streamed.streaming_content))
    [element] = feed["dataFeedElement"]
    assert element["itemReviewed"]["appearance"]["url"] == OLD_URL

    # The public API, with its article filters: the embed finds the verdict where it was
    # published, and not on the page the newsroom now names.
    item = _claim_item(client, claim)
    assert item["article"]["title"] == "Khan's record Spaces session"
    assert item["article"]["url"] == OLD_URL
    assert item["article"]["published_on"] == "2026-11-30"
    found = client.get("/api/v1/claims/", {"article_url": OLD_URL}).json()["results"]
    assert [entry["id"] for entry in found] == [claim.pk]
    assert client.get("/api/v1/claims/", {"article_url": NEW_URL}).json()["results"] == []
    [listed] = client.get("/api/v1/articles/", {"article_url": OLD_URL}).json()["results"]
    assert listed["title"] == "Khan's record Spaces session"
    assert client.get("/api/v1/articles/", {"article_url": NEW_URL}).json()["results"] == []
    detail = client.get(f"/api/v1/articles/{article.pk}/").json()
    assert (detail["title"], detail["url"]) == ("Khan's record Spaces session", OLD_URL)
    assert detail["claims"][0]["article"]["url"] == OLD_URL

    # The Web Annotation targets the published address.
    annotation = client.get(f"/api/v1/annotations/{claim.pk}").json()
    assert annotation["target"]["source"] == OLD_URL

    # A second reviewer republishes: now readers are told the new details.
    claim.refresh_from_db()
    services.claim_transition(claim=claim, actor=desk["editor"], to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status="published", note="the paper moved it"
    )
    item = _claim_item(client, claim)
    assert (item["article"]["title"], item["article"]["url"]) == ("A different story", NEW_URL)
    found = client.get("/api/v1/claims/", {"article_url": NEW_URL}).json()["results"]
    assert [entry["id"] for entry in found] == [claim.pk]
    page = client.get(reverse("reader-article", args=[article.organization.slug, article.slug]))
    assert "A different story" in page.content.decode()
    history = queries.claim_public_history(claim)
    assert "original article address changed" in history[-1]["correction"]


def test_a_change_to_the_details_reopens_each_published_claim_for_review(client, desk):
    claim = desk["claim"]
    other = factories.published_claim(
        desk["article"], desk["editor"], desk["reviewer"], quote=MEDIAN
    )
    draft = services.claim_create(
        article=desk["article"], creator=desk["editor"],
        selectors=factories.quote_selectors(desk["article"].text, "Imran Khan"),
    )  # fmt: skip
    _change_details(desk, title="A different story")

    for reopened in (claim, other):
        reopened.refresh_from_db()
        assert reopened.status == Claim.Status.DRAFT
        event = ClaimEvent.objects.filter(claim=reopened).latest("pk")
        assert event.action == "article details changed"
        assert event.actor == desk["editor"]
        assert event.changes["title"] == ["Khan's record Spaces session", "A different story"]
    draft.refresh_from_db()
    assert draft.status == Claim.Status.DRAFT
    assert not ClaimEvent.objects.filter(claim=draft, action="article details changed").exists()

    # The card says what readers would see differently, and the history says why.
    client.force_login(desk["editor"])
    card = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    assert card["unpublished_changes"] == [
        "article title changed from “Khan's record Spaces session” to “A different story”"
    ]
    sentences = json.dumps(card["history"])
    assert "Article details changed: title changed from" in sentences
    assert "reopened as a draft of a correction" in sentences


def test_the_editor_who_changed_the_details_cannot_publish_them_alone(desk):
    reviewer = desk["reviewer"]
    _change_details(desk, actor=reviewer, canonical_url=NEW_URL)
    claim = desk["claim"]
    claim.refresh_from_db()
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.IN_REVIEW)
    with pytest.raises(PermissionDenied, match="Another member must publish this"):
        services.claim_transition(claim=claim, actor=reviewer, to_status="published", note="moved")
    assert queries.published_claims().get(claim=claim).article_url == OLD_URL
    second = factories.member(desk["organization"], Membership.Role.REVIEWER, username="rhea")
    services.claim_transition(claim=claim, actor=second, to_status="published", note="moved")
    assert queries.published_claims().get(claim=claim).article_url == NEW_URL


def test_the_language_and_unchanged_details_reopen_nothing(desk):
    article = desk["article"]
    _change_details(desk, language="en-GB", title=article.title, canonical_url=OLD_URL)
    desk["claim"].refresh_from_db()
    assert desk["claim"].status == Claim.Status.PUBLISHED
    assert not ClaimEvent.objects.filter(action="article details changed").exists()


def test_a_title_retyped_with_another_kind_of_space_is_saved_but_reopens_nothing(desk):
    article, claim = desk["article"], desk["claim"]
    _change_details(desk, title="Khan's record\u00a0Spaces  session", byline="By\u202fJane Doe")
    article.refresh_from_db()
    assert (article.title, article.byline) == (
        "Khan's record\u00a0Spaces  session",
        "By\u202fJane Doe",
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    assert not ClaimEvent.objects.filter(action="article details changed").exists()

    # A change readers can see still reopens it.
    _change_details(desk, title="Khan\u2019s record Spaces session")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT


def test_a_retraction_keeps_the_details_it_withdraws(desk):
    claim = desk["claim"]
    _change_details(desk)
    claim.refresh_from_db()
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status=Claim.Status.RETRACTED, note="Wrong tape"
    )
    retraction = PublishedVersion.objects.get(claim=claim, is_current=True)
    assert retraction.kind == PublishedVersion.Kind.RETRACTED
    assert (retraction.article_title, retraction.article_url) == (
        "Khan's record Spaces session",
        OLD_URL,
    )


def test_the_details_form_says_what_a_change_reopens(client, desk):
    client.force_login(desk["editor"])
    page = client.get(reverse("article-edit", args=[desk["article"].pk])).content.decode()
    assert "1 published fact-check</strong> shows the title" in page
    assert "reopens it as a draft of a correction" in page
    # Reopened already, it still shows readers the details it was published with, and the
    # form says a change would not reopen it again.
    _change_details(desk, title="A different story")
    page = client.get(reverse("article-edit", args=[desk["article"].pk])).content.decode()
    assert "1 published fact-check</strong> shows the title" in page
    assert "It is reopened already as a draft of a correction;" in page
    assert "Changing them reopens" not in page


def test_the_details_form_counts_the_claims_a_change_would_reopen_apart(client, desk):
    article = desk["article"]
    for quote in ("the median age is only 22.8 years", "breaking the prior record"):
        factories.published_claim(article, desk["editor"], desk["reviewer"], quote=quote)
    # One of the three is reopened for a correction of its own.
    services.claim_update(
        claim=desk["claim"], actor=desk["editor"], expected_version=None, conclusion="Redone."
    )
    client.force_login(desk["editor"])
    page = client.get(reverse("article-edit", args=[article.pk])).content.decode()
    assert "3 published fact-checks</strong> show the title" in page
    assert "Changing them reopens 2 as drafts of a correction; 1 is reopened already;" in page


def _loaded(page: str) -> str:
    """The values the details form says it showed (its hidden `loaded` field)."""
    return html.unescape(re.search(r'name="loaded" value="([^"]*)"', page).group(1))


def test_the_details_form_merges_a_save_with_someone_elses_and_stops_on_the_same_field(
    client, desk
):
    article = desk["article"]
    url = reverse("article-edit", args=[article.pk])
    client.force_login(desk["editor"])
    form = {
        "title": "Khan's record Spaces session", "byline": "By Jane Doe",
        "publisher": "The Daily Example", "canonical_url": OLD_URL,
        "published_on": "2026-11-30", "language": "",
        "loaded": _loaded(client.get(url).content.decode()),
    }  # fmt: skip

    # Meanwhile, in another window, a colleague corrects the publisher and the title.
    _change_details(desk, publisher="The Daily Example Ltd", title="Their title")

    # Mine changes the byline only: merged, theirs kept.
    saved = client.post(url, {**form, "byline": "By J. Doe"})
    assert saved.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.byline, article.publisher) == (
        "Their title",
        "By J. Doe",
        "The Daily Example Ltd",
    )

    # Mine changes the title they changed too: stopped, and shown.
    form.update(
        title="Their title", byline="By J. Doe", publisher="The Daily Example Ltd",
        loaded=_loaded(client.get(url).content.decode()),
    )  # fmt: skip
    _change_details(desk, title="Their second title", byline="By Jane Q. Doe")
    refused = client.post(url, {**form, "title": "My title"})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Someone else changed this since you opened the page" in text
    assert "Title: “Their second title”" in text and "Byline" not in text.split("Saved now")[1][:60]
    assert 'value="My title"' in text  # mine, where both changed
    assert 'value="By Jane Q. Doe"' in text  # theirs, where I changed nothing
    article.refresh_from_db()
    assert article.title == "Their second title"
    # Saving again keeps mine and theirs.
    again = _loaded(text)
    assert client.post(url, {**form, "title": "My title", "byline": "By Jane Q. Doe",
                              "loaded": again}).status_code == 302  # fmt: skip
    article.refresh_from_db()
    assert (article.title, article.byline) == ("My title", "By Jane Q. Doe")


def test_a_details_change_on_a_claim_already_reopened_counts_for_the_two_person_rule(desk):
    editor, reviewer, claim = desk["editor"], desk["reviewer"], desk["claim"]
    _change_details(desk, actor=editor, title="A different story")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT
    # The reviewer changes the details too, then would publish alone.
    _change_details(desk, actor=reviewer, byline="By A. Reviewer")
    event = ClaimEvent.objects.filter(claim=claim).latest("pk")
    assert (event.action, event.actor) == ("article details changed", reviewer)
    claim.refresh_from_db()
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    with pytest.raises(PermissionDenied, match="Another member must publish this"):
        services.claim_transition(claim=claim, actor=reviewer, to_status="published", note="x")
    second = factories.member(desk["organization"], Membership.Role.REVIEWER, username="rhea")
    services.claim_transition(claim=claim, actor=second, to_status="published", note="typo")
    assert queries.published_claims().get(claim=claim).article_byline == "By A. Reviewer"


def test_a_reviewer_republishes_the_reopened_claims_at_once_with_one_note(client, desk):
    editor, reviewer = desk["editor"], desk["reviewer"]
    second = factories.member(desk["organization"], Membership.Role.REVIEWER, username="rhea")
    mine = factories.published_claim(desk["article"], reviewer, second, quote=MEDIAN)
    edited = factories.published_claim(desk["article"], editor, second, quote="Imran Khan")
    _change_details(desk, title="A different story")
    # One of them has a change of its own too: it goes through review by itself.
    services.claim_update(
        claim=Claim.objects.get(pk=edited.pk), actor=editor, expected_version=None,
        claimant="PTI",
    )  # fmt: skip
    url = reverse("article-details-republish", args=[desk["article"].pk])

    client.force_login(editor)
    workspace = client.get(reverse("article-workspace", args=[desk["article"].pk]))
    assert "<strong>2 fact-checks</strong> reopened by the article" in workspace.content.decode()
    assert url not in workspace.content.decode()  # an editor may not publish
    assert client.post(url, {"note": "typo"}).status_code == 403

    client.force_login(reviewer)
    workspace = client.get(reverse("article-workspace", args=[desk["article"].pk])).text
    assert url in workspace
    # The reviewer created one of the two, but the latest change to it (the details) is the
    # editor's: the reviewer may republish both.
    assert "Republish all 2" in workspace
    assert client.post(url, {"note": "  "}, follow=True).status_code == 200
    assert Claim.objects.get(pk=desk["claim"].pk).status == Claim.Status.DRAFT

    response = client.post(url, {"note": "the headline had a typo"}, follow=True)

    text = response.content.decode()
    assert "Republished 2 fact-checks with the article" in text
    assert "changed in more than the article&#x27;s details (the claimant)" in text
    republished = Claim.objects.get(pk=desk["claim"].pk)
    assert republished.status == Claim.Status.PUBLISHED
    assert queries.published_claims().get(claim=republished).article_title == "A different story"
    line = queries.claim_public_history(republished)[-1]["correction"]
    assert "article title changed from" in line and "because the headline had a typo" in line
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.PUBLISHED
    assert Claim.objects.get(pk=edited.pk).status == Claim.Status.DRAFT

    # A change of the details the reviewer makes waits for another reviewer.
    _change_details(desk, actor=reviewer, title="Yet another story")
    workspace = client.get(reverse("article-workspace", args=[desk["article"].pk])).text
    assert (
        "The latest change to them is yours, and the newsroom requires a second person: "
        "another reviewer republishes them, or an editor checks" in workspace
    )
    response = client.post(url, {"note": "again"}, follow=True)
    assert "Another member must publish this: the latest change" in response.content.decode()
    assert Claim.objects.get(pk=mine.pk).status == Claim.Status.DRAFT
    assert queries.published_claims().get(claim=edited).article_title != "A different story"


def test_a_reviewer_who_changed_the_details_is_told_another_republishes(client, desk):
    _change_details(desk, actor=desk["reviewer"], title="A different story")
    client.force_login(desk["reviewer"])
    workspace = client.get(reverse("article-workspace", args=[desk["article"].pk])).text
    assert (
        "The latest change to it is yours, and the newsroom requires a second person: "
        "another reviewer republishes it, or an editor checks" in workspace
    )
    assert reverse("article-details-republish", args=[desk["article"].pk]) not in workspace


def test_details_put_back_publish_the_claims_again_as_they_were(client, desk):
    claim, second = (
        desk["claim"],
        factories.member(desk["organization"], Membership.Role.REVIEWER, username="rhea"),
    )
    published = PublishedVersion.objects.filter(claim=claim).count()
    _change_details(desk, title="A typo'd title")
    _change_details(desk, title="Khan's record Spaces session")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.DRAFT
    assert queries.claims_awaiting_article_details(desk["article"]) == [claim]

    report = services.article_details_republish(
        article=desk["article"], actor=second, note="the title is back"
    )

    assert (report.published, report.left) == ([claim], [])
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PUBLISHED
    # Nothing readers see changed: no new version, no correction note.
    assert PublishedVersion.objects.filter(claim=claim).count() == published


def test_a_claim_in_review_is_republished_and_one_changed_otherwise_is_reported(client, desk):
    editor, reviewer = desk["editor"], desk["reviewer"]
    fetched = factories.published_claim(desk["article"], editor, reviewer, quote=MEDIAN)
    source = services.source_add(
        claim=Claim.objects.get(pk=fetched.pk), actor=editor, url="https://example.org/census"
    )
    services.claim_transition(
        claim=Claim.objects.get(pk=fetched.pk), actor=editor, to_status="in_review"
    )
    services.claim_transition(
        claim=Claim.objects.get(pk=fetched.pk), actor=reviewer, to_status="published",
        note="a source added",
    )  # fmt: skip
    _change_details(desk, title="A different story")
    claim = Claim.objects.get(pk=desk["claim"].pk)
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    # The cited page's title is filled in after the details reopened the claim.
    services.source_update(source=source, actor=editor, title="Census 2023")
    assert queries.claims_awaiting_article_details(desk["article"]) == [claim]

    client.force_login(editor)
    notice = client.get(reverse("article-workspace", args=[desk["article"].pk])).text
    assert "have other changes too" in notice and "the sources" in notice

    client.force_login(reviewer)
    response = client.post(
        f"/api/v1/newsroom/articles/{desk['article'].pk}/republish-details/",
        {"note": "headline fixed"}, content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 200
    body = response.json()
    assert body["published"] == [claim.pk]
    assert body["left"] == [
        {
            "id": fetched.pk,
            "reason": "It changed in more than the article's details (the sources): "
            "review and publish it from its card.",
        }
    ]
    assert Claim.objects.get(pk=fetched.pk).status == Claim.Status.DRAFT


@pytest.mark.parametrize("note", ["\u200b", " \u2060 ", 123, ["typo"], None])
def test_republishing_needs_a_note_readers_can_read(client, desk, note):
    _change_details(desk, title="A different story")
    client.force_login(desk["reviewer"])
    response = client.post(
        f"/api/v1/newsroom/articles/{desk['article'].pk}/republish-details/",
        {"note": note}, content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["note"]
    assert Claim.objects.get(pk=desk["claim"].pk).status == Claim.Status.DRAFT


def test_a_correction_note_of_invisible_characters_is_refused(desk):
    _change_details(desk)
    claim = Claim.objects.get(pk=desk["claim"].pk)
    services.claim_transition(claim=claim, actor=desk["editor"], to_status="in_review")
    second = factories.member(desk["organization"], Membership.Role.REVIEWER, username="rhea")
    with pytest.raises(ValidationError, match="visible words"):
        services.claim_transition(claim=claim, actor=second, to_status="published", note="\u200b")
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "\u200b", "only spaces or invisible characters"),
        ("title", "\u200b \u2060", "only spaces or invisible characters"),
        ("canonical_url", "ftp://news.example/story", "Enter an http or https address."),
        ("canonical_url", "https://evil.example/\u202emoc.elgoog", "invisible characters"),
    ],
)
def test_an_invisible_title_or_a_non_web_address_is_refused(client, desk, field, value, message):
    article = desk["article"]
    client.force_login(desk["editor"])
    url = reverse("article-edit", args=[article.pk])
    form = {
        "title": article.title, "byline": "", "publisher": "", "canonical_url": OLD_URL,
        "published_on": "", "language": "", field: value,
    }  # fmt: skip
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert message in html.unescape(refused.content.decode())
    article.refresh_from_db()
    assert getattr(article, field) != value
    api = client.patch(
        f"/api/v1/newsroom/articles/{article.pk}/", {field: value}, content_type="application/json"
    )
    assert api.status_code == 400


def test_a_changed_address_is_told_whole_in_the_correction():
    long_old = "https://voiceofeast.net/2022/04/15/imran-khans-record-shattering-twitter-spaces"
    long_new = "https://voiceofeast.net/2022/04/15/imran-khan-twitter-space-record-listeners"
    before = {"article": {"canonical_url": long_old}}
    after = {"article": {"canonical_url": long_new}}
    assert versions.changes_between(before, after) == [
        f"original article address changed from “{long_old}” to “{long_new}”"
    ]


def _ready_for_review(desk, quote):
    editor = desk["editor"]
    claim = services.claim_create(
        article=desk["article"],
        creator=editor,
        selectors=factories.quote_selectors(desk["article"].text, quote),
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/census")
    rating = desk["claim"].rating
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
    )
    return services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)


def test_a_first_verdict_waits_for_changed_details_to_be_republished(client, desk):
    """A new claim's first version would freeze the new details, and the reader page shows
    the newest version's: they reached readers with no correction note."""
    article = desk["article"]
    page_url = reverse("reader-article", args=[article.organization.slug, article.slug])
    second = _ready_for_review(desk, MEDIAN)
    _change_details(desk, title="A different story", byline="By Someone Else")

    with pytest.raises(ValidationError) as refused:
        services.claim_transition(claim=second, actor=desk["reviewer"], to_status="published")

    assert "this article's earlier title and byline" in str(refused.value)
    assert "republish the fact-checks the change reopened" in str(refused.value)
    # The card said so before the reviewer tried, and its Publish waits.
    client.force_login(desk["reviewer"])
    card = client.get(f"/api/v1/newsroom/claims/{second.pk}/").json()
    assert card["viewer_can_publish"] is False
    assert card["publish_blocked_reason"] == str(refused.value.messages[0])
    [item] = [entry for entry in card["checklist"] if entry["key"] == "article_details"]
    assert item["met"] is False
    client.logout()
    assert Claim.objects.get(pk=second.pk).status == Claim.Status.IN_REVIEW
    assert not PublishedVersion.objects.filter(claim=second).exists()
    html_page = client.get(page_url).content.decode()
    assert "A different story" not in html_page and "Someone Else" not in html_page
    listed = client.get(f"/api/v1/articles/{article.pk}/").json()
    assert listed["title"] == "Khan's record Spaces session"

    # Once the change reaches readers with its note, the new verdict follows it.
    report = services.article_details_republish(
        article=article, actor=desk["reviewer"], note="the paper retitled its story"
    )
    assert report.published == [desk["claim"]]
    client.force_login(desk["reviewer"])
    card = client.get(f"/api/v1/newsroom/claims/{second.pk}/").json()
    assert card["viewer_can_publish"] is True
    assert "article_details" not in [entry["key"] for entry in card["checklist"]]
    client.logout()
    services.claim_transition(
        claim=Claim.objects.get(pk=second.pk), actor=desk["reviewer"], to_status="published"
    )
    assert PublishedVersion.objects.get(claim=second).article_title == "A different story"
    assert "A different story" in client.get(page_url).content.decode()


def test_a_first_verdict_is_published_once_the_details_are_put_back(desk):
    second = _ready_for_review(desk, MEDIAN)
    _change_details(desk, title="A typo'd title")
    with pytest.raises(ValidationError):
        services.claim_transition(claim=second, actor=desk["reviewer"], to_status="published")

    # Retyped with other spacing: it reads as readers were told.
    _change_details(desk, title="Khan's  record Spaces\u00a0session")
    services.claim_transition(
        claim=Claim.objects.get(pk=second.pk), actor=desk["reviewer"], to_status="published"
    )
    assert Claim.objects.get(pk=second.pk).status == Claim.Status.PUBLISHED


def test_a_first_verdict_on_an_article_of_retractions_only_shows_its_details(desk):
    """With nothing left to republish, the details have no other way to readers."""
    claim = desk["claim"]
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status="retracted", note="withdrawn"
    )
    second = _ready_for_review(desk, MEDIAN)
    _change_details(desk, title="A different story")
    services.claim_transition(claim=second, actor=desk["reviewer"], to_status="published")
    assert PublishedVersion.objects.get(claim=second).article_title == "A different story"


def test_details_put_back_with_other_spacing_are_no_change_to_tell_readers(client, desk):
    """Readers read "article title changed from X to X because …" on the claim page."""
    claim = desk["claim"]
    versions_before = PublishedVersion.objects.filter(claim=claim).count()
    _change_details(desk, title="A temporary title")
    _change_details(desk, title="Khan's record  Spaces\u00a0session")

    report = services.article_details_republish(
        article=desk["article"], actor=desk["reviewer"], note="the title is back"
    )

    assert report.published == [claim]
    assert PublishedVersion.objects.filter(claim=claim).count() == versions_before
    history = queries.claim_public_history(claim)
    assert not any("article title changed" in (entry["correction"] or "") for entry in history)


def test_details_put_back_are_published_again_without_a_note_from_the_notice(client, desk):
    """The notice kept asking for a public correction note for a change readers never saw,
    and said "Republished … with the article's new details" when there were none."""
    claim, reviewer = desk["claim"], desk["reviewer"]
    published = PublishedVersion.objects.filter(claim=claim).count()
    # The reviewer's own slip, undone: nothing of it reaches readers, so no second person.
    _change_details(desk, actor=reviewer, title="A typo'd title")
    _change_details(desk, actor=reviewer, title="Khan's record Spaces session")
    client.force_login(reviewer)
    url = reverse("article-workspace", args=[desk["article"].pk])

    notice = client.get(url).text
    assert "details are back as readers saw them" in notice
    assert "Publish it again as it was" in notice and 'name="note"' not in notice

    answer = client.post(reverse("article-details-republish", args=[desk["article"].pk]))
    assert answer.status_code == 302
    page = client.get(url).text
    assert "Published 1 fact-check again as it was: readers see no change." in page
    assert "details-awaiting" not in page
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PUBLISHED
    assert PublishedVersion.objects.filter(claim=claim).count() == published


def test_a_note_is_still_needed_when_any_waiting_claim_shows_readers_new_details(desk):
    _change_details(desk, title="A different story")
    with pytest.raises(ValidationError) as refused:
        services.article_details_republish(article=desk["article"], actor=desk["reviewer"])
    assert "public correction note" in str(refused.value)
    assert Claim.objects.get(pk=desk["claim"].pk).status == Claim.Status.DRAFT


def test_a_claim_changed_while_the_details_are_republished_is_left_for_review(desk):
    """The claims reopened by the details were read, then each published without a version:
    a rating another editor changed in between went public, unreviewed, under the note
    "the title was corrected"."""
    from django.db.models.signals import post_save

    editor, reviewer = desk["editor"], desk["reviewer"]
    second = factories.published_claim(desk["article"], editor, reviewer, quote=MEDIAN)
    _change_details(desk, title="A different story")
    claims = {desk["claim"].pk, second.pk}
    live_before = {pk: PublishedVersion.objects.get(claim_id=pk, is_current=True) for pk in claims}
    changed = []

    def another_editor_changes_the_other_claim(sender, instance, created, **kwargs):
        # The first claim republished: meanwhile, another editor changes the other's rating.
        if not created or changed:
            return
        (other,) = claims - {instance.claim_id}
        claim = Claim.objects.get(pk=other)
        rating = (
            Rating.objects.filter(scale__organization=claim.article.organization)
            .exclude(pk=claim.rating_id)
            .first()
        )
        services.claim_update(claim=claim, actor=editor, expected_version=None, rating=rating)
        changed.append(other)

    post_save.connect(another_editor_changes_the_other_claim, sender=PublishedVersion)
    try:
        report = services.article_details_republish(
            article=desk["article"], actor=reviewer, note="the title was corrected"
        )
    finally:
        post_save.disconnect(another_editor_changes_the_other_claim, sender=PublishedVersion)

    (other,) = changed
    assert [claim.pk for claim in report.published] == list(claims - {other})
    assert [(claim.pk, "changed it while it was being republished" in why)
            for claim, why in report.left] == [(other, True)]  # fmt: skip
    live = PublishedVersion.objects.get(claim_id=other, is_current=True)
    assert live.pk == live_before[other].pk  # readers still see the reviewed verdict
    assert Claim.objects.get(pk=other).status == Claim.Status.DRAFT


def test_a_claim_the_details_reopened_is_not_republished_alone_while_others_wait(client, desk):
    """Republished from its card, one claim took the new title and address to readers while
    the others the change reopened still showed the earlier ones: the reader page took the
    new title, the publisher's page (the earlier address) lost that verdict, and a first
    verdict was let through, the new details counting as published (trial G8)."""
    editor, reviewer = desk["editor"], desk["reviewer"]
    other = factories.published_claim(desk["article"], editor, reviewer, quote=MEDIAN)
    newcomer = _ready_for_review(desk, "Imran Khan")
    _change_details(desk)
    alone = services.claim_transition(
        claim=Claim.objects.get(pk=desk["claim"].pk), actor=editor, to_status="in_review"
    )

    with pytest.raises(ValidationError) as refused:
        services.claim_transition(
            claim=alone, actor=reviewer, to_status="published", note="the title changed"
        )

    assert "republish the fact-checks the change reopened" in str(refused.value)
    client.force_login(reviewer)
    card = client.get(f"/api/v1/newsroom/claims/{alone.pk}/").json()
    assert card["viewer_can_publish"] is False
    assert card["publish_blocked_reason"] == refused.value.messages[0]
    with pytest.raises(ValidationError):
        services.claim_transition(claim=newcomer, actor=reviewer, to_status="published")
    assert {v.article_url for v in queries.published_claims()} == {OLD_URL}

    # The notice carries the change to readers on every claim it reopened, with one note.
    report = services.article_details_republish(
        article=desk["article"], actor=reviewer, note="the paper moved its story"
    )
    assert sorted(c.pk for c in report.published) == sorted([desk["claim"].pk, other.pk])
    services.claim_transition(
        claim=Claim.objects.get(pk=newcomer.pk), actor=reviewer, to_status="published"
    )
    assert {v.article_url for v in queries.published_claims()} == {NEW_URL}


def test_a_claim_the_details_reopened_and_changed_otherwise_goes_first_when_none_waits(desk):
    """Reviewed from its card, as the notice says; with no claim waiting for the notice,
    nothing else would ever carry the new details."""
    editor, reviewer = desk["editor"], desk["reviewer"]
    _change_details(desk, title="A different story")
    claim = Claim.objects.get(pk=desk["claim"].pk)
    claim = services.claim_update(
        claim=claim, actor=editor, expected_version=claim.version, claimant="PTI"
    )
    claim = services.claim_transition(claim=claim, actor=editor, to_status="in_review")
    assert queries.article_details_reopened(desk["article"]).waiting == []

    services.claim_transition(
        claim=claim, actor=reviewer, to_status="published", note="claimant named; retitled"
    )

    assert queries.published_claims().get(claim=claim).article_title == "A different story"
