"""Published verdicts change only through review: immutable versions, corrections, history."""

import datetime as dt
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations import queries, services, versions
from annotations.models import Claim, ClaimEvent, Membership, PublishedVersion, Rating
from tests import factories

pytestmark = pytest.mark.django_db

LISTENERS = "Over 160,000 people listened in at once"
MEDIAN = "the median age is only 22.8 years"
CONCLUSION = "PTI screenshots showed about **164,000** listeners."
NOTE = "Twitter's own figure, released later, was 120,000"


def _rating(organization, label):
    return Rating.objects.get(scale__organization=organization, label=label)


@pytest.fixture
def desk(newsroom):
    """The sample article with "Mostly true" published on the listeners sentence."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    services.source_add(
        claim=claim, actor=editor, url="https://example.org/spaces", title="Spaces record",
        stance="supports",
    )  # fmt: skip
    claim.refresh_from_db()
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, conclusion=CONCLUSION,
        rating=_rating(article.organization, "Mostly true"), tags=["record"],
    )  # fmt: skip
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    claim.refresh_from_db()
    second_reviewer = factories.member(
        article.organization, Membership.Role.REVIEWER, username="rhea"
    )
    return {**newsroom, "claim": claim, "second_reviewer": second_reviewer}


def _public(claim):
    """The one version readers see of `claim`, as a comparable dict, or None."""
    version = queries.published_claims().filter(claim=claim).first()
    if version is None:
        return None
    return {
        **versions.version_snapshot(version),
        "number": version.number,
        "prefix": version.prefix,
        "suffix": version.suffix,
        "published_by": version.published_by.username,
        "correction_note": version.correction_note,
    }


def _as(client, user):
    client.force_login(user)
    return client


def _write(client, method, url, claim, payload=None):
    """A claim write as the workspace sends it: JSON, with the version it opened."""
    claim.refresh_from_db()
    kwargs = {"headers": {"If-Match": f'"{claim.version}"'}}
    if payload is not None:
        kwargs.update(data=payload, content_type="application/json")
    return getattr(client, method)(url, **kwargs)


def _patch(client, claim, **fields):
    return _write(client, "patch", f"/api/v1/newsroom/claims/{claim.pk}/", claim, fields)


def _post(client, url, claim, payload):
    return _write(client, "post", url, claim, payload)


def _transition(client, claim, to, note=""):
    return _post(
        client, f"/api/v1/newsroom/claims/{claim.pk}/transition/", claim, {"to": to, "note": note}
    )


def test_first_publication_freezes_everything_a_reader_sees(desk):
    public = _public(desk["claim"])
    assert public["number"] == 1 and public["published_by"] == "rev"
    assert public["rating"] == "Mostly true" and public["conclusion"] == CONCLUSION
    assert public["exact"] == LISTENERS and public["tags"] == ["record"]
    assert [(s["url"], s["stance"]) for s in public["sources"]] == [
        ("https://example.org/spaces", "supports")
    ]
    version = PublishedVersion.objects.get(claim=desk["claim"])
    assert version.publisher == desk["organization"] and version.correction_note == ""


def test_editor_patching_a_published_conclusion_leaves_the_public_version_unchanged(client, desk):
    claim, before = desk["claim"], _public(desk["claim"])
    response = _patch(_as(client, desk["editor"]), claim, conclusion="Rewritten, unreviewed.")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft" and body["conclusion"] == "Rewritten, unreviewed."
    assert body["has_unpublished_changes"] is True
    assert body["unpublished_changes"] == ["conclusion revised"]
    assert body["published_version"]["conclusion"] == CONCLUSION
    assert body["published_version"]["number"] == 1
    assert _public(claim) == before
    event = ClaimEvent.objects.filter(claim=claim).last()
    assert event.action == "updated" and event.changes["status"] == ["published", "draft"]


def test_a_version_published_with_decomposed_words_is_no_change_from_the_same_words_composed(
    client, desk
):
    """Claims' words are stored composed (NFC) since migration 0043, the versions published
    before it are not: every such claim showed an unpublished change readers could not see,
    whose republication asked for a public correction note."""
    claim = desk["claim"]
    composed = "São Paulo's mayor"
    Claim.objects.filter(pk=claim.pk).update(claimant=composed, tags=["São Paulo"])
    PublishedVersion.objects.filter(claim=claim).update(
        claimant=unicodedata.normalize("NFD", composed),
        tags=[unicodedata.normalize("NFD", "São Paulo")],
    )
    detail = _as(client, desk["editor"]).get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    assert detail["unpublished_changes"] == []
    assert detail["has_unpublished_changes"] is False


def test_refuting_source_added_to_a_published_claim_is_not_public(client, desk):
    claim, before = desk["claim"], _public(desk["claim"])
    response = _post(
        _as(client, desk["editor"]),
        f"/api/v1/newsroom/claims/{claim.pk}/sources/",
        claim,
        {"url": "https://example.org/denial", "title": "Denial", "stance": "refutes"},
    )
    assert response.status_code == 201
    assert response.json()["unpublished_changes"] == ["source added: “Denial” (refutes)"]
    assert _public(claim) == before


def test_source_stance_change_and_removal_are_corrections_too(client, desk):
    claim, before = desk["claim"], _public(desk["claim"])
    source = claim.sources.get()
    client = _as(client, desk["editor"])
    url = f"/api/v1/newsroom/claims/{claim.pk}/sources/{source.pk}/"
    changed = _write(client, "patch", url, claim, {"stance": "refutes"})
    assert changed.status_code == 200
    assert changed.json()["unpublished_changes"] == [
        "source “Spaces record” changed from supports to refutes"
    ]
    removed = _write(client, "delete", url, claim)
    assert removed.status_code == 200 and removed.json()["sources"] == []
    assert removed.json()["unpublished_changes"] == ["source removed: “Spaces record”"]
    assert _public(claim) == before
    assert [e.action for e in claim.events.order_by("id")][-2:] == [
        "source updated",
        "source removed",
    ]


def test_reattached_verdict_stays_public_on_the_original_sentence(client, desk):
    claim, article, before = desk["claim"], desk["article"], _public(desk["claim"])
    response = _post(
        _as(client, desk["editor"]),
        f"/api/v1/newsroom/claims/{claim.pk}/reattach/",
        claim,
        {"selectors": factories.quote_selectors(article.text, "Imran Khan")},
    )
    assert response.status_code == 200
    assert response.json()["exact"] == "Imran Khan" and response.json()["status"] == "draft"
    public = _public(claim)
    assert public == before and public["exact"] == LISTENERS
    assert article.text[public["start"] : public["end"]] == LISTENERS


def _correct_rating(client, desk, label="Half true"):
    claim = desk["claim"]
    _patch(_as(client, desk["editor"]), claim, rating=_rating(desk["organization"], label).pk)
    assert _transition(client, claim, "in_review").status_code == 200
    return claim


def test_reviewer_republishes_with_a_note_and_the_old_version_is_kept(client, desk):
    claim = _correct_rating(client, desk)
    response = _transition(_as(client, desk["reviewer"]), claim, "published", NOTE)
    assert response.status_code == 200, response.json()
    assert response.json()["published_version"]["number"] == 2
    public = _public(claim)
    assert public["number"] == 2 and public["rating"] == "Half true"
    assert public["correction_note"] == NOTE
    old = PublishedVersion.objects.get(claim=claim, number=1)
    assert not old.is_current and old.rating.label == "Mostly true"
    history = queries.claim_public_history(claim)
    assert [entry["rating"] for entry in history] == ["Mostly true", "Half true"]
    assert history[1]["changes"] == ["rating changed from Mostly true to Half true"]
    today = versions.day(dt.date.today())
    assert history[1]["correction"] == (
        f"{today}: rating changed from Mostly true to Half true because Twitter's own "
        "figure, released later, was 120,000"
    )


def test_republishing_without_a_note_is_refused_with_a_400(client, desk):
    claim = _correct_rating(client, desk)
    response = _transition(_as(client, desk["reviewer"]), claim, "published", "  ")
    assert response.status_code == 400
    assert "correction note" in response.json()["errors"]["note"][0]
    assert _public(claim)["number"] == 1
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW


def test_a_note_on_a_first_publication_or_a_move_to_review_is_refused(client, desk):
    """A first publication has nothing to correct: a note would show readers a verdict
    that was never corrected as "Corrected". A move to review has no place for one."""
    article, editor = desk["article"], desk["editor"]
    claim = services.claim_create(
        article=article, creator=editor,
        selectors=factories.quote_selectors(article.text, "22.8 years"),
    )  # fmt: skip
    services.source_add(claim=claim, actor=editor, url="https://example.org/census")
    claim.refresh_from_db()
    services.claim_update(
        claim=claim, actor=editor, expected_version=None,
        rating=_rating(article.organization, "True"), conclusion="The census says 22.8.",
    )  # fmt: skip
    to_review = _transition(_as(client, editor), claim, "in_review", "Please look at this one")
    assert to_review.status_code == 400
    assert "takes no note" in to_review.json()["errors"]["note"][0]
    claim.refresh_from_db()
    assert (claim.status, claim.correction_note) == (Claim.Status.DRAFT, "")
    assert _transition(client, claim, "in_review").status_code == 200

    first = _transition(_as(client, desk["reviewer"]), claim, "published", "First look")
    assert first.status_code == 400
    assert "A first publication corrects nothing" in first.json()["errors"]["note"][0]
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW and _public(claim) is None
    assert _transition(client, claim, "published").status_code == 200
    assert _public(claim)["correction_note"] == ""
    page = client.get(reverse("reader-article", args=[article.organization.slug, article.slug]))
    assert page.status_code == 200 and "22.8 years" in page.content.decode()
    assert "republished because" not in page.content.decode()


def test_a_reviewer_cannot_republish_a_change_they_made(client, desk):
    claim, reviewer = desk["claim"], desk["reviewer"]
    _patch(_as(client, reviewer), claim, conclusion="The reviewer's own rewrite.")
    assert _transition(client, claim, "in_review").status_code == 200
    denied = _transition(client, claim, "published", NOTE)
    assert denied.status_code == 403
    assert "change to its wording, verdict or sources is yours" in denied.json()["detail"]
    assert _public(claim)["number"] == 1
    allowed = _transition(_as(client, desk["second_reviewer"]), claim, "published", NOTE)
    assert allowed.status_code == 200 and _public(claim)["number"] == 2


def test_retracting_and_sending_back_to_review_does_not_let_a_reviewer_publish_their_change(
    client, desk
):
    claim, reviewer = desk["claim"], desk["second_reviewer"]
    own = _as(client, reviewer)
    _patch(own, claim, conclusion="The reviewer's own rewrite.")
    assert _transition(own, claim, "retracted", "Withdrawn for a rewrite").status_code == 200
    assert _transition(own, claim, "in_review").status_code == 200
    # The card says so before the click, and the click is refused.
    card = own.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    second = next(i for i in card["checklist"] if i["key"] == "second_person")
    assert (
        not second["met"]
        and "change to its wording, verdict or sources is yours" in second["detail"]
    )
    denied = _transition(own, claim, "published", NOTE)
    assert (
        denied.status_code == 403
        and "change to its wording, verdict or sources is yours" in denied.json()["detail"]
    )
    assert queries.retracted_claims().filter(claim=claim).exists()
    # Someone who changed nothing may publish it.
    allowed = _transition(_as(client, desk["reviewer"]), claim, "published", NOTE)
    assert allowed.status_code == 200 and _public(claim)["conclusion"] == (
        "The reviewer's own rewrite."
    )


def test_two_reviewers_never_block_each_other_the_latest_change_waits_for_the_other(desk):
    """A newsroom of two reviewers: one makes a claim, the other corrects its wording. The
    rule once held back everyone who had touched it, so neither could ever publish it."""
    from django.core.exceptions import PermissionDenied

    article, maker, fixer = desk["article"], desk["reviewer"], desk["second_reviewer"]
    claim = services.claim_create(
        article=article, creator=maker, selectors=factories.quote_selectors(article.text, MEDIAN)
    )
    services.source_add(claim=claim, actor=maker, url="https://example.org/census")
    services.claim_update(
        claim=Claim.objects.get(pk=claim.pk), actor=maker, expected_version=None,
        conclusion="The census says 22.8.", rating=_rating(article.organization, "True"),
    )  # fmt: skip
    services.claim_transition(claim=claim, actor=maker, to_status=Claim.Status.IN_REVIEW)
    # Nobody else has changed it: its maker may not publish it alone.
    with pytest.raises(PermissionDenied, match="is yours"):
        services.claim_transition(claim=claim, actor=maker, to_status=Claim.Status.PUBLISHED)

    services.claim_update(
        claim=Claim.objects.get(pk=claim.pk),
        actor=fixer,
        expected_version=None,
        claim_reviewed="The median age is 22.8 years.",
    )
    # The typo fix is the latest change: its maker may not publish it, the claim's maker may.
    with pytest.raises(PermissionDenied, match=r"the latest change .* is yours"):
        services.claim_transition(claim=claim, actor=fixer, to_status=Claim.Status.PUBLISHED)
    services.claim_transition(claim=claim, actor=maker, to_status=Claim.Status.PUBLISHED)
    assert queries.published_claims().get(claim=claim).claim_reviewed == (
        "The median age is 22.8 years."
    )


def test_a_change_of_tags_alone_does_not_let_the_verdicts_author_publish_it(client, desk):
    """The reviewer rewrote the verdict; an editor then added a tag. The tag became "the
    latest change", so the reviewer could publish a verdict nobody else had looked at."""
    claim, reviewer, editor = desk["claim"], desk["reviewer"], desk["editor"]
    _patch(_as(client, reviewer), claim, conclusion="The reviewer's own rewrite.")
    _patch(_as(client, editor), claim, tags=["record", "radio"])
    assert _transition(_as(client, editor), claim, "in_review").status_code == 200
    denied = _transition(_as(client, reviewer), claim, "published", NOTE)
    assert denied.status_code == 403
    assert "change to its wording, verdict or sources is yours" in denied.json()["detail"]
    # A change of tags alone still needs someone other than its author.
    assert (
        _transition(_as(client, desk["second_reviewer"]), claim, "published", NOTE).status_code
        == 200
    )
    _patch(_as(client, reviewer), claim, tags=["record"])
    assert _transition(_as(client, reviewer), claim, "in_review").status_code == 200
    assert _transition(_as(client, reviewer), claim, "published", NOTE).status_code == 403


