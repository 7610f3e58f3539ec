"""Writers that meet on the same rows wait for each other (PostgreSQL's row locks).

Each test holds one writer's transaction open, starts the other in a thread, sees it
wait for a lock (pg_locks), then lets the first commit: the second must then act on what
the first wrote. SQLite runs one writer at a time, so there is no meeting to test there.
"""

import hashlib
import json
import re
import threading

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test import Client

from annotations import services, urlnorm
from annotations.evidence import search
from annotations.models import (
    Article,
    Claim,
    EvidenceItem,
    EvidenceRequest,
    Invitation,
    Membership,
    Organization,
    PublishedVersion,
    Rating,
    Suggestion,
)
from annotations.permissions import SYSTEM
from annotations.services import snapshots
from tests import factories
from tests.conftest import wait_for

LISTENERS = "Over 160,000 people listened in at once"
INVITATION_LINK = re.compile(r"/invitations/([^/\s]+)/")
WEB_ANNOTATION = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no two ever meet on a row")


def _lock_waits() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def _in_a_thread(work):
    """Start `work` in a thread; returns (thread, results), results getting its value or error."""
    results = []

    def run():
        try:
            results.append(work())
        except Exception as error:  # reported by the test's assertions
            results.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results


def _listeners_claim(newsroom) -> Claim:
    """A draft claim on the sample's listeners sentence, made by the editor."""
    article = newsroom["article"]
    return services.claim_create(
        article=article,
        creator=newsroom["editor"],
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )


def _ready_for_publication(newsroom) -> Claim:
    article, editor = newsroom["article"], newsroom["editor"]
    claim = _listeners_claim(newsroom)
    services.source_add(
        claim=claim, actor=editor, url="https://example.org/record", title="The record"
    )
    claim = Claim.objects.get(pk=claim.pk)
    rating = Rating.objects.filter(scale__organization=article.organization).first()
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating,
        conclusion="Counted by the host.",
    )  # fmt: skip
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    return Claim.objects.get(pk=claim.pk)


def test_reattaching_a_claim_waits_for_a_text_being_saved_and_lands_on_the_new_text(newsroom):
    """Reattaching read the text with only the claim locked: a text saved meanwhile (whose
    re-anchoring passes over an orphaned claim) moved the words under the offsets, and the
    claim was stored on words nobody selected."""
    article, editor = newsroom["article"], newsroom["editor"]
    claim = _listeners_claim(newsroom)
    Claim.objects.filter(pk=claim.pk).update(anchor_state=Claim.AnchorState.ORPHANED)
    selectors = factories.quote_selectors(article.text, LISTENERS)[:1]  # the quote alone
    with transaction.atomic():
        services.article_update_text(
            article=Article.objects.get(pk=article.pk),
            text="A new first paragraph.\n\n" + article.text,
            actor=editor,
        )
        thread, results = _in_a_thread(
            lambda: services.claim_reattach(
                claim=Claim.objects.get(pk=claim.pk), actor=editor, selectors=selectors
            )
        )
        wait_for(lambda: _lock_waits() > 0, message="reattaching did not wait for the text")
        assert results == []
    thread.join(30)
    assert [type(result) for result in results] == [Claim]
    claim = Claim.objects.select_related("article", "revision").get(pk=claim.pk)
    assert claim.exact == LISTENERS
    assert claim.article.text[claim.start : claim.end] == LISTENERS
    assert claim.revision == claim.article.revisions.order_by("-number").first()


def test_a_title_changed_during_a_first_publication_reopens_the_claim(newsroom):
    """The title change looked only for claims published already, and passed over one being
    published: its version kept the old title for good, and nothing asked for a review."""
    claim = _ready_for_publication(newsroom)
    article = newsroom["article"]
    with transaction.atomic():
        services.claim_transition(
            claim=claim, actor=newsroom["reviewer"], to_status=Claim.Status.PUBLISHED
        )
        thread, results = _in_a_thread(
            lambda: services.article_update_details(
                article=Article.objects.get(pk=article.pk),
                actor=newsroom["editor"],
                title="A corrected title",
            )
        )
        wait_for(lambda: _lock_waits() > 0, message="the title change did not wait")
    thread.join(30)
    assert [type(result) for result in results] == [Article], results
    claim.refresh_from_db()
    assert PublishedVersion.objects.get(claim=claim).article_title != "A corrected title"
    assert claim.status != Claim.Status.PUBLISHED
    assert claim.events.filter(action="article details changed").exists()


