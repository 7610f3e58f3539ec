"""A member's home page: the queues that wait for them, each opening the claim's card."""

import re
from html import unescape as html_unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations import queries, services
from annotations.models import Claim, Membership, Rating
from tests import factories

QUOTE = "Over 160,000 people listened in at once"


def _claim(article, creator, quote):
    return services.claim_create(
        article=article, creator=creator, selectors=factories.quote_selectors(article.text, quote)
    )


def _ready(claim, actor):
    rating = Rating.objects.get(scale__organization=claim.article.organization, label="False")
    services.source_add(claim=claim, actor=actor, url="https://example.org/r")
    services.claim_update(
        claim=claim, actor=actor, expected_version=None, rating=rating, conclusion="No."
    )
    return services.claim_transition(claim=claim, actor=actor, to_status="in_review")


def _queue(html: str, key: str) -> str:
    """The HTML of one queue's section."""
    match = re.search(rf'<section class="queue" id="queue-{key}".*?</section>', html, re.S)
    assert match, key
    return match.group(0)


def _count(html: str, key: str) -> int:
    return int(re.search(r'class="queue-count">(\d+)<', _queue(html, key)).group(1))


@pytest.fixture
def desk(article, editor, reviewer):
    """A draft, a claim in review, one sent back with a note, one assigned, one published."""
    draft = _claim(article, editor, "median age is only 22.8 years")
    review = _ready(_claim(article, editor, "breaking the prior record"), editor)
    sent_back = _ready(_claim(article, editor, "demographic prerequisite for change"), editor)
    services.claim_transition(
        claim=sent_back, actor=reviewer, to_status="draft", note="Which census?"
    )
    services.claim_update(claim=draft, actor=editor, expected_version=None, assignee=reviewer)
    published = factories.published_claim(article, editor, reviewer, quote=QUOTE)
    return {"draft": draft, "review": review, "sent_back": sent_back, "published": published}


def test_a_reviewer_finds_what_waits_for_their_review_on_the_first_page(client, desk, reviewer):
    client.force_login(reviewer)

    html = client.get("/").content.decode()

    review = _queue(html, "review")
    assert _count(html, "review") == 1
    card = f'href="/articles/{desk["review"].article_id}/#claim-{desk["review"].pk}"'
    assert card in review and "breaking the prior record" in review
    assert _count(html, "assigned") == 1 and "median age" in _queue(html, "assigned")
    assert _count(html, "drafts") == 0 and _count(html, "changes") == 0
    assert "Listeners and ages" in html  # the article list stays below


def test_an_editor_sees_drafts_changes_requested_with_the_note_and_recent_publications(
    client, desk, editor
):
    client.force_login(editor)

    html = client.get("/").content.decode()

    assert 'id="queue-review"' not in html  # an editor publishes nothing
    assert _count(html, "drafts") == 1 and "median age" in _queue(html, "drafts")
    changes = _queue(html, "changes")
    assert _count(html, "changes") == 1 and "Which census?" in changes
    assert f'#claim-{desk["sent_back"].pk}"' in changes
    assert _count(html, "published") == 1 and "no correction" in _queue(html, "published")


def test_the_creator_of_a_claim_in_review_does_not_see_it_waiting_for_their_own_review(
    client, article, reviewer
):
    _ready(_claim(article, reviewer, QUOTE), reviewer)
    client.force_login(reviewer)

    assert _count(client.get("/").content.decode(), "review") == 0


def test_orphans_wait_to_be_reattached(client, article, editor):
    claim = _claim(article, editor, QUOTE)
    services.article_update_text(article=article, text="Entirely new words.", actor=editor)
    client.force_login(editor)

    html = client.get("/").content.decode()

    assert Claim.objects.get(pk=claim.pk).anchor_state == Claim.AnchorState.ORPHANED
    assert _count(html, "orphans") == 1 and f"#claim-{claim.pk}" in _queue(html, "orphans")


def test_queues_show_only_the_members_own_organizations(client, desk):
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.ADMIN)
    client.force_login(outsider)

    html = client.get("/").content.decode()

    assert all(_count(html, key) == 0 for key in ("review", "orphans", "published"))
    assert "breaking the prior record" not in html


def test_the_article_list_says_which_rated_claims_are_published(client, desk, editor):
    client.force_login(editor)

    html = client.get("/").content.decode()

    assert "1 Mostly true: published" in html
    assert "2 False: not published" in html


@pytest.mark.parametrize(
    ("count", "published", "retracted", "said"),
    [
        (1, 1, 0, "published"),
        (3, 3, 0, "all published"),
        (2, 0, 0, "not published"),
        (1, 0, 1, "retracted"),
        (3, 1, 1, "1 published, 1 retracted, 1 not published"),
        (2, 0, 1, "1 retracted, 1 not published"),
    ],
)
def test_where_a_ratings_claims_stand_reads_in_words(count, published, retracted, said):
    assert queries._publication_states(count, published, retracted) == said