def test_a_reviewer_who_changed_only_the_tags_of_a_correction_may_not_publish_them(client, desk):
    """An editor rewrote the verdict; the reviewer added tags while reviewing it. Publishing
    then put the reviewer's tags before readers with nobody else having seen them."""
    claim, reviewer, editor = desk["claim"], desk["reviewer"], desk["editor"]
    tags_before = queries.published_claims().get(claim=claim).tags
    _patch(_as(client, editor), claim, conclusion="The editor's correction.")
    assert _transition(_as(client, editor), claim, "in_review").status_code == 200
    _patch(_as(client, reviewer), claim, tags=["radio", "spaces"])

    denied = _transition(_as(client, reviewer), claim, "published", NOTE)
    assert denied.status_code == 403
    assert "the latest change to its tags is yours" in denied.json()["detail"]
    # The card says so before the reviewer tries.
    card = _as(client, reviewer).get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    assert card["viewer_can_publish"] is False
    assert "You changed its tags since the latest change" in card["publish_blocked_reason"]
    assert queries.published_claims().get(claim=claim).tags == tags_before

    # Someone else sees both changes: the editor's verdict and the reviewer's tags.
    published = _transition(_as(client, desk["second_reviewer"]), claim, "published", NOTE)
    assert published.status_code == 200
    assert queries.published_claims().get(claim=claim).tags == ["radio", "spaces"]