def test_a_text_saved_during_a_first_publication_waits_for_a_second_look(newsroom):
    """Review R16 feared the text's save would ask whether verdicts stand on the article
    before the first one being published was committed, sending the text to readers at once
    under it. The save waits for the publication (which holds the article's row; the save
    also locks every claim first), then finds the verdict, and the text waits."""
    claim = _ready_for_publication(newsroom)
    article = newsroom["article"]
    with transaction.atomic():
        services.claim_transition(
            claim=claim, actor=newsroom["reviewer"], to_status=Claim.Status.PUBLISHED
        )
        thread, results = _in_a_thread(
            lambda: services.article_update_text(
                article=Article.objects.get(pk=article.pk),
                actor=newsroom["editor"],
                text=article.text.replace(LISTENERS, "It is false that " + LISTENERS),
            )
        )
        wait_for(lambda: _lock_waits() > 0, message="the text's save did not wait")
    thread.join(30)
    assert [type(result).__name__ for result in results] == ["ReanchorReport"], results
    article.refresh_from_db()
    assert article.public_revision.number == 1
    version = PublishedVersion.objects.get(claim=claim)
    assert version.revision.number == 1 and "It is false that" not in version.prefix


def test_an_archive_capture_recorded_during_a_publication_is_kept_in_its_version(newsroom):
    """The capture locked the source alone: the version being written, not yet visible, was
    passed over and never got the archived copy readers are promised."""
    claim = _ready_for_publication(newsroom)
    source = services.source_add(
        claim=claim, actor=newsroom["editor"], url="https://example.org/spaces", title="Spaces"
    )
    claim = Claim.objects.get(pk=claim.pk)
    capture = "https://web.archive.org/web/20261206000000/https://example.org/spaces"
    with transaction.atomic():
        services.claim_transition(
            claim=claim, actor=newsroom["reviewer"], to_status=Claim.Status.PUBLISHED
        )
        thread, results = _in_a_thread(
            lambda: snapshots.source_archive_url_set(
                source=source, actor=SYSTEM, archive_url=capture, for_url=source.url
            )
        )
        wait_for(lambda: _lock_waits() > 0 or results, message="the capture did not wait")
        assert results == []
    thread.join(30)
    assert len(results) == 1 and not isinstance(results[0], Exception), results
    version = PublishedVersion.objects.get(claim=claim)
    assert version.archives[str(source.pk)]["url"] == capture


def test_a_dismissal_made_while_a_provider_answer_is_stored_stands(newsroom):
    """The provider's answer was saved whole, with the item's state as read before the
    editor's Dismiss: the dismissed item came back as new."""
    editor = newsroom["editor"]
    claim = _listeners_claim(newsroom)
    url = "https://en.wikipedia.org/wiki/Twitter_Spaces"
    item = EvidenceItem.objects.create(
        claim=claim, provider="mediawiki", url=url, url_key=urlnorm.url_key(url), title="Spaces"
    )
    request = EvidenceRequest.objects.filter(claim=claim).first()
    answer = {"provider": "mediawiki", "url": url, "url_key": item.url_key, "title": "Spaces (2)"}
    with transaction.atomic():
        services.evidence_item_dismiss(item=item, actor=editor)
        thread, results = _in_a_thread(lambda: search._store(claim.pk, request, [answer]))
        wait_for(lambda: _lock_waits() > 0, message="storing the answer did not wait")
    thread.join(30)
    assert results == [[item.pk]]
    item.refresh_from_db()
    assert (item.state, item.title) == (EvidenceItem.State.DISMISSED, "Spaces (2)")


