"""A text change under published verdicts waits for a second person before readers see it.

Trial G11: one editor wrote "It is false that" before a rated sentence and changed a rated
figure; readers saw the verdict on the new words at once, and the other verdict vanished,
with nobody else's look, although a change to a verdict itself needs one.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from annotations import jobs, queries, services
from annotations.models import (
    Article,
    ArticleRevision,
    Claim,
    Job,
    Notification,
    Organization,
    PublishedVersion,
    Rating,
)
from tests import factories
from tests.conftest import once_this_second_is_over

pytestmark = pytest.mark.django_db

LISTENERS = "Over 160,000 people listened in at once"
MEDIAN = "the median age is only 22.8 years"
FRAMED = "It is false that " + LISTENERS


@pytest.fixture
def desk(newsroom):
    """Two published verdicts; then the editor frames one and changes the other's figure."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    listeners = factories.published_claim(article, editor, reviewer)
    median = factories.published_claim(article, editor, reviewer, quote=MEDIAN)
    article.refresh_from_db()
    assert article.text.count(LISTENERS) == 1
    edited = article.text.replace(LISTENERS, FRAMED).replace("22.8 years", "32.8 years")
    services.article_update_text(article=article, actor=editor, text=edited)
    article.refresh_from_db()
    return {**newsroom, "article": article, "listeners": listeners, "median": median}


def _reader_page(client, article):
    article.refresh_from_db()
    slug = article.organization.slug
    return client.get(reverse("reader-article", args=[slug, article.slug])).content.decode()


def _show(desk, actor, revision=2):
    return services.article_text_publish(article=desk["article"], actor=actor, revision=revision)


def test_readers_keep_the_text_and_verdicts_they_saw_until_someone_else_shows_the_new_text(
    client, desk
):
    article = desk["article"]
    before = {
        v.claim_id: (v.revision_id, v.start, v.prefix) for v in PublishedVersion.objects.all()
    }

    page = _reader_page(client, article)

    assert "It is false that" not in page and "22.8 years" in page
    assert page.count('class="hl') >= 2  # both verdicts still on their words
    assert "the text around them is not the text that was checked" not in page
    after = {v.claim_id: (v.revision_id, v.start, v.prefix) for v in PublishedVersion.objects.all()}
    assert after == before
    assert queries.published_claims().filter(claim=desk["median"]).exists()
    # The working copies follow the new text meanwhile, for the newsroom.
    listeners = Claim.objects.get(pk=desk["listeners"].pk)
    assert article.text[listeners.start : listeners.end] == LISTENERS

    shown = _show(desk, desk["reviewer"])

    assert shown.number == 2
    page = _reader_page(client, article)
    assert "It is false that" in page and "32.8 years" in page
    assert "the text around them is not the text that was checked" in page
    # The framed verdict moved onto the new text; the one whose figure changed is hidden.
    version = queries.published_claims().get(claim=desk["listeners"])
    assert version.revision.number == 2 and version.prefix.endswith("It is false that ")
    assert not queries.published_claims().filter(claim=desk["median"]).exists()
    assert "being checked again" in page


def test_the_author_of_the_newest_text_is_not_its_second_look(desk):
    """As for a claim: whoever made the latest change may not show it; anyone else who may
    edit may, the maker of an earlier revision too (the newest one's author read theirs)."""
    services.article_update_text(
        article=desk["article"], actor=desk["reviewer"], text=desk["article"].text + "\n\nMore."
    )
    with pytest.raises(PermissionDenied, match="latest change to this text is yours"):
        _show(desk, desk["reviewer"], revision=3)
    assert _show(desk, desk["editor"], revision=3).number == 3
    desk["article"].refresh_from_db()
    assert desk["article"].public_revision.number == 3


def test_the_one_reviewer_of_a_desk_has_their_own_text_shown_by_an_editor(client, desk):
    services.article_update_text(
        article=desk["article"], actor=desk["reviewer"], text=desk["article"].text + "\n\nMore."
    )
    client.force_login(desk["reviewer"])
    own = client.get(desk["article"].get_absolute_url()).content.decode()
    client.force_login(desk["editor"])
    other = client.get(desk["article"].get_absolute_url()).content.decode()

    assert "The latest change to this text is yours" in own and "Show readers" not in own
    assert "Show readers revision 3" in other