def test_a_later_change_of_the_verdict_by_someone_else_sees_the_tags_before_it(client, desk):
    claim, reviewer, editor = desk["claim"], desk["reviewer"], desk["editor"]
    _patch(_as(client, reviewer), claim, tags=["record"])
    _patch(_as(client, editor), claim, conclusion="The editor looked at the tags too.")
    assert _transition(_as(client, editor), claim, "in_review").status_code == 200
    assert _transition(_as(client, reviewer), claim, "published", NOTE).status_code == 200


def test_the_creator_cannot_republish_even_as_reviewer(client, desk):
    creator = desk["editor"]
    Membership.objects.filter(user=creator).update(role=Membership.Role.REVIEWER)
    claim = _correct_rating(client, desk)
    response = _transition(_as(client, creator), claim, "published", NOTE)
    assert response.status_code == 403
    assert _public(claim)["number"] == 1


def test_retraction_needs_a_public_note_and_writes_a_retracted_version(client, desk):
    claim = desk["claim"]
    client = _as(client, desk["reviewer"])
    refused = _transition(client, claim, "retracted")
    assert refused.status_code == 400 and "note" in refused.json()["errors"]
    response = _transition(client, claim, "retracted", "The record was never verified")
    assert response.status_code == 200
    assert queries.published_claims().filter(claim=claim).count() == 0
    retraction = queries.retracted_claims().get(claim=claim)
    assert retraction.number == 2 and retraction.rating.label == "Mostly true"
    history = queries.claim_public_history(claim)
    assert [entry["kind"] for entry in history] == ["published", "retracted"]
    assert history[1]["correction"].endswith("retracted because the record was never verified")


def test_a_retraction_stays_public_when_a_re_anchoring_job_gives_up(desk, settings):
    claim, article, reviewer = desk["claim"], desk["article"], desk["reviewer"]
    services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.RETRACTED, note="Withdrawn"
    )
    settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS = 0  # re-anchored by a job
    article.refresh_from_db()
    services.article_update_text(
        article=article, actor=desk["editor"], text=article.text + "\n\nA late paragraph."
    )
    assert services.claims_reanchor_abandon(
        article=article, actor=desk["editor"], reason="the worker was lost"
    )
    assert queries.public_claim(claim.pk) is not None
    assert queries.retracted_claims().filter(claim=claim).exists()