def test_a_retracted_claim_is_listed_as_retracted_not_unpublished(client, desk, editor, reviewer):
    [published] = [c for c in Claim.objects.all() if c.status == Claim.Status.PUBLISHED]
    services.claim_transition(
        claim=published, actor=reviewer, to_status=Claim.Status.RETRACTED, note="Withdrawn"
    )
    client.force_login(editor)

    html = client.get("/").content.decode()

    assert "1 Mostly true: retracted" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Khan's rally", ["Imran Khan’s rally"]),
        ("Khan‘s", ["Imran Khan’s rally"]),
        ('"largest ever"', ["The “largest ever” crowd"]),
        ("O’Brien", ["O'Brien's count"]),
        ("rally", ["Imran Khan’s rally"]),
    ],
)
def test_the_article_search_ignores_the_quote_style_of_titles_and_words(
    client, organization, editor, query, expected
):
    """A title pasted from a typeset page has ’ and “ ”; a keyboard types ' and "."""
    for title in ("Imran Khan’s rally", "The “largest ever” crowd", "O'Brien's count"):
        factories.article(organization, editor, title=title)
    client.force_login(editor)

    html = client.get("/", {"q": query}).content.decode()

    titles = re.findall(r'<td data-label="Title"><a href="[^"]*">([^<]*)</a>', html)
    assert [html_unescape(title) for title in titles] == expected


def test_the_dashboard_reads_in_a_bounded_number_of_queries(client, article, editor, reviewer):
    for quote in ("median age is only 22.8 years", "breaking the prior record", QUOTE):
        _ready(_claim(article, editor, quote), editor)
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(5):
        factories.article(article.organization, editor, title="More")
    with CaptureQueriesContext(connection) as more:
        client.get("/")

    assert len(more) == len(few) and len(few) < 40


WHOLE_TEXTS = ('"annotations_article"."text"', '"annotations_articlerevision"."text"')


def test_the_desk_and_the_claim_cards_read_no_article_or_revision_text(
    client, article, editor, reviewer
):
    """The desk read every listed claim's article text and revision text, and the card
    list its revision's, once per claim: 50 MB for ten claims of a 5 MB article (review
    R12). The cards need the revision's number; the desk, titles."""
    claim = factories.published_claim(article, editor, reviewer)
    _ready(_claim(article, editor, "breaking the prior record"), editor)
    services.claim_update(claim=claim, actor=editor, expected_version=None, conclusion="Again.")
    client.force_login(reviewer)
    # The card list reads its article once, to know it is the member's; the desk never.
    for url, articles_read in (("/", 0), (f"/api/v1/newsroom/articles/{article.pk}/claims/", 1)):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        read = [q["sql"] for q in captured if any(text in q["sql"] for text in WHOLE_TEXTS)]
        assert len(read) == articles_read, url
        assert not any(WHOLE_TEXTS[1] in sql for sql in read), url
    cards = client.get(f"/api/v1/newsroom/articles/{article.pk}/claims/").json()
    assert {card["revision"] for card in cards} == {1}


def test_visitors_still_get_the_public_home_page(client, desk):
    response = client.get("/")
    assert response.status_code == 200
    assert 'id="queue-review"' not in response.content.decode()


def test_published_claims_citing_pages_gone_or_changed_wait_on_the_desk(
    client, article, editor, reviewer
):
    """A published verdict whose cited page was gone showed only inside its card: nothing
    on the desk said a reader following the source would find nothing."""
    from annotations.models import Source
    from annotations.permissions import SYSTEM
    from annotations.services import snapshots

    claim = factories.published_claim(article, editor, reviewer)
    other = factories.published_claim(article, editor, reviewer, quote="breaking the prior record")
    source = claim.sources.get()
    snapshots.source_link_record(
        source=source, actor=SYSTEM, state=Source.LinkState.GONE, note="404 Not Found",
        failures=3, for_url=source.url,
    )  # fmt: skip
    client.force_login(editor)
    html = client.get("/").content.decode()
    queue = _queue(html, "links")
    assert _count(html, "links") == 1 and f"#claim-{claim.pk}" in queue
    assert f"#claim-{other.pk}" not in queue
    assert "1 cited page gone or changed, with no archived copy" in html_unescape(queue)
    # With an archived copy, which readers are then shown, it waits no more.
    snapshots.source_archive_url_set(
        source=source, actor=SYSTEM, for_url=source.url,
        archive_url=f"https://web.archive.org/web/20260101000000/{source.url}",
    )  # fmt: skip
    assert _count(client.get("/").content.decode(), "links") == 0
    Source.objects.filter(pk=source.pk).update(archive_url="")
    assert _count(client.get("/").content.decode(), "links") == 1
    # Nor once the page answers again.
    snapshots.source_link_record(
        source=source, actor=SYSTEM, state=Source.LinkState.OK, for_url=source.url
    )
    assert _count(client.get("/").content.decode(), "links") == 0


def test_drafts_of_a_member_who_left_wait_on_the_reviewers_desk(
    client, article, organization, reviewer, org_admin
):
    """Removed, a member's drafts were unassigned and on nobody's desk: findable only by
    opening the article (trial G19)."""
    leaving = factories.member(organization, username="leaving")
    left_behind = _claim(article, leaving, QUOTE)
    services.member_remove(organization=organization, actor=org_admin, user=leaving)
    client.force_login(reviewer)
    html = client.get("/").content.decode()
    assert _count(html, "left") == 1 and f"#claim-{left_behind.pk}" in _queue(html, "left")
    # Taken over (assigned to someone), it leaves the queue for that member's.
    services.claim_update(
        claim=left_behind, actor=reviewer, expected_version=None, assignee=reviewer
    )
    html = client.get("/").content.decode()
    assert _count(html, "left") == 0 and f"#claim-{left_behind.pk}" in _queue(html, "assigned")
    # An editor, who publishes nowhere, gets no such queue.
    client.force_login(factories.member(organization, username="plain-editor"))
    assert 'id="queue-left"' not in client.get("/").content.decode()
