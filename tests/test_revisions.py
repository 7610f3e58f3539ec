"""Editing an article's text keeps every revision and re-anchors its claims, or orphans them."""

import pytest
from django.core.management import call_command

from annotations import anchoring, queries, services
from annotations.models import Article, Claim, ClaimEvent, Job
from tests import factories
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db

LISTENERS = "Over 160,000 people listened in at once"
MEDIAN = "the median age is only 22.8 years"


@pytest.fixture
def demo():
    call_command("load_demo", verbosity=0)
    article = Article.objects.get()
    editor = article.organization.memberships.get(user__username="demo-editor").user
    return article, editor


def _claim(article, exact):
    return article.claims.get(exact=exact)


def _edit(article, editor, text):
    report = services.article_update_text(article=article, text=text, actor=editor)
    factories.text_shown_to_readers(article)
    article.refresh_from_db()
    return report


def test_paragraph_inserted_at_the_top_moves_every_claim_and_keeps_verdicts(demo):
    article, editor = demo
    before = {c.pk: (c.start, c.exact, c.rating_id, c.status) for c in article.claims.all()}
    report = _edit(article, editor, "Editor's note: updated on 20 April.\n\n" + article.text)
    shift = len("Editor's note: updated on 20 April.\n\n")
    assert report.moved == len(before) and report.orphaned == 0
    for claim in article.claims.all():
        start, exact, rating, status = before[claim.pk]
        assert (claim.start, claim.exact, claim.rating_id, claim.status) == (
            start + shift,
            exact,
            rating,
            status,
        )
        assert article.text[claim.start : claim.end] == claim.exact
        assert claim.revision.number == 2
    # Moved words are position metadata: readers' published versions follow without review.
    published = list(queries.published_claims().filter(claim__article=article))
    assert len(published) == 4
    for version in published:
        assert version.revision.number == 2 and version.number == 1
        assert article.text[version.start : version.end] == version.exact


def test_every_revision_keeps_its_text(demo):
    article, editor = demo
    original = article.text
    _edit(article, editor, original.replace("Twitter Spaces", "X Spaces"))
    assert list(article.revisions.values_list("number", flat=True)) == [1, 2]
    assert article.revisions.get(number=1).text == original


def test_changed_number_orphans_the_claim_with_the_reason_and_sends_it_to_review(demo):
    article, editor = demo
    assert _claim(article, MEDIAN).status == Claim.Status.PUBLISHED
    report = _edit(article, editor, article.text.replace("22.8", "22.9"))
    claim = _claim(article, MEDIAN)
    assert claim.anchor_state == Claim.AnchorState.ORPHANED
    assert claim.orphan_reason == "number changed: 22.8 → 22.9"
    assert claim.status == Claim.Status.IN_REVIEW
    assert report.orphaned == 1 and report.sent_to_review == 1
    # Readers no longer see the verdict; its last published version is kept, hidden.
    assert not queries.published_claims().filter(claim=claim).exists()
    version = claim.published_versions.get()
    assert version.is_current and not version.is_anchored and version.exact == MEDIAN
    # The orphan keeps the selectors and revision it was checked on.
    assert claim.revision.number == 1
    assert claim.revision.text[claim.start : claim.end] == MEDIAN