def test_a_correction_in_progress_can_still_be_retracted(client, desk):
    claim = desk["claim"]
    _patch(_as(client, desk["editor"]), claim, conclusion="Draft of a correction.")
    response = _transition(_as(client, desk["reviewer"]), claim, "retracted", "Withdrawn")
    assert response.status_code == 200
    assert queries.retracted_claims().get(claim=claim).conclusion == CONCLUSION


def test_unchanged_working_copy_returns_to_published_without_a_new_version(client, desk):
    claim = desk["claim"]
    client = _as(client, desk["reviewer"])
    assert _transition(client, claim, "in_review").status_code == 200
    response = _transition(client, claim, "published")
    assert response.status_code == 200 and response.json()["status"] == "published"
    assert PublishedVersion.objects.filter(claim=claim).count() == 1


def test_moved_words_update_the_public_selectors_without_review(client, desk):
    claim, article = desk["claim"], desk["article"]
    lead = "Editor's note: this article was updated.\n\n"
    response = _as(client, desk["editor"]).put(
        f"/api/v1/newsroom/articles/{article.pk}/text/", {"text": lead + article.text},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["moved"] == 1
    factories.text_shown_to_readers(article)
    article.refresh_from_db()
    public = _public(claim)
    assert public["revision"] == 2 and public["number"] == 1
    assert article.text[public["start"] : public["end"]] == LISTENERS
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED


def test_public_version_follows_its_own_words_after_the_working_copy_was_reattached(client, desk):
    claim, article = desk["claim"], desk["article"]
    client = _as(client, desk["editor"])
    _post(
        client,
        f"/api/v1/newsroom/claims/{claim.pk}/reattach/",
        claim,
        {"selectors": factories.quote_selectors(article.text, "Imran Khan")},
    )
    lead = "Editor's note: this article was updated.\n\n"
    client.put(
        f"/api/v1/newsroom/articles/{article.pk}/text/", {"text": lead + article.text},
        content_type="application/json",
    )  # fmt: skip
    factories.text_shown_to_readers(article)
    article.refresh_from_db()
    public = _public(claim)
    assert public["revision"] == 2 and public["exact"] == LISTENERS
    assert article.text[public["start"] : public["end"]] == LISTENERS
    claim.refresh_from_db()
    assert claim.exact == "Imran Khan" and article.text[claim.start : claim.end] == "Imran Khan"


def test_a_public_version_is_still_checked_after_its_reattached_working_copy_was_orphaned(
    client, desk
):
    claim, article = desk["claim"], desk["article"]
    client = _as(client, desk["editor"])
    _post(
        client,
        f"/api/v1/newsroom/claims/{claim.pk}/reattach/",
        claim,
        {"selectors": factories.quote_selectors(article.text, "Imran Khan")},
    )

    def put_text(text):
        response = client.put(
            f"/api/v1/newsroom/articles/{article.pk}/text/", {"text": text},
            content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 200, response.content
        factories.text_shown_to_readers(article)
        article.refresh_from_db()

    # The working copy's words go: it is orphaned; the published words stay, and so does it.
    put_text("Editor's note.\n\n" + article.text.replace("Imran Khan", "the former premier"))
    claim.refresh_from_db()
    assert claim.anchor_state == Claim.AnchorState.ORPHANED
    assert _public(claim)["revision"] == 2
    # Then the published words go too: readers no longer see a verdict on them.
    put_text(article.text.replace(LISTENERS, "Many people listened"))
    assert _public(claim) is None
    assert client.get(f"/api/v1/claims/{claim.pk}/").json()["state"] == "suspended"
    assert client.get(f"/c/{claim.pk}/").status_code == 404


def test_changed_words_hide_the_public_version_until_republished(client, desk):
    claim, article = desk["claim"], desk["article"]
    client = _as(client, desk["editor"])
    text = article.text.replace("160,000 people", "170,000 people")
    assert client.put(
        f"/api/v1/newsroom/articles/{article.pk}/text/", {"text": text},
        content_type="application/json",
    ).status_code == 200  # fmt: skip
    factories.text_shown_to_readers(article)
    assert _public(claim) is None
    version = PublishedVersion.objects.get(claim=claim)
    assert version.is_current and not version.is_anchored and version.revision.number == 1
    claim.refresh_from_db()
    assert claim.status == Claim.Status.IN_REVIEW
    detail = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    assert detail["has_unpublished_changes"] and not detail["published_version"]["is_anchored"]
    assert claim.orphan_reason == "number changed: 160,000 → 170,000"
    new_words = LISTENERS.replace("160,000", "170,000")
    _post(
        client,
        f"/api/v1/newsroom/claims/{claim.pk}/reattach/",
        claim,
        {"selectors": factories.quote_selectors(text, new_words)},
    )
    assert _public(claim) is None
    # The wording readers would see still gives the old figure: the card says so.
    warning = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()["wording_warning"]
    assert "gives 160,000" in warning and "give 170,000" in warning
    response = _transition(_as(client, desk["reviewer"]), claim, "published", NOTE)
    assert response.status_code == 200, response.json()
    assert _public(claim)["exact"] == LISTENERS.replace("160,000", "170,000")


def test_a_public_version_never_changes_after_it_is_written(client, desk):
    claim = desk["claim"]
    first = PublishedVersion.objects.get(claim=claim)
    frozen = versions.version_snapshot(first)
    _correct_rating(client, desk, label="False")
    _transition(_as(client, desk["reviewer"]), claim, "published", NOTE)
    first.refresh_from_db()
    assert versions.version_snapshot(first) == frozen


def test_only_never_published_claims_can_be_deleted(desk):
    claim, editor = desk["claim"], desk["editor"]
    with pytest.raises(ValidationError, match="retract"):
        services.claim_delete(claim=claim, actor=editor)
    draft = services.claim_create(
        article=desk["article"], creator=editor,
        selectors=factories.quote_selectors(desk["article"].text, "Imran Khan"),
    )  # fmt: skip
    services.claim_delete(claim=draft, actor=editor)
    assert not Claim.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"rating": "Mostly true"}, {"rating": "Half true"},
         ["rating changed from Mostly true to Half true"]),
        ({"claimant": ""}, {"claimant": "PTI"}, ["claimant changed from none to “PTI”"]),
        ({"conclusion": "a"}, {"conclusion": "b"}, ["conclusion revised"]),
        ({"exact": "x", "revision": 1}, {"exact": "y", "revision": 1},
         ["attached to “y” instead of “x”"]),
        ({"exact": "x", "revision": 1, "start": 0, "end": 1},
         {"exact": "x", "revision": 1, "start": 5, "end": 6},
         ["attached to another occurrence of “x”"]),
        ({"exact": "x", "revision": 1, "start": 0, "end": 1},
         {"exact": "x", "revision": 2, "start": 5, "end": 6}, []),
        ({"tags": ["a"]}, {"tags": []}, ["tags changed from a to none"]),
    ],
)  # fmt: skip
def test_changes_between_snapshots_read_as_phrases(before, after, expected):
    assert versions.changes_between(before, after) == expected