def test_accepting_an_invitation_waits_for_its_senders_removal_and_is_refused(newsroom):
    """Accepting locked the invitation, then the newsroom (the new membership's key); the
    removal of the admin who sent it locked the newsroom, then the invitations that admin
    sent: each held what the other waited for, and PostgreSQL ended one of them."""
    organization = newsroom["organization"]
    sender = factories.member(organization, Membership.Role.ADMIN, username="sender")
    admin = factories.member(organization, Membership.Role.ADMIN, username="stays")
    newcomer = factories.UserFactory(username="newbie", email="newbie@example.test")
    services.invitation_create(
        organization=organization, actor=sender, invitee="newbie",
        role=Membership.Role.EDITOR,
    )  # fmt: skip
    token = INVITATION_LINK.search(mail.outbox[-1].body).group(1)
    with transaction.atomic():
        Organization.objects.select_for_update(no_key=True).get(
            pk=organization.pk
        )  # as the removal does
        thread, results = _in_a_thread(
            lambda: services.invitation_accept(token=token, actor=newcomer)
        )
        wait_for(lambda: _lock_waits() > 0, message="accepting did not wait for the newsroom")
        services.member_remove(organization=organization, actor=admin, user=sender)
    thread.join(30)
    assert [type(result) for result in results] == [services.InvitationUnavailable]
    assert results[0].reason == Invitation.State.REVOKED
    assert not Membership.objects.filter(organization=organization, user=newcomer).exists()


def test_an_evidence_item_cited_while_its_page_is_added_by_hand_waits_its_turn(newsroom):
    """Citing an item locked the item, then the claim; adding its page by hand locks the
    claim, then marks the items of that address cited: PostgreSQL ended one of them."""
    editor = newsroom["editor"]
    claim = _listeners_claim(newsroom)
    url = "https://en.wikipedia.org/wiki/Twitter_Spaces"
    item = EvidenceItem.objects.create(
        claim=claim, provider="mediawiki", url=url, url_key=urlnorm.url_key(url), title="Spaces"
    )
    with transaction.atomic():
        Claim.objects.select_for_update(no_key=True).get(
            pk=claim.pk
        )  # as adding a source does first
        thread, results = _in_a_thread(
            lambda: services.evidence_item_add(
                item=EvidenceItem.objects.get(pk=item.pk), actor=editor
            )
        )
        wait_for(lambda: _lock_waits() > 0, message="citing the item did not wait for the claim")
        by_hand = services.source_add(
            claim=Claim.objects.get(pk=claim.pk), actor=editor, url=url, quote="Typed by hand."
        )
    thread.join(30)
    # The page is cited once: the item, cited second, finds the source already there.
    assert [getattr(result, "pk", result) for result in results] == [by_hand.pk]
    item.refresh_from_db()
    assert (item.state, item.source_id) == (EvidenceItem.State.ADDED, by_hand.pk)


def test_a_web_annotation_update_waits_for_a_suggestion_being_dismissed(newsroom):
    """The update locked the newsroom, then the article; a suggestion dismissed locks the
    article, and its select_related locked the newsroom with it: each waited on the other."""
    article, editor = newsroom["article"], newsroom["editor"]
    client = Client()
    client.force_login(editor)
    container = f"/api/v1/annotations/articles/{article.pk}/"
    body = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "canonical": "urn:uuid:6a5b1f5e-3d0c-4a59-9d43-2f0b8f3e7c11",
        "target": {
            "type": "SpecificResource",
            "source": "urn:x:page",
            "selector": {"type": "TextQuoteSelector", "exact": LISTENERS},
        },
    }
    created = client.post(container, json.dumps(body), content_type=WEB_ANNOTATION)
    assert created.status_code == 201, created.content[:300]
    sent_back = client.get(created["Location"]).json()
    claim = Claim.objects.get(pk=int(created["Location"].rstrip("/").rsplit("/", 1)[-1]))
    sentence = "Over 160,000 people listened in at once"
    start = article.text.index(sentence)
    suggestion = Suggestion.objects.create(
        article=article, start=start, end=start + len(sentence), sentence=sentence,
        sentence_key=hashlib.sha256(sentence.encode()).hexdigest(), score=0.9,
    )  # fmt: skip
    with transaction.atomic():
        Article.objects.select_for_update(no_key=True).get(
            pk=article.pk
        )  # as dismissing does first
        thread, results = _in_a_thread(
            lambda: services.web_annotation_update(
                claim=Claim.objects.get(pk=claim.pk),
                actor=editor,
                data=sent_back,
                expected_version=claim.version,
            )
        )
        wait_for(lambda: _lock_waits() > 0, message="the update did not wait for the article")
        services.suggestion_dismiss(suggestion=suggestion, actor=editor)
    thread.join(30)
    assert [type(result) for result in results] == [Claim]
    assert Suggestion.objects.get(pk=suggestion.pk).state == Suggestion.State.DISMISSED