def test_an_edit_undone_finds_its_orphans_again(demo):
    """Changing a figure back left the claim orphaned, its reason naming a change the text
    no longer had (trial G8): the editor had to re-attach it by hand."""
    article, editor = demo
    original = article.text
    _edit(article, editor, original.replace("22.8", "22.9"))
    assert _claim(article, MEDIAN).anchor_state == Claim.AnchorState.ORPHANED

    report = _edit(article, editor, original)

    claim = _claim(article, MEDIAN)
    assert (claim.anchor_state, claim.orphan_reason) == (Claim.AnchorState.ANCHORED, "")
    assert article.text[claim.start : claim.end] == MEDIAN and claim.revision.number == 3
    assert report.restored == 1 and report.orphaned == 0
    event = claim.events.latest("pk")
    assert event.changes["restored"] == "number changed: 22.8 → 22.9"
    # Readers see it again once a reviewer republishes it, saying why it was taken down.
    assert claim.status == Claim.Status.IN_REVIEW
    assert not queries.published_claims().filter(claim=claim).exists()
    reviewer = article.organization.memberships.get(user__username="demo-reviewer").user
    services.claim_transition(
        claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED,
        note="the article's figure was changed by mistake, then put back",
    )  # fmt: skip
    [version] = queries.published_claims().filter(claim=claim)
    assert version.number == 2 and version.revision.number == 3
    assert article.text[version.start : version.end] == MEDIAN
    # Words that come back changed are no restoration: the orphan stays.
    _edit(article, editor, original.replace("22.8", "22.9"))
    _edit(article, editor, original.replace("22.8", "22.80"))
    assert _claim(article, MEDIAN).anchor_state == Claim.AnchorState.ORPHANED


def test_deleted_quote_becomes_orphan_instead_of_matching_lookalike(demo):
    article, editor = demo
    text = article.text.replace(LISTENERS + ", breaking", "Breaking")
    _edit(article, editor, text)
    claim = _claim(article, LISTENERS)
    assert claim.anchor_state == Claim.AnchorState.ORPHANED
    assert claim.orphan_reason == "quote deleted"


def test_quote_replaced_by_other_words_is_orphaned_with_that_reason(demo):
    article, editor = demo
    text = article.text.replace(LISTENERS + ",", "Many people listened in,")
    _edit(article, editor, text)
    claim = _claim(article, LISTENERS)
    assert claim.anchor_state == Claim.AnchorState.ORPHANED
    assert claim.orphan_reason == "quote replaced by different words"


def test_straightened_quotes_and_fixed_typo_keep_the_claim_anchored(demo):
    article, editor = demo
    belt = article.claims.get(exact__startswith="the Belt & Road")
    text = article.text.replace("\u2019", "'").replace("listened in", "listend in")
    _edit(article, editor, text)
    belt.refresh_from_db()
    assert belt.anchor_state == Claim.AnchorState.ANCHORED
    assert belt.exact == "the Belt & Road Initiative's (BRI) flagship project"
    listeners = _claim(article, "Over 160,000 people listend in at once")
    assert listeners.anchor_state == Claim.AnchorState.ANCHORED
    # A published claim whose words changed goes back to review.
    assert listeners.status == Claim.Status.IN_REVIEW


def test_duplicated_paragraph_leaves_the_claim_on_the_original(demo):
    article, editor = demo
    paragraphs = article.text.split("\n\n")
    index = next(i for i, p in enumerate(paragraphs) if MEDIAN in p)
    original_start = _claim(article, MEDIAN).start
    paragraphs.insert(index + 1, paragraphs[index])
    _edit(article, editor, "\n\n".join(paragraphs))
    claim = _claim(article, MEDIAN)
    assert claim.anchor_state == Claim.AnchorState.ANCHORED
    assert claim.start == original_start


def test_orphan_can_be_reattached_to_a_new_selection(demo):
    article, editor = demo
    _edit(article, editor, article.text.replace("22.8", "22.9"))
    claim = _claim(article, MEDIAN)
    start = article.text.index("the median age is only 22.9 years")
    selectors = anchoring.describe(article.text, start, start + len(MEDIAN))
    claim = services.claim_reattach(claim=claim, actor=editor, selectors=selectors)
    assert claim.anchor_state == Claim.AnchorState.ANCHORED
    assert claim.exact == "the median age is only 22.9 years"
    assert claim.revision.number == 2