@pytest.mark.parametrize(
    ("note", "line"),
    [
        ("Because new data", "3 Dec 2026: republished Because new data"),
        ("New data arrived", "3 Dec 2026: republished because New data arrived"),
        ("PTI corrected it", "3 Dec 2026: republished because PTI corrected it"),
        ("We misread the quote", "3 Dec 2026: republished because we misread the quote"),
        ("This was wrong", "3 Dec 2026: republished because this was wrong"),
        ("The Guardian fixed it", "3 Dec 2026: republished because The Guardian fixed it"),
        # It read "because The transit survey …", as if a name.
        (
            "The transit survey counted riders",
            "3 Dec 2026: republished because the transit survey counted riders",
        ),
        ("IT staff found more", "3 Dec 2026: republished because IT staff found more"),
        # A label the line says already is left out (trial G16); a word that starts so is not.
        (
            "Correction: the agency's figure was lower",
            "3 Dec 2026: republished because the agency's figure was lower",
        ),
        (
            "Retracted - The transit survey was wrong",
            "3 Dec 2026: republished because the transit survey was wrong",
        ),
        (
            "Updates to the census changed it",
            "3 Dec 2026: republished because Updates to the census changed it",
        ),
        ("Correction. We named the group.", "3 Dec 2026: republished because we named the group."),
        (
            "Retraction-worthy errors were found",
            "3 Dec 2026: republished because Retraction-worthy errors were found",
        ),
        # Right-to-left words are isolated in the English line: its closing punctuation
        # and what follows stay on their side.
        (
            "صححت الوكالة الرقم.",
            "3 Dec 2026: republished because \u2068صححت الوكالة الرقم.\u2069",
        ),
        ("Because ההערה (2).", "3 Dec 2026: republished Because \u2068ההערה (2).\u2069"),
    ],
)
def test_correction_line_joins_summary_and_note(note, line):
    when = dt.date(2026, 12, 3)
    assert versions.correction_line(kind="published", when=when, note=note, changes=[]) == line


def test_a_right_to_left_note_reaches_the_claim_page_isolated(client, desk):
    claim = desk["claim"]
    _patch(_as(client, desk["editor"]), claim, conclusion="Corrected with the agency's figure.")
    assert _transition(_as(client, desk["editor"]), claim, "in_review").status_code == 200
    note = "صححت الوكالة الرقم (164,000)."
    assert _transition(_as(client, desk["reviewer"]), claim, "published", note).status_code == 200

    page = client.get(reverse("reader-claim", args=[claim.pk])).content.decode()
    assert f"because \u2068{note}\u2069" in page


def _shown(label, value, *, position, worst=1, best=5):
    return versions.ShownRating(
        pk=position, label=label, value=value, colour="#57606a", description="",
        scale=versions.ShownScale(worst, best), position=position,
    )  # fmt: skip


def test_verdicts_sort_best_first_by_the_value_they_were_published_with():
    shown = [
        _shown("Satire", None, position=1),
        _shown("Revalued since", 2, position=2),
        _shown("Half of seven", 4, position=4, best=7),
        _shown("Half of five", 3, position=3),
        _shown("Best", 5, position=5),
    ]
    assert [verdict.label for verdict in sorted(shown, key=versions.best_first)] == [
        "Best", "Half of five", "Half of seven", "Revalued since", "Satire",
    ]  # fmt: skip


# The admin writes through the same services


@pytest.fixture
def admin_client(client, desk):
    admin_user = factories.member(
        desk["organization"], Membership.Role.ADMIN, username="boss", is_staff=True,
        is_superuser=True,
    )  # fmt: skip
    client.force_login(admin_user)
    client.admin_user = admin_user
    return client


def _admin_form(claim, **changes):
    """The claim's admin change form as a browser would post it, with `changes` applied."""
    source = claim.sources.get()
    form = {
        "claim_reviewed": claim.claim_reviewed,
        "claimant": claim.claimant,
        "claim_date": claim.claim_date.isoformat() if claim.claim_date else "",
        "rating": claim.rating_id or "",
        "conclusion": claim.conclusion,
        "tags": '["record"]',
        "assignee": "",
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "1",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
        "sources-0-id": source.pk,
        "sources-0-claim": claim.pk,
        "sources-0-url": source.url,
        "sources-0-title": source.title,
        "sources-0-publisher": source.publisher,
        "sources-0-quote": source.quote,
        "sources-0-stance": source.stance,
    }
    form.update(changes)
    return form


def test_admin_change_form_cannot_publish_or_set_the_workflow(admin_client, desk):
    claim = desk["claim"]
    _patch(_as(admin_client, desk["editor"]), claim, conclusion="A correction in draft.")
    admin_client.force_login(admin_client.admin_user)
    claim.refresh_from_db()
    url = f"/admin/annotations/claim/{claim.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="status"' not in page and 'name="reviewer"' not in page
    assert 'name="version"' not in page and 'name="published_at"' not in page
    form = _admin_form(
        claim, status="published", reviewer=admin_client.admin_user.pk, version="99",
        published_at="2026-01-01 00:00:00",
    )  # fmt: skip
    response = admin_client.post(url, form)
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT and claim.reviewer == desk["reviewer"]
    assert PublishedVersion.objects.filter(claim=claim).count() == 1
    assert _public(claim)["conclusion"] == CONCLUSION