def test_a_text_saved_since_it_was_looked_at_is_not_shown(desk):
    services.article_update_text(
        article=desk["article"], actor=desk["editor"], text=desk["article"].text + "\n\nLater."
    )
    with pytest.raises(services.StaleText) as stale:
        _show(desk, desk["reviewer"], revision=2)
    # Not "since you started editing": the reviewer only looked (trial G12).
    assert str(stale.value) == "ed saved revision 3 of this text since you looked at revision 2."
    desk["article"].refresh_from_db()
    assert desk["article"].public_revision.number == 1


def test_a_revision_that_does_not_exist_is_refused_as_such_and_ones_own_is_said_so(desk):
    """G12: a revision after the newest, or below 1, was answered as a text saved since,
    repeating the number; a reviewer's own save in a second window was named as a colleague's."""
    for revision in (-5, 0, 3, 10**20):
        with pytest.raises(ValidationError, match="no such revision: the newest is revision 2"):
            _show(desk, desk["reviewer"], revision=revision)
    services.article_update_text(
        article=desk["article"], actor=desk["reviewer"], text=desk["article"].text + "\n\nMine."
    )
    with pytest.raises(services.StaleText, match=r"^You saved revision 3 of this text since"):
        _show(desk, desk["reviewer"], revision=2)
    with pytest.raises(services.StaleText, match=r"^rev saved revision 3 of this text since"):
        _show(desk, desk["editor"], revision=2)


def test_no_verdict_is_published_on_a_text_readers_do_not_see(client, desk):
    article, editor, reviewer = desk["article"], desk["editor"], desk["reviewer"]
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "Korean pop group"),
    )
    rating = article.organization.rating_scales.get().ratings.get(label="False")
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="No."
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/k")
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    claim.refresh_from_db()

    with pytest.raises(ValidationError, match="Show readers the new text first"):
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    # The card's checklist says the text, not the details (trial G12).
    client.force_login(reviewer)
    card = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    [line] = [item for item in card["checklist"] if item["key"] == "article_details"]
    assert line["label"] == "The article's new text shown to readers first"
    assert line["detail"] == "Readers still see an earlier revision of its text."

    _show(desk, reviewer)
    claim.refresh_from_db()
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    assert queries.published_claims().filter(claim=claim).exists()


def test_the_reviewers_are_told_once_and_the_card_says_why_publish_waits(client, desk):
    told = Notification.objects.filter(kind="text_waiting", recipient=desk["reviewer"])
    [notice] = told
    assert notice.message.startswith("ed changed the text of “")
    assert notice.message.endswith(
        "” (revision 2): readers keep the text they saw until someone else shows them the new one."
    )
    # It leads to the list of what the text changes, not to some claim's card (trial G12).
    assert notice.claim_id is None and notice.article_id == desk["article"].pk
    changes = f"/articles/{desk['article'].pk}/text-changes/"
    client.force_login(desk["reviewer"])
    listed = client.get("/notifications/").content.decode()
    assert f'<a href="{changes}">ed changed the text of' in listed
    [item] = [
        item
        for item in client.get("/api/v1/newsroom/notifications/").json()["results"]
        if item["kind"] == "text_waiting"
    ]
    assert item["link"] == changes and item["article"] == desk["article"].pk
    assert item["kind_label"] == "New text waiting to be shown"
    assert "Readers still see revision 1" in client.get(changes).content.decode()
    mail.outbox.clear()
    for job in Job.objects.filter(kind="email", subject_id=notice.pk):
        jobs.run("email", job.pk)
    [email] = [message for message in mail.outbox if message.to == [desk["reviewer"].email]]
    assert f"See what the new text changes: {settings.PUBLIC_BASE_URL}{changes}" in email.body, (
        email.body
    )
    services.article_update_text(
        article=desk["article"], actor=desk["editor"], text=desk["article"].text + "\n\nMore."
    )
    assert told.count() == 1  # waiting already: no second notice
    client.force_login(desk["reviewer"])
    page = client.get(desk["article"].get_absolute_url()).content.decode()
    notice = page[page.index('id="text-awaiting"') :].partition("</div>")[0]
    assert "Readers still see revision 1 of this text." in notice
    assert "added: </span>It is false that " in notice, notice
    assert "removed: </span>22.8<" in notice and "added: </span>32.8<" in notice, notice
    assert "Show readers revision 3" in notice


def test_a_text_readers_see_no_verdict_on_or_a_newsroom_of_one_shows_at_once(newsroom):
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    services.article_update_text(article=article, actor=editor, text=article.text + "\n\nA.")
    article.refresh_from_db()
    assert article.public_revision.number == 2  # nothing published: nothing to wait for

    factories.published_claim(article, editor, reviewer)
    Organization.objects.filter(pk=article.organization_id).update(requires_two_person_review=False)
    article.organization.refresh_from_db()
    services.article_update_text(article=article, actor=editor, text=article.text + "\n\nB.")
    article.refresh_from_db()
    assert article.public_revision.number == 3