@pytest.mark.django_db(transaction=True)
def test_large_article_is_reanchored_by_the_worker(demo, settings, celery_worker_process):
    article, editor = demo
    settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS = 2
    report = _edit(article, editor, "A new first paragraph.\n\n" + article.text)
    assert report.deferred
    # The worker may already be at it: the job row, not the claims' state, says it was sent.
    job = Job.objects.get(kind="reanchor", subject_id=article.pk)

    def done():
        job.refresh_from_db()
        return job.state == Job.State.DONE

    wait_for(done, timeout=60, message="the worker did not re-anchor the claims")
    assert not article.claims.exclude(anchor_state=Claim.AnchorState.ANCHORED).exists()
    for claim in article.claims.all():
        assert article.text[claim.start : claim.end] == claim.exact
    # Every claim moved down by the new paragraph, recorded as the system's doing.
    moved = ClaimEvent.objects.filter(claim__article=article, action="reanchored", actor=None)
    assert moved.count() == 6


def test_orphan_is_shown_against_the_revision_it_was_checked_on(demo, client):
    article, editor = demo
    _edit(article, editor, article.text.replace("22.8", "22.9"))
    claim = _claim(article, MEDIAN)
    client.force_login(editor)
    response = client.get(f"/articles/{article.pk}/revisions/1/?claim={claim.pk}")
    assert response.status_code == 200
    assert f'<mark class="highlight active">{MEDIAN}</mark>'.encode() in response.content
    detail = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    assert detail["revision_number"] == 1 and detail["anchor_state"] == "orphaned"


def test_text_edited_in_the_admin_creates_a_revision_and_orphans_with_reasons(demo, client):
    article, _ = demo
    admin_user = article.organization.memberships.get(user__username="demo-admin").user
    client.force_login(admin_user)
    revision = article.revisions.get()
    form = {
        "organization": article.organization_id,
        "title": article.title,
        "byline": article.byline,
        "publisher": article.publisher,
        "canonical_url": article.canonical_url,
        "published_on": article.published_on.isoformat(),
        "language": article.language,
        "text": article.text.replace("22.8", "22.9"),
        "revisions-TOTAL_FORMS": "1",
        "revisions-INITIAL_FORMS": "1",
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "1000",
        "revisions-0-id": revision.pk,
        "revisions-0-article": article.pk,
    }
    response = client.post(f"/admin/annotations/article/{article.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    assert article.revisions.count() == 2
    claim = _claim(article, MEDIAN)
    assert claim.orphan_reason == "number changed: 22.8 → 22.9"
    orphans = client.get("/admin/annotations/claim/?anchor_state__exact=orphaned")
    assert "number changed: 22.8 → 22.9" in orphans.content.decode()


def test_edits_next_to_a_claim_in_a_repeated_paragraph_keep_every_verdict_on_its_own_words(demo):
    article, editor = demo
    paragraphs = article.text.split("\n\n")
    index = next(i for i, p in enumerate(paragraphs) if MEDIAN in p)
    paragraphs.insert(index + 1, paragraphs[index])
    _edit(article, editor, "\n\n".join(paragraphs))
    before = {claim.pk: claim.exact for claim in article.claims.all()}
    # Only the first copy is edited, right around the claim: a comma on each side.
    first = article.text.index(MEDIAN)
    text = (
        article.text[: first - 1] + ", " + MEDIAN + ", " + article.text[first + len(MEDIAN) + 1 :]
    )
    assert text.count(MEDIAN) == 2
    report = _edit(article, editor, text)
    assert report.orphaned == 0
    claim = _claim(article, MEDIAN)
    assert (claim.start, claim.end) == (first + 1, first + 1 + len(MEDIAN))
    assert claim.status == Claim.Status.PUBLISHED and claim.revision.number == 3
    second = article.text.index(paragraphs[index], first + len(MEDIAN))
    for claim in article.claims.all():
        assert claim.anchor_state == Claim.AnchorState.ANCHORED
        assert article.text[claim.start : claim.end] == claim.exact == before[claim.pk]
        # No verdict lands on the second copy of the paragraph.
        assert not second <= claim.start < second + len(paragraphs[index])