def test_conclusion_edited_in_the_admin_goes_through_the_service(admin_client, desk):
    claim, before = desk["claim"], _public(desk["claim"])
    version = claim.version
    response = admin_client.post(
        f"/admin/annotations/claim/{claim.pk}/change/",
        _admin_form(claim, conclusion="Edited in the admin."),
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.conclusion == "Edited in the admin." and claim.version == version + 1
    assert claim.status == Claim.Status.DRAFT
    event = claim.events.order_by("-id").first()
    assert event.action == "updated" and event.actor == admin_client.admin_user
    assert event.changes["conclusion"] == [CONCLUSION, "Edited in the admin."]
    assert _public(claim) == before


def test_source_stance_changed_in_the_admin_inline_goes_through_the_service(admin_client, desk):
    claim, before = desk["claim"], _public(desk["claim"])
    response = admin_client.post(
        f"/admin/annotations/claim/{claim.pk}/change/",
        _admin_form(claim, **{"sources-0-stance": "refutes"}),
    )
    assert response.status_code == 302
    assert claim.sources.get().stance == "refutes"
    event = claim.events.order_by("-id").first()
    assert event.action == "source updated" and event.actor == admin_client.admin_user
    assert _public(claim) == before


def test_admin_cannot_delete_a_published_claim_or_touch_its_versions(admin_client, desk):
    claim = desk["claim"]
    assert admin_client.get(f"/admin/annotations/claim/{claim.pk}/delete/").status_code == 403
    version = PublishedVersion.objects.get(claim=claim)
    url = f"/admin/annotations/publishedversion/{version.pk}/"
    assert admin_client.get(f"{url}change/").status_code == 200
    assert admin_client.post(f"{url}change/", {"conclusion": "x"}).status_code == 403
    assert admin_client.get(f"{url}delete/").status_code == 403
    assert admin_client.get("/admin/annotations/publishedversion/add/").status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_source_added_in_the_admin_inline_goes_through_the_service(admin_client, desk):
    claim, before = desk["claim"], _public(desk["claim"])
    form = _admin_form(
        claim,
        **{
            "sources-TOTAL_FORMS": "2",
            "sources-1-claim": claim.pk,
            "sources-1-url": "https://example.org/denial",
            "sources-1-title": "Denial",
            "sources-1-stance": "refutes",
        },
    )
    response = admin_client.post(f"/admin/annotations/claim/{claim.pk}/change/", form)
    assert response.status_code == 302
    added = claim.sources.get(url="https://example.org/denial")
    assert added.added_by == admin_client.admin_user
    assert claim.events.order_by("-id").first().action == "source added"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT and _public(claim) == before


def test_admin_deletes_a_never_published_claim_through_the_service(admin_client, desk):
    draft = services.claim_create(
        article=desk["article"], creator=desk["editor"],
        selectors=factories.quote_selectors(desk["article"].text, "Imran Khan"),
    )  # fmt: skip
    response = admin_client.post(f"/admin/annotations/claim/{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Claim.objects.filter(pk=draft.pk).exists()
    assert Claim.objects.filter(pk=desk["claim"].pk).exists()


def test_article_list_counts_a_claim_as_published_while_its_correction_is_a_draft(client, desk):
    claim = desk["claim"]
    _patch(_as(client, desk["editor"]), claim, conclusion="A correction in the works.")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT
    response = client.get("/", {"status": "published"})
    listed = list(response.context["page"])
    assert [article.pk for article in listed] == [desk["article"].pk]
    assert listed[0].claims_published == 1


def test_a_note_that_starts_with_the_date_does_not_repeat_it():
    import datetime as dt

    from annotations import versions

    when = dt.date(2026, 12, 3)
    line = versions.correction_line(
        kind="published",
        when=when,
        note="3 Dec 2026: Twitter published its own figure",
        changes=["rating changed from Mostly true to Half true"],
    )
    assert line == (
        "3 Dec 2026: rating changed from Mostly true to Half true because Twitter published "
        "its own figure"
    )


def test_a_note_that_already_says_what_changed_is_not_said_twice():
    import datetime as dt

    from annotations import versions

    line = versions.correction_line(
        kind="published",
        when=dt.date(2026, 12, 1),
        note="1 Dec 2026: rating changed from Mostly true to Half true because the peak was "
        "164,000",
        changes=["rating changed from Mostly true to Half true", "conclusion revised"],
    )
    assert line == (
        "1 Dec 2026: rating changed from Mostly true to Half true because the peak was 164,000"
    )


# What readers see of a rating is frozen with each version: the scale editor changes it for
# claims published from then on, and for the others only when they are republished.


def _rename(organization, old, new, **changes):
    rating = _rating(organization, old)
    entries = [
        {
            "id": other.pk,
            "label": other.label,
            "value": other.value,
            "colour": other.colour,
            "description": other.description,
            "is_hidden": other.is_hidden,
        }
        for other in rating.scale.ratings.order_by("position")
    ]
    for entry in entries:
        if entry["id"] == rating.pk:
            entry.update(label=new, **changes)
    admin = factories.member(organization, Membership.Role.ADMIN, username="scale-admin")
    services.scale_update(scale=rating.scale, actor=admin, ratings=entries)


def _texts(html: str, xpath: str) -> list[str]:
    from lxml import html as lxml_html

    return [node.text_content().strip() for node in lxml_html.fromstring(html).xpath(xpath)]


def _classed(name: str) -> str:
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def _what_readers_see(client, claim) -> dict:
    """The rating each public output shows for `claim`, read as its readers read it."""
    import csv
    import io
    import json
    import uuid

    from django.test import Client
    from django.urls import reverse

    article = claim.article
    page = client.get(reverse("reader-claim", args=[claim.pk])).content.decode()
    (script,) = _texts(page, '//script[@type="application/ld+json"]')
    article_page = client.get(
        reverse("reader-article", args=[article.organization.slug, article.slug])
    ).content.decode()
    api = client.get(f"/api/v1/claims/{claim.pk}/").json()["rating"]
    annotation = client.get(f"/api/v1/annotations/{claim.pk}").json()
    _token, key = services.token_create(
        # Asked again in one test: each token needs its own name.
        actor=claim.creator,
        name=f"export {uuid.uuid4()}",
        scope="read",
        organization=None,
    )
    member = Client(headers={"Authorization": f"Token {key}"})
    slug = article.organization.slug
    jsonl = b"".join(
        member.get(reverse("v1:api-export-jsonl", kwargs={"slug": slug})).streaming_content
    )
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    member.get(
                        reverse("v1:api-export-csv", kwargs={"slug": slug})
                    ).streaming_content
                ).decode()
            )
        )
    )
    review = json.loads(script)["reviewRating"]
    return {
        "claim page": _texts(page, f"//*[{_classed('entry-verdict')}]/*[{_classed('chip')}]"),
        "ClaimReview": (review["alternateName"], review.get("ratingValue")),
        "article page": _texts(
            article_page, f"//li[{_classed('claim-entry')}]//*[{_classed('chip')}]"
        )
        + _texts(article_page, f"//*[{_classed('tag-label')}]"),
        "API": (api["label"], api["value"], api["colour"], api["best"]),
        "Web Annotation": [
            body["value"] for body in annotation["body"] if body.get("purpose") == "assessing"
        ],
        "JSON Lines export": [json.loads(line)["rating"]["label"] for line in jsonl.splitlines()],
        "CSV export": [row["rating"] for row in rows],
    }