def test_the_workspace_notice_shows_the_text_to_readers(client, desk):
    client.force_login(desk["reviewer"])
    url = reverse("article-text-publish", args=[desk["article"].pk])

    stale = client.post(url, {"revision": "1"}, follow=True).content.decode()
    shown = client.post(url, {"revision": "2"}, follow=True).content.decode()

    assert "Nothing was shown to readers" in stale
    assert "Readers now see revision 2 of the text" in shown
    assert "Readers still see revision" not in shown
    desk["article"].refresh_from_db()
    assert desk["article"].public_revision.number == 2


def test_a_text_put_back_as_readers_see_it_needs_no_second_look(client, desk):
    article = desk["article"]
    shown_text = article.revisions.get(number=1).text

    services.article_update_text(article=article, actor=desk["editor"], text=shown_text)

    article.refresh_from_db()
    assert article.public_revision.number == 3
    assert queries.article_text_waiting(article) is None
    # The verdicts stand on the same words in the same places, on the text readers see.
    for claim in (desk["listeners"], desk["median"]):
        version = queries.published_claims().get(claim=claim)
        assert version.revision.number == 3
        assert shown_text[version.start : version.end] == version.exact


def test_showing_a_text_that_moves_no_verdict_still_moves_the_pages_last_modified(client, newsroom):
    """Last-Modified followed the text's save and the versions' changes: a text shown later
    that moved no verdict left it as it was, and a client asking If-Modified-Since kept the
    old text (R16). The versions stay as they were: a syncing consumer gets nothing again."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    claim = factories.published_claim(article, editor, reviewer)
    article.refresh_from_db()
    url = reverse("reader-article", args=[article.organization.slug, article.slug])
    services.article_update_text(article=article, actor=editor, text=article.text + "\n\nEnd.")
    version = PublishedVersion.objects.get(claim=claim)
    PublishedVersion.objects.filter(pk=version.pk).update(
        changed_at=version.changed_at - timedelta(minutes=5)
    )
    ArticleRevision.objects.filter(article=article).update(
        created_at=version.changed_at - timedelta(minutes=5)
    )
    Article.objects.filter(pk=article.pk).update(
        public_revision_shown_at=version.changed_at - timedelta(minutes=5)
    )
    modified = client.get(url)["Last-Modified"]

    services.article_text_publish(article=article, actor=reviewer, revision=2)
    once_this_second_is_over()

    again = client.get(url, HTTP_IF_MODIFIED_SINCE=modified)
    assert again.status_code == 200 and "End." in again.content.decode()
    assert parse_http_date(again["Last-Modified"]) > parse_http_date(modified)
    assert PublishedVersion.objects.get(pk=version.pk).changed_at < version.changed_at


def test_an_article_with_verdicts_and_no_public_revision_on_record_keeps_the_one_readers_saw(
    newsroom,
):
    """With none on record, readers were shown the newest text: a new one must wait."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    factories.published_claim(article, editor, reviewer)
    type(article).objects.filter(pk=article.pk).update(public_revision=None)
    article.refresh_from_db()

    services.article_update_text(article=article, actor=editor, text=article.text + "\n\nNew.")

    article.refresh_from_db()
    assert article.public_revision.number == 1
    assert queries.article_text_waiting(article).newest.number == 2


def test_readers_shown_the_older_text_see_its_own_headings_while_a_newer_waits(client, newsroom):
    """The text readers kept took its structure from the newer text: a heading the newer
    text dropped was set as a plain paragraph on the reader page, which nobody had edited."""
    editor, reviewer = newsroom["editor"], newsroom["reviewer"]
    heading = "Who listened in"
    text = f"{heading}\n\n{LISTENERS}, the organisers said."
    article = services.article_create(
        organization=newsroom["organization"], title="Listeners", text=text, created_by=editor,
        structure=[{"kind": "heading", "start": 0, "end": len(heading), "level": 1}],
    )  # fmt: skip
    factories.published_claim(article, editor, reviewer)
    services.article_update_text(
        article=article, actor=editor, text=text.replace(f"{heading}\n\n", "")
    )
    article.refresh_from_db()
    assert article.structure == []  # the newer text has no heading left

    page = _reader_page(client, article)

    assert f'<h2 dir="auto">{heading}</h2>' in page
    assert ArticleRevision.objects.get(article=article, number=1).structure == [
        {"kind": "heading", "start": 0, "end": len(heading), "level": 1}
    ]