def _posted_annotation(newsroom) -> tuple[Claim, dict]:
    """A Web Annotation posted on the article without a canonical: its claim, and its JSON
    as a client sends it back."""
    article, editor = newsroom["article"], newsroom["editor"]
    client = Client()
    client.force_login(editor)
    body = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "target": {
            "type": "SpecificResource",
            "source": "urn:x:page",
            "selector": {"type": "TextQuoteSelector", "exact": LISTENERS},
        },
    }
    created = client.post(
        f"/api/v1/annotations/articles/{article.pk}/", json.dumps(body), content_type=WEB_ANNOTATION
    )
    assert created.status_code == 201, created.content[:300]
    claim = Claim.objects.get(pk=int(created["Location"].rstrip("/").rsplit("/", 1)[-1]))
    return claim, client.get(created["Location"]).json()


def test_two_updates_giving_an_annotation_different_canonicals_at_once_keep_the_first(newsroom):
    """The identifiers the annotation had were read before the locks: a second update,
    waiting on the first, then took its own canonical too, and the annotation had two
    (review R10); a canonical, once given, never changes."""
    claim, sent_back = _posted_annotation(newsroom)
    editor = newsroom["editor"]
    first = {**sent_back, "canonical": "urn:uuid:11111111-1111-4111-8111-111111111111"}
    second = {**sent_back, "canonical": "urn:uuid:22222222-2222-4222-8222-222222222222"}
    with transaction.atomic():
        services.web_annotation_update(
            claim=Claim.objects.get(pk=claim.pk), actor=editor, data=first,
            expected_version=claim.version,
        )  # fmt: skip
        thread, results = _in_a_thread(
            lambda: services.web_annotation_update(
                claim=Claim.objects.get(pk=claim.pk),
                actor=editor,
                data=second,
                expected_version=claim.version,
            )
        )
        wait_for(lambda: _lock_waits() > 0, message="the second update did not wait")
    thread.join(30)
    assert [type(result).__name__ for result in results] == ["ValidationError"]
    assert "cannot change" in str(results[0])
    known = services.web_annotations.received_identifiers([claim.pk])[claim.pk]
    assert known["canonical"] == first["canonical"]


def test_a_new_title_waits_for_an_annotation_taking_a_canonical(newsroom):
    """A new title locked the article, then the newsroom (for its slug); an annotation
    update taking a canonical locks the newsroom, then the article: a deadlock (review R10)."""
    claim, sent_back = _posted_annotation(newsroom)
    article, editor = newsroom["article"], newsroom["editor"]
    with transaction.atomic():
        # As the update taking a canonical does first.
        Organization.objects.select_for_update(no_key=True).get(pk=article.organization_id)
        thread, results = _in_a_thread(
            lambda: services.article_update_details(
                article=Article.objects.get(pk=article.pk), actor=editor, title="A new title"
            )
        )
        wait_for(lambda: _lock_waits() > 0, message="the title change did not wait")
        updated = services.web_annotation_update(
            claim=Claim.objects.get(pk=claim.pk), actor=editor,
            data={**sent_back, "canonical": "urn:uuid:33333333-3333-4333-8333-333333333333"},
            expected_version=claim.version,
        )  # fmt: skip
    thread.join(30)
    assert isinstance(updated, Claim)
    assert [type(result) for result in results] == [Article]
    assert Article.objects.get(pk=article.pk).title == "A new title"