def test_renaming_a_rating_changes_no_published_verdict_until_it_is_republished(client, desk):
    claim, organization = desk["claim"], desk["organization"]
    before = _what_readers_see(client, claim)
    assert before["claim page"] == ["Mostly true"]
    assert before["API"] == ("Mostly true", 4, _rating(organization, "Mostly true").colour, 5)

    _rename(organization, "Mostly true", "Largely accurate", value=3, colour="#0969da")

    assert _what_readers_see(client, claim) == before
    version = PublishedVersion.objects.get(claim=claim, is_current=True)
    assert version.rating_id == _rating(organization, "Largely accurate").pk

    services.claim_transition(claim=claim, actor=desk["reviewer"], to_status="in_review")
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status="published", note="The scale was renamed"
    )
    after = _what_readers_see(client, claim)
    assert after == {
        "claim page": ["Largely accurate"],
        "ClaimReview": ("Largely accurate", 3),
        "article page": ["Largely accurate", "Largely accurate"],
        "API": ("Largely accurate", 3, "#0969da", 5),
        "Web Annotation": ["Largely accurate"],
        "JSON Lines export": ["Largely accurate"],
        "CSV export": ["Largely accurate"],
    }
    history = queries.claim_public_history(claim)
    assert history[1]["changes"] == ["rating changed from Mostly true to Largely accurate"]


def test_a_rating_only_renamed_is_republished_as_the_same_verdict(client, desk):
    claim, organization = desk["claim"], desk["organization"]
    _rename(organization, "Mostly true", "Mostly-true")
    services.claim_transition(claim=claim, actor=desk["reviewer"], to_status="in_review")
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status="published", note="The scale was renamed"
    )
    history = queries.claim_public_history(claim)
    assert history[1]["changes"] == ["rating renamed from Mostly true to Mostly-true"]
    item = client.get(f"/api/v1/claims/{claim.pk}/").json()
    assert item["rating"]["label"] == "Mostly-true" and "previous_rating" not in item


def test_the_article_legend_keeps_the_published_label_of_a_renamed_rating_until_republished(
    client, desk
):
    from django.urls import reverse

    claim, organization = desk["claim"], desk["organization"]
    url = reverse("reader-article", args=[organization.slug, claim.article.slug])
    legend = f"//*[{_classed('legend')}]//dt/*[{_classed('chip')}]"
    chip = f"//li[{_classed('claim-entry')}]//*[{_classed('chip')}]"

    def shown() -> tuple[list[str], list[str], str]:
        page = client.get(url).content.decode()
        return _texts(page, legend), _texts(page, chip), page

    _rename(organization, "Mostly true", "Largely accurate", description="Renamed.")
    labels, chips, page = shown()
    assert labels == chips == ["Mostly true"]
    assert "Largely accurate" not in page and "Renamed." not in page

    services.claim_transition(claim=claim, actor=desk["reviewer"], to_status="in_review")
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status="published", note="The scale was renamed"
    )
    labels, chips, page = shown()
    assert labels == chips == ["Largely accurate"]
    assert "Renamed." in page


def test_a_version_written_without_its_frozen_rating_is_refused(desk):
    from django.db import IntegrityError, transaction

    live = PublishedVersion.objects.get(claim=desk["claim"], is_current=True)
    kept = {
        field.attname: getattr(live, field.attname)
        for field in PublishedVersion._meta.concrete_fields
        if field.name not in {"id", "number", "is_current", *versions.RATING_FIELDS}
    }
    version = PublishedVersion(**kept, number=2, is_current=False)

    with pytest.raises(ValidationError) as refused:
        version.full_clean()
    assert {"rating_label", "rating_colour", "rating_worst_value", "rating_best_value"} <= set(
        refused.value.message_dict
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()
    assert PublishedVersion.objects.filter(claim=desk["claim"]).count() == 1


def test_a_recoloured_rating_can_be_republished_and_its_old_colour_stays_until_then(client, desk):
    from django.urls import reverse

    claim, organization = desk["claim"], desk["organization"]
    old = _rating(organization, "Mostly true").colour
    _rename(organization, "Mostly true", "Mostly true", colour="#0969da")
    page = client.get(reverse("reader-claim", args=[claim.pk])).content.decode()
    assert f"--c:{old}" in page and "--c:#0969da" not in page

    services.claim_transition(claim=claim, actor=desk["reviewer"], to_status="in_review")
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status="published", note="New colours"
    )
    assert PublishedVersion.objects.get(claim=claim, is_current=True).number == 2
    page = client.get(reverse("reader-claim", args=[claim.pk])).content.decode()
    assert "--c:#0969da" in page and f"--c:{old}" not in page


def test_a_retraction_keeps_the_verdict_as_readers_saw_it(desk):
    claim, organization = desk["claim"], desk["organization"]
    _rename(organization, "Mostly true", "Largely accurate")
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status="retracted", note="Withdrawn"
    )
    retraction = PublishedVersion.objects.get(claim=claim, is_current=True)
    assert retraction.kind == "retracted" and retraction.verdict.label == "Mostly true"