def test_publishing_a_verdict_asks_once_whether_a_text_waits(newsroom):
    """The publication read the article's revisions for the text's hold twice: once for
    itself, once again in the hold of a change of the article's details."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, MEDIAN)
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/record")
    rating = Rating.objects.get(scale__organization=article.organization, label="Mostly true")
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
    )
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)

    with CaptureQueriesContext(connection) as queries_made:
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)

    # queries.article_text_waiting: the revisions from the one readers see on.
    asked = [
        q["sql"] for q in queries_made if '"annotations_articlerevision"."number" >=' in q["sql"]
    ]
    assert len(asked) == 1, asked
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PUBLISHED


@pytest.fixture
def headed(newsroom):
    """A verdict under a heading; then the editor drops the heading, and that text waits."""
    editor, reviewer = newsroom["editor"], newsroom["reviewer"]
    heading = "Who listened in"
    text = f"{heading}\n\n{LISTENERS}, the organisers said."
    structure = [{"kind": "heading", "start": 0, "end": len(heading), "level": 1}]
    article = services.article_create(
        organization=newsroom["organization"], title="Listeners", text=text, created_by=editor,
        structure=structure,
    )  # fmt: skip
    factories.published_claim(article, editor, reviewer)
    services.article_update_text(
        article=article, actor=editor, text=text.replace(f"{heading}\n\n", "")
    )
    article.refresh_from_db()
    assert queries.article_text_waiting(article).newest.number == 2
    return {**newsroom, "article": article, "text": text, "structure": structure}


def test_an_edit_undone_by_typing_gets_back_the_headings_readers_see(client, headed):
    """Typed back word for word, the text took the waiting text's structure, which had lost
    the heading: readers were shown the heading as a plain paragraph, unreviewed."""
    article = headed["article"]

    services.article_update_text(article=article, actor=headed["editor"], text=headed["text"])

    article.refresh_from_db()
    assert queries.article_text_waiting(article) is None
    assert article.structure == headed["structure"]
    assert '<h2 dir="auto">Who listened in</h2>' in _reader_page(client, article)


def test_the_same_words_set_out_otherwise_wait_and_the_notice_says_so(client, headed):
    """A re-import with the words readers see but without their heading went to readers at
    once, as if nothing had changed."""
    article = headed["article"]

    services.article_update_text(
        article=article, actor=headed["editor"], text=headed["text"], structure=[]
    )

    article.refresh_from_db()
    assert queries.article_text_waiting(article).newest.number == 3
    assert '<h2 dir="auto">Who listened in</h2>' in _reader_page(client, article)
    client.force_login(headed["reviewer"])
    page = client.get(reverse("article-workspace", args=[article.pk])).content.decode()
    assert "only how paragraphs are set out" in page


def test_a_reader_page_dates_its_own_articles_text_not_the_newest_articles(client, newsroom):
    """The reader page read the public revision of the newest article in the database: an
    article never edited said its text was edited after its verdicts (trial G12)."""
    editor, reviewer = newsroom["editor"], newsroom["reviewer"]
    first = newsroom["article"]
    factories.published_claim(first, editor, reviewer)
    later = factories.article(newsroom["organization"], editor, title="Later")
    factories.published_claim(later, editor, reviewer)
    services.article_update_text(article=later, actor=editor, text=later.text + "\n\nMore.")
    factories.text_shown_to_readers(later)

    assert "text was edited" not in _reader_page(client, first)
    assert "text was edited" in _reader_page(client, later)


def _many_changes(newsroom, changes=12):
    """A published verdict, then a text with a word changed in each of `changes` paragraphs
    and, in the tenth, words put before the rated sentence."""
    editor, reviewer = newsroom["editor"], newsroom["reviewer"]
    # Paragraphs long enough that each change is a hunk of its own.
    filler = " It was held on Sunday, in the rain, and went on well into the night." * 3
    paragraphs = [f"Paragraph {n} says the rally was big.{filler}" for n in range(changes)]
    paragraphs[9] = f"{LISTENERS}, the organisers said."
    text = "\n\n".join(paragraphs)
    article = services.article_create(
        organization=newsroom["organization"], title="Rally", text=text, created_by=editor
    )
    factories.published_claim(article, editor, reviewer)
    edited = [p.replace("big", "huge") for p in paragraphs]
    edited[9] = f"It is absolutely false that {paragraphs[9]}"
    services.article_update_text(article=article, actor=editor, text="\n\n".join(edited))
    return article


def test_the_notice_shows_the_change_beside_a_verdict_first_and_links_to_every_change(
    client, newsroom
):
    """Trial G12: the notice showed the first 8 changes and "…and 3 more", which nobody
    could read anywhere; the one framing a verdict was the tenth."""
    article = _many_changes(newsroom)
    client.force_login(newsroom["reviewer"])

    page = client.get(reverse("article-workspace", args=[article.pk])).content.decode()

    notice = page[page.index('id="text-awaiting"') : page.index('class="text-publish"')]
    assert "12 changes, 1 beside a published verdict (first)" in notice
    first = notice.index('class="diff text-change')
    assert notice.index("It is absolutely false that") < notice.index("huge", first)
    assert notice.count('class="diff text-change') == 8
    assert reverse("article-text-changes", args=[article.pk]) in notice
    assert "[added: </span>It is absolutely false that" in notice  # read out, not just coloured


def test_every_change_of_a_waiting_text_is_listed_on_its_own_page(client, newsroom):
    article = _many_changes(newsroom, changes=60)
    url = reverse("article-text-changes", args=[article.pk])
    client.force_login(newsroom["reviewer"])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    near = client.get(url, {"near": "1"}).content.decode()

    assert "60 changes, 1 beside a published verdict" in first
    assert first.count("<ins>") + second.count("<ins>") == 60
    assert "Page 1 of 2" in first and "Show readers revision 2" in first
    assert "It is absolutely false" in near and near.count('class="diff text-change') == 1
    # Nobody outside the newsroom reads it.
    other = factories.OrganizationFactory(name="Other Desk")
    client.force_login(factories.member(other, username="outsider"))
    assert client.get(url).status_code == 404


def test_the_changes_page_of_a_text_readers_see_says_nothing_waits(client, newsroom):
    client.force_login(newsroom["reviewer"])
    url = reverse("article-text-changes", args=[newsroom["article"].pk])
    assert "No text waits for a second look" in client.get(url).content.decode()


def test_the_preview_of_a_text_edit_says_it_will_wait_for_a_second_look(client, newsroom):
    """G12: the preview said a published claim whose words go 'is hidden from readers',
    and nothing said the save would wait while readers keep what they see."""
    article, editor = newsroom["article"], newsroom["editor"]
    factories.published_claim(article, editor, newsroom["reviewer"])
    client.force_login(editor)
    edited = article.text.replace(LISTENERS, "Over 150,000 people listened in at once")

    page = client.post(
        reverse("article-edit-text", args=[article.pk]), {"text": edited, "preview": "1"}
    ).content.decode()
    api = client.post(
        reverse("v1:api-article-text-preview", args=[article.pk]), {"text": edited},
        content_type="application/json",
    ).json()  # fmt: skip

    assert "Readers keep the text they see now." in page
    assert "hidden from readers once the new text is shown to them" in page
    assert api["waits"] is True
    unrated = factories.article(newsroom["organization"], editor, title="Unrated")
    at_once = client.post(
        reverse("v1:api-article-text-preview", args=[unrated.pk]), {"text": unrated.text + " x"},
        content_type="application/json",
    ).json()  # fmt: skip
    assert at_once["waits"] is False  # no verdict readers see stands on it


def test_the_preview_shows_words_put_before_a_rated_sentence(client, newsroom):
    """The preview said only "same words, new place" of a verdict the new text framed with
    "It is false that"; only the notice after saving said it stood beside one (trial G16)."""
    article, editor = newsroom["article"], newsroom["editor"]
    factories.published_claim(article, editor, newsroom["reviewer"])
    client.force_login(editor)
    framed = article.text.replace(LISTENERS, FRAMED)

    page = client.post(
        reverse("article-edit-text", args=[article.pk]), {"text": framed, "preview": "1"}
    ).content.decode()
    api = client.post(
        reverse("v1:api-article-text-preview", args=[article.pk]), {"text": framed},
        content_type="application/json",
    ).json()  # fmt: skip

    assert "<h3>Changes around published verdicts</h3>" in page
    shown = page[page.index('aria-label="Changes beside a published verdict"') :]
    assert "added: </span>It is false that " in shown.partition("</section>")[0]
    assert api["changes_beside_verdicts"] == 1
    # Its own entry no longer says only that its words moved.
    moved = page[page.index('class="preview-list moved"') :].partition("</ul>")[0]
    assert "the words around its published verdict change" in moved
    assert [(claim["changed"], claim["framed"]) for claim in api["moved"]] == [(False, True)]
    # Moved by a change two paragraphs before it, it is only moved.
    text = f"An opening paragraph.\n\nA middle one. It leads in.\n\n{LISTENERS}, a record."
    short = factories.article(newsroom["organization"], editor, text=text, title="Short")
    factories.published_claim(short, editor, newsroom["reviewer"])
    earlier = client.post(
        reverse("v1:api-article-text-preview", args=[short.pk]),
        {"text": "Added first. " + text}, content_type="application/json",
    ).json()  # fmt: skip
    assert [claim["framed"] for claim in earlier["moved"]] == [False]
    # A paragraph added at the end stands beside no verdict.
    appended = client.post(
        reverse("v1:api-article-text-preview", args=[article.pk]),
        {"text": article.text + "\n\nA note at the end."}, content_type="application/json",
    ).json()  # fmt: skip
    assert appended["changes_beside_verdicts"] == 0

    # While an earlier text waits, the change is still weighed against the one readers see.
    services.article_update_text(
        article=article, actor=editor, text=article.text + "\n\nA note at the end."
    )
    article.refresh_from_db()
    assert queries.article_text_waiting(article) is not None
    waiting = client.post(
        reverse("v1:api-article-text-preview", args=[article.pk]),
        {"text": article.text.replace(LISTENERS, FRAMED)}, content_type="application/json",
    ).json()  # fmt: skip
    assert waiting["waits"] is True and waiting["changes_beside_verdicts"] == 1


def test_a_details_change_while_a_text_waits_says_the_text_goes_first(client, desk):
    """G12: the details notice told the reviewer to publish a claim from its card, which the
    card then refused because the text waits; it now says the text is shown first."""
    services.article_update_details(
        article=desk["article"], actor=desk["editor"], byline="A new byline"
    )
    client.force_login(desk["reviewer"])
    page = client.get(desk["article"].get_absolute_url()).content.decode()
    details = page[page.index('id="details-awaiting"') :]
    assert details.index("First the new text, below, is shown to readers") < details.index("</div>")


def test_a_text_put_back_as_readers_saw_it_tells_them_of_no_change(client, desk):
    """Trial G13: the put-back text, a revision of its own, made the reader page and the
    permalinks say the text was edited after the verdicts, and moved Last-Modified."""
    from datetime import timedelta

    article = desk["article"]
    # The text was saved two hours ago, its verdicts published an hour ago.
    an_hour_ago, two_hours_ago = (timezone.now() - timedelta(hours=n) for n in (1, 2))
    PublishedVersion.objects.update(published_at=an_hour_ago, changed_at=an_hour_ago)
    ArticleRevision.objects.filter(article=article, number=1).update(created_at=two_hours_ago)
    Article.objects.filter(pk=article.pk).update(public_revision_shown_at=two_hours_ago)
    slug = article.organization.slug
    before = client.get(reverse("reader-article", args=[slug, article.slug]))

    services.article_update_text(
        article=article, actor=desk["editor"], text=article.revisions.get(number=1).text
    )

    after = client.get(reverse("reader-article", args=[slug, article.slug]))
    assert "text was edited" not in after.content.decode()
    assert after["Last-Modified"] == before["Last-Modified"]
    listeners = client.get(reverse("reader-claim", args=[desk["listeners"].pk]))
    assert "text was edited" not in listeners.content.decode()


def test_the_save_of_a_text_that_waits_says_so(client, newsroom):
    """Trial G13: the save said 'Text saved … 1 published claim went back to review.' and
    nothing of readers keeping the text they see; only the preview did."""
    article, editor = newsroom["article"], newsroom["editor"]
    factories.published_claim(article, editor, newsroom["reviewer"])
    article.refresh_from_db()
    client.force_login(editor)
    url = reverse("article-edit-text", args=[article.pk])
    text = article.text + "\n\nA new closing line."
    preview = client.post(url, {"text": text, "preview": "1"})
    previewed = preview.context["form"]["previewed"].value()

    saved = client.post(url, {"text": text, "save": "1", "previewed": previewed}, follow=True)

    assert "Readers keep the text they see, and its verdicts, until another member" in (
        saved.content.decode()
    )
    api = client.put(
        f"/api/v1/newsroom/articles/{article.pk}/text/", {"text": text + " More."},
        content_type="application/json",
    ).json()  # fmt: skip
    assert api["waits"] is True


def test_the_apis_answer_to_a_text_shown_after_a_newer_save_is_titled_for_any_change(client, desk):
    """Trial G13: the 409 for a text saved since it was looked at was titled 'Someone else
    changed the same field since you opened it.'"""
    services.article_update_text(
        article=desk["article"], actor=desk["editor"], text=desk["article"].text + "\n\nLater."
    )
    client.force_login(desk["reviewer"])
    url = f"/api/v1/newsroom/articles/{desk['article'].pk}/show-text/"
    answer = client.post(url, {"revision": 2}, content_type="application/json")
    body = answer.json()
    assert answer.status_code == 409 and body["type"].endswith("/problems/edit-conflict/")
    assert body["title"] == "Someone else changed this since you read it."
    assert body["detail"] == "ed saved revision 3 of this text since you looked at revision 2."