def test_two_webhooks_moved_to_one_url_at_once_leave_one_there(newsroom):
    """Each update checked the URL was free before either saved: the receiver then got every
    event twice (review R11). The organization is locked for it, as a registration locks it."""
    organization = newsroom["organization"]
    admin = factories.member(organization, Membership.Role.ADMIN, username="hooks-admin")
    first, _ = services.webhook_register(
        actor=admin, organization=organization, url="https://hooks.example/a",
        events=["claim.published"],
    )  # fmt: skip
    second, _ = services.webhook_register(
        actor=admin, organization=organization, url="https://hooks.example/b",
        events=["claim.published"],
    )  # fmt: skip
    shared = "https://hooks.example/shared"
    with transaction.atomic():
        services.webhook_update(actor=admin, endpoint=first, url=shared)
        thread, results = _in_a_thread(
            lambda: services.webhook_update(actor=admin, endpoint=second, url=shared)
        )
        wait_for(lambda: _lock_waits() > 0, message="the second update did not wait")
    thread.join(30)
    assert [type(result).__name__ for result in results] == ["ValidationError"]
    assert "registered already" in str(results[0])
    urls = sorted(organization.webhook_endpoints.values_list("url", flat=True))
    assert urls == ["https://hooks.example/b", shared]


@pytest.mark.parametrize("via", ["newsroom", "annotation"])
def test_a_second_delete_of_a_claim_sent_at_once_answers_404_not_500(newsroom, via):
    """A client retrying a DELETE after a timeout: the second waited for the first's lock,
    found the claim gone, and raised DoesNotExist, a 500 (trial G9)."""
    editor = newsroom["editor"]
    if via == "newsroom":
        claim = _listeners_claim(newsroom)
        url = f"/api/v1/newsroom/claims/{claim.pk}/"
    else:
        claim, _ = _posted_annotation(newsroom)
        url = f"/api/v1/annotations/{claim.pk}"
    client = Client()
    client.force_login(editor)
    tag = client.get(url)["ETag"]
    with transaction.atomic():
        services.claim_delete(claim=Claim.objects.get(pk=claim.pk), actor=editor)
        thread, results = _in_a_thread(lambda: client.delete(url, headers={"If-Match": tag}))
        wait_for(lambda: _lock_waits() > 0, message="the second delete did not wait")
    thread.join(30)
    [answer] = results
    assert answer.status_code == 404, answer.content[:300]
    assert answer["Content-Type"] == "application/problem+json"
    assert "deleted meanwhile" in answer.json()["detail"]


def test_a_source_removed_while_its_page_is_read_ends_the_reading_job_quietly(
    newsroom, loopback_pages, settings, tmp_path
):
    """The reading job found its snapshot gone when it came to store the text: DoesNotExist,
    a failed job with a traceback (trial G9). Gone while it ran, nothing is left to do."""
    from annotations import jobs
    from annotations.evidence import archive_tasks
    from annotations.models import Job, Source
    from tests.documents import make_html_page

    assert archive_tasks.extract_snapshot  # declares the snapshot jobs in this process
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FACTCHECK_WAYBACK_ENABLED = False
    page = make_html_page(
        [LISTENERS + ", the platform said."] * 3, title="A record Space", byline="Staff"
    )
    loopback_pages.expect_request("/space").respond_with_data(page, content_type="text/html")
    editor = newsroom["editor"]
    claim = _listeners_claim(newsroom)
    source = services.source_add(claim=claim, actor=editor, url=loopback_pages.url_for("/space"))
    fetch = Job.objects.about("snapshot", source.pk).latest("created_at")
    assert jobs.run("snapshot", fetch.pk) == Job.State.DONE
    reading = Job.objects.about("snapshot_extract", source.snapshots.get().pk).get()
    with transaction.atomic():
        services.source_remove(source=Source.objects.get(pk=source.pk), actor=editor)
        thread, results = _in_a_thread(lambda: jobs.run("snapshot_extract", reading.pk))
        wait_for(lambda: _lock_waits() > 0 or results, message="the reading did not wait")
        assert results == []
    thread.join(30)
    assert results == [Job.State.DONE]