def test_the_api_rating_filter_finds_a_claim_by_its_published_label_only(client, desk):
    claim, organization = desk["claim"], desk["organization"]

    def found(label: str) -> list[int]:
        answer = client.get("/api/v1/claims/", {"rating": label}).json()["results"]
        return [item["id"] for item in answer]

    _rename(organization, "Mostly true", "Largely accurate")
    assert found("mostly TRUE") == [claim.pk]
    assert found("Largely accurate") == []
    assert found("Half true") == []

    services.claim_transition(claim=claim, actor=desk["reviewer"], to_status="in_review")
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status="published", note="The scale was renamed"
    )
    assert found("largely ACCURATE") == [claim.pk]
    assert found("Mostly true") == []


def test_saving_the_scale_changes_readers_copies_only_of_ratings_that_moved(desk):
    from annotations.models import PublishedVersion

    version = PublishedVersion.objects.get(claim=desk["claim"], is_current=True)
    stamped = version.changed_at
    organization = desk["article"].organization
    # A rename alone: the published label is frozen, so nothing public changed.
    _rename(organization, "False", "Wrong")
    assert PublishedVersion.objects.get(pk=version.pk).changed_at == stamped
    # The published rating moves down one place (a rating without a value goes above it):
    # the public API says its position.
    scale = _rating(organization, "Mostly true").scale
    order = list(scale.ratings.order_by("position"))
    at = next(i for i, r in enumerate(order) if r.label == "Mostly true")
    order.insert(at, order.pop(next(i for i, r in enumerate(order) if r.value is None)))
    admin = Membership.objects.filter(
        organization=organization, role=Membership.Role.ADMIN
    ).first().user  # fmt: skip
    entries = [
        {"id": r.pk, "label": r.label, "value": r.value, "colour": r.colour,
         "description": r.description, "is_hidden": r.is_hidden}
        for r in order
    ]  # fmt: skip
    services.scale_update(scale=scale, actor=admin, ratings=entries)
    assert PublishedVersion.objects.get(pk=version.pk).changed_at > stamped


def test_a_quoted_wording_is_cut_at_the_end_of_a_word():
    old = "the city budget grew by 12 percent last year, the mayor says"
    new = "the city budget grew by 12.5 percent last year, the mayor said on Monday"
    [line] = versions.changes_between({"claim_reviewed": old}, {"claim_reviewed": new})
    assert line == (
        "wording changed from “the city budget grew by 12 percent last year, the mayor says” "
        "to “the city budget grew by 12.5 percent last year, the mayor…”"
    )
    one_word = "x" * 80
    assert versions._short(one_word) == f"“{'x' * 59}…”"  # no space to cut at: cut anyway


def test_a_correction_keeps_the_archived_copy_of_an_address_changed_and_changed_back(desk):
    """A changed address forgets the old page's copy in the working copy; changed back and
    republished, the source still cites the page readers had a copy of."""
    from annotations.models import Source
    from annotations.permissions import SYSTEM
    from annotations.services import snapshots

    claim, editor = desk["claim"], desk["editor"]
    source = Source.objects.get(claim=claim)
    capture = "https://web.archive.org/web/20260301101500/https://example.org/spaces"
    snapshots.source_archive_url_set(
        source=source, actor=SYSTEM, archive_url=capture, for_url=source.url
    )
    for url in ("https://example.org/elsewhere", "https://example.org/spaces"):
        services.source_update(source=Source.objects.get(pk=source.pk), actor=editor, url=url)
    assert Source.objects.get(pk=source.pk).archive_url == ""
    claim.refresh_from_db()
    services.claim_update(claim=claim, actor=editor, expected_version=None, conclusion="Again.")
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    services.claim_transition(
        claim=claim, actor=desk["reviewer"], to_status=Claim.Status.PUBLISHED, note="Reworded."
    )

    current = PublishedVersion.objects.get(claim=claim, is_current=True)
    assert current.number == 2
    assert versions.archive_links(current.archives) == {source.pk: capture}


def test_re_anchoring_on_a_revision_no_longer_the_latest_changes_nothing(desk, settings):
    """The job checked "still the latest" before taking any lock: a newer text saved in
    between had its claims moved back onto the older one."""
    from django.core.exceptions import PermissionDenied

    from annotations.models import ArticleRevision
    from annotations.permissions import SYSTEM

    claim, article, editor = desk["claim"], desk["article"], desk["editor"]
    settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS = 0  # re-anchored by a job
    services.article_update_text(article=article, actor=editor, text="Intro.\n\n" + article.text)
    older = ArticleRevision.objects.filter(article=article).order_by("-number").first()
    settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS = 100
    article.refresh_from_db()
    services.article_update_text(article=article, actor=editor, text="More.\n\n" + article.text)
    claim.refresh_from_db()
    newest = claim.revision_id
    assert newest != older.pk and claim.start == article.text.index(LISTENERS) + 7

    report = services.claims_reanchor(article=article, revision=older, actor=SYSTEM)

    claim.refresh_from_db()
    assert (claim.revision_id, report.moved, report.unchanged) == (newest, 0, 0)
    outsider = factories.UserFactory(username="outsider")
    with pytest.raises(PermissionDenied):
        services.claims_reanchor(article=article, revision=older, actor=outsider)


def test_a_long_value_changed_near_its_end_is_quoted_where_it_changed():
    """Readers read "title changed from “Analysing The Significance Of Imran Khan's…” to
    “Analysing The Significance Of Imran Khan's…”": both cut to the same words."""
    title = "Analysing The Significance Of Imran Khan's Record-Shattering Twitter Spaces Session"
    before = {"article": {"title": title}, "claimant": "Imran Khan " * 10}
    after = {"article": {"title": f"{title} (updated)"}, "claimant": "Imran Khan " * 10 + "PTI"}

    assert versions.changes_between(before, after) == [
        "claimant changed from “…Imran Khan” to “…Imran Khan PTI”",
        "article title changed from “…Spaces Session” to “…Spaces Session (updated)”",
    ]
    # Apart from their start, they are quoted from it as before.
    assert versions.changes_between(
        {"article": {"title": "Old headline"}}, {"article": {"title": "New headline"}}
    ) == ["article title changed from “Old headline” to “New headline”"]