def test_a_claim_a_waiting_text_sent_to_review_is_published_again_when_the_text_is_put_back(
    client, desk
):
    """Trials G12 and G13: the waiting text changed a rated figure, which sent its claim to
    review; the text typed back word for word left it "In review" for a reviewer's click,
    though its verdict never left readers' page."""
    article, editor = desk["article"], desk["editor"]
    median = Claim.objects.get(pk=desk["median"].pk)
    assert median.status == Claim.Status.IN_REVIEW  # "22.8" became "32.8", unseen by readers

    services.article_update_text(
        article=article, actor=editor, text=article.revisions.get(number=1).text
    )

    for claim in (desk["median"], desk["listeners"]):
        claim = Claim.objects.get(pk=claim.pk)
        assert claim.status == Claim.Status.PUBLISHED, claim
        assert queries.published_claims().filter(claim=claim).exists()
    assert PublishedVersion.objects.filter(claim=median).count() == 1  # nothing republished


def test_a_claim_sent_to_review_by_a_person_stays_there_when_the_text_is_put_back(desk):
    article, editor, reviewer = desk["article"], desk["editor"], desk["reviewer"]
    listeners = Claim.objects.get(pk=desk["listeners"].pk)
    assert listeners.status == Claim.Status.PUBLISHED
    services.claim_transition(claim=listeners, actor=reviewer, to_status=Claim.Status.IN_REVIEW)

    services.article_update_text(
        article=article, actor=editor, text=article.revisions.get(number=1).text
    )

    assert Claim.objects.get(pk=listeners.pk).status == Claim.Status.IN_REVIEW


def test_an_orphan_a_waiting_text_made_is_published_again_when_the_text_is_put_back(newsroom):
    """G12's case: the only rated figure changed, so its claim was orphaned, not moved."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    claim = factories.published_claim(article, editor, reviewer)
    article.refresh_from_db()
    original = article.text
    services.article_update_text(
        article=article, actor=editor, text=original.replace("160,000", "170,000")
    )
    assert Claim.objects.get(pk=claim.pk).anchor_state == Claim.AnchorState.ORPHANED

    services.article_update_text(article=article, actor=editor, text=original)

    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.anchor_state, claim.status) == (
        Claim.AnchorState.ANCHORED,
        Claim.Status.PUBLISHED,
    )


def test_the_same_words_set_out_anew_are_a_revision_not_dropped(client, newsroom):
    """A re-import that found headings the first import missed, with the words unchanged,
    saved nothing: the same text made no revision, and the new setting-out was dropped."""
    article, editor = newsroom["article"], newsroom["editor"]
    first = article.text.split("\n\n", 1)[0]
    headed = [{"kind": "heading", "start": 0, "end": len(first), "level": 1}]
    assert article.structure != headed

    services.article_update_text(
        article=article, actor=editor, text=article.text, structure=headed,
        reason=ArticleRevision.REIMPORTED,
    )  # fmt: skip

    article.refresh_from_db()
    assert article.structure == headed
    assert article.revisions.count() == 2  # no verdict stands on it: readers see it at once
    assert article.public_revision.number == 2
    again = services.article_update_text(
        article=article, actor=editor, text=article.text, structure=headed
    )
    assert again.unchanged is not None and article.revisions.count() == 2  # nothing new


def _in_review(newsroom, quote=LISTENERS):
    article, editor = newsroom["article"], newsroom["editor"]
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, quote)
    )
    services.source_add(claim=claim, actor=editor, url="https://example.org/record")
    rating = Rating.objects.get(scale__organization=article.organization, label="Mostly true")
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
    )
    return services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)


def _second_person_line(client, claim, viewer):
    client.force_login(viewer)
    card = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    [line] = [item for item in card["checklist"] if item["key"] == "second_person"]
    return line


def test_a_reviewer_who_frames_a_claims_words_may_not_publish_it_alone(client, newsroom):
    """Before any verdict stands on the article its new text reaches readers at once: a
    reviewer who put "It is false that" before an editor's rated sentence then published
    it, and nobody else saw either (review R18)."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    claim = _in_review(newsroom)
    report = services.article_update_text(
        article=article, actor=reviewer, text=article.text.replace(LISTENERS, FRAMED)
    )
    assert not report.waits and report.moved + report.unchanged == 1
    claim.refresh_from_db()

    line = _second_person_line(client, claim, reviewer)
    assert not line["met"]
    assert line["detail"] == services.claims.CHANGED_TEXT_AROUND_IT
    # The Publish button's description says the same, not that the claim's change is theirs.
    card = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()
    assert card["publish_blocked_reason"].startswith(
        "The latest change to the article's words around it is yours"
    )
    with pytest.raises(PermissionDenied, match="the article's words around it is yours"):
        services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    assert not queries.published_claims().filter(claim=claim).exists()

    # Another member's later change of the claim is the second look at the text too.
    services.claim_update(
        claim=claim, actor=editor, expected_version=None, conclusion="Checked again."
    )
    claim.refresh_from_db()
    assert _second_person_line(client, claim, reviewer)["met"]
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    assert queries.published_claims().filter(claim=claim).exists()


def test_a_reviewers_change_elsewhere_in_the_text_does_not_stop_them_publishing(newsroom):
    article, reviewer = newsroom["article"], newsroom["reviewer"]
    claim = _in_review(newsroom)
    services.article_update_text(
        article=article, actor=reviewer, text=article.text + "\n\nA correction at the end."
    )
    claim.refresh_from_db()
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    assert queries.published_claims().filter(claim=claim).exists()


def test_another_members_framing_in_between_is_not_taken_for_the_reviewers(client, newsroom):
    """The reviewer noted something at the end, then the editor framed the claim: the
    reviewer was told the framing was theirs, and the one who should look was stopped
    (review R19)."""
    article, editor, reviewer = newsroom["article"], newsroom["editor"], newsroom["reviewer"]
    claim = _in_review(newsroom)
    services.article_update_text(
        article=article, actor=reviewer, text=article.text + "\n\nA note at the end."
    )
    article.refresh_from_db()
    services.article_update_text(
        article=article, actor=editor, text=article.text.replace(LISTENERS, FRAMED)
    )
    claim.refresh_from_db()
    assert _second_person_line(client, claim, reviewer)["met"]
    services.claim_transition(claim=claim, actor=reviewer, to_status=Claim.Status.PUBLISHED)
    assert queries.published_claims().filter(claim=claim).exists()


def test_the_cards_of_an_article_read_its_texts_once_whatever_their_number(client, newsroom):
    """Each card read the article's text twice, and diffed it, when its viewer had saved a
    revision since: 200 MB a list of 100 cards on a 1 MB article (review R19)."""
    article, reviewer = newsroom["article"], newsroom["reviewer"]
    for quote in (LISTENERS, MEDIAN, "Former Pakistani Prime Minister"):
        _in_review(newsroom, quote)
    services.article_update_text(
        article=article, actor=reviewer, text=article.text.replace(LISTENERS, FRAMED)
    )
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as captured:
        cards = client.get(f"/api/v1/newsroom/articles/{article.pk}/claims/").json()
    assert len(cards) == 3
    blocked = [
        card["claim_reviewed"]
        for card in cards
        for row in card["checklist"]
        if row["key"] == "second_person" and not row["met"]
    ]
    # The two in the framed paragraph; the median's is another.
    assert sorted(blocked) == sorted([LISTENERS, "Former Pakistani Prime Minister"])
    texts_read = [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "annotations_articlerevision"' in query["sql"]
        and '"annotations_articlerevision"."text"' in query["sql"]
    ]
    assert len(texts_read) == 2, texts_read  # revisions 1 and 2, once each


def test_an_editors_text_is_shown_by_a_reviewer_not_by_a_second_editor(client, desk):
    """Two editors put "It is false that" before a verdict rated True in front of readers
    with no reviewer's look, though changing the verdict itself needs one (trial G19)."""
    second_editor = factories.member(desk["organization"], username="second-editor")
    client.force_login(second_editor)
    page = client.get(desk["article"].get_absolute_url()).content.decode()
    assert "Show readers" not in page
    assert "a reviewer or an admin shows it to readers" in page
    with pytest.raises(PermissionDenied, match="a reviewer or an admin shows it"):
        _show(desk, second_editor, revision=2)
    refused = client.post(
        f"/api/v1/newsroom/articles/{desk['article'].pk}/show-text/",
        {"revision": 2},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert "It is false that" not in _reader_page(client, desk["article"])
    # A reviewer shows it.
    _show(desk, desk["reviewer"], revision=2)
    assert "It is false that" in _reader_page(client, desk["article"])
