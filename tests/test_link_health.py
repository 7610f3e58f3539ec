"""Sources of published claims are checked again: gone, changed or still online."""

from datetime import timedelta

import pytest
from django.utils import timezone

from annotations import jobs, services
from annotations.evidence import archive_tasks, link_health
from annotations.models import Job, Source
from tests import factories
from tests.documents import make_html_page, slow_pdf

assert archive_tasks.check_source_link  # declares the link-check jobs in this process
LISTENERS = "Over 160,000 people listened in at once"
STORY = [
    "Imran Khan's Twitter Space drew a record audience on Saturday night, the platform said.",
    "Over 160,000 people listened in at once, according to figures shared by the platform.",
    "The previous record for a Space in Pakistan was about 41,000 listeners, set last year.",
]
REWRITE = [
    "This page has moved. Our archive of older stories is being rebuilt.",
    "Subscribe to our newsletter for the latest headlines from the region.",
]


@pytest.fixture
def pages(settings, tmp_path, loopback_pages):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32", "gone-site.invalid"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # nothing listens: sends fail fast
    return loopback_pages


@pytest.fixture
def published(article, editor, reviewer):
    return factories.published_claim(article, editor, reviewer)


def _page(paragraphs) -> bytes:
    return make_html_page(paragraphs, title="Record", byline="Staff")


def _archived_source(claim, editor, url: str) -> Source:
    """A source cited and snapshotted (its text kept), as the snapshot jobs leave it."""
    source = services.source_add(claim=claim, actor=editor, url=url)
    assert jobs.run("snapshot", Job.objects.get(kind="snapshot", subject_id=source.pk).pk) == "done"
    snapshot = source.snapshots.get()
    jobs.run(
        "snapshot_extract", Job.objects.get(kind="snapshot_extract", subject_id=snapshot.pk).pk
    )
    source.refresh_from_db()
    assert LISTENERS in source.extracted_text
    return source


def _check(source: Source) -> Source:
    job = jobs.enqueue(kind="link_check", subject_id=source.pk)
    assert jobs.run("link_check", job.pk) == Job.State.DONE
    source.refresh_from_db()
    return source


def test_a_page_that_answers_404_or_410_is_gone(pages, published, editor):
    pages.expect_request("/story").respond_with_data(_page(STORY), content_type="text/html")
    source = _archived_source(published, editor, pages.url_for("/story"))
    for status in (404, 410):
        pages.clear()
        pages.expect_request("/story").respond_with_data("gone", status=status)
        source = _check(source)
        assert source.link_state == Source.LinkState.GONE
        assert source.link_note.startswith(f"gone: the server answered {status}")
        assert source.link_checked_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_check_of_an_address_corrected_meanwhile_is_not_recorded_on_the_new_one(
    pages, published, editor
):
    """The old address's "gone" landed on the corrected one, marked checked for a week."""
    pages.expect_request("/story").respond_with_data(_page(STORY), content_type="text/html")
    source = _archived_source(published, editor, pages.url_for("/story"))
    corrected = pages.url_for("/story-corrected")

    def gone_while_an_editor_corrects_it(request):
        from django.db import connection
        from werkzeug import Response

        try:
            services.source_update(
                source=Source.objects.get(pk=source.pk), actor=editor, url=corrected
            )
        finally:
            connection.close()  # this server thread's own, which nothing else would close
        return Response("gone", status=404)

    pages.clear()
    pages.expect_request("/story").respond_with_handler(gone_while_an_editor_corrects_it)
    source = _check(source)
    assert source.url == corrected
    assert (source.link_state, source.link_checked_at) == (Source.LinkState.UNCHECKED, None)


def test_a_host_that_stops_resolving_is_gone_only_after_several_checks(
    pages, published, editor, settings
):
    settings.FACTCHECK_LINK_GONE_AFTER = 3
    source = services.source_add(claim=published, actor=editor, url="http://gone-site.invalid/x")
    Source.objects.filter(pk=source.pk).update(link_state=Source.LinkState.OK)
    states = []
    for _ in range(3):
        source = _check(source)
        states.append((source.link_state, source.link_failures))
    assert states == [("ok", 1), ("ok", 2), ("gone", 3)]
    assert source.link_note == "gone: the host gone-site.invalid does not exist (3 checks in a row)"


def test_a_page_whose_main_text_was_rewritten_is_changed_and_a_light_edit_is_not(
    pages, published, editor
):
    pages.expect_request("/story").respond_with_data(_page(STORY), content_type="text/html")
    source = _archived_source(published, editor, pages.url_for("/story"))

    pages.clear()
    edited = [*STORY[:2], STORY[2].replace("about 41,000", "roughly 41,000")]
    pages.expect_request("/story").respond_with_data(_page(edited), content_type="text/html")
    source = _check(source)
    assert source.link_state == Source.LinkState.OK
    assert source.link_note.startswith("online (")

    pages.clear()
    pages.expect_request("/story").respond_with_data(_page(REWRITE), content_type="text/html")
    source = _check(source)
    assert source.link_state == Source.LinkState.CHANGED
    assert source.link_note.startswith("changed: the main text is ")
    assert source.snapshots.count() == 1  # what was cited stays as it was


def test_a_server_error_says_nothing_about_the_page_and_keeps_its_state(pages, published, editor):
    pages.expect_request("/story").respond_with_data(_page(STORY), content_type="text/html")
    source = _archived_source(published, editor, pages.url_for("/story"))
    source = _check(source)
    assert source.link_state == Source.LinkState.OK
    pages.clear()
    pages.expect_request("/story").respond_with_data("busy", status=503)
    source = _check(source)
    assert source.link_state == Source.LinkState.OK
    assert source.link_note == "not checked: the server answered 503 Service Unavailable"


def test_a_cited_pdf_too_slow_to_read_is_online_not_compared_and_the_check_ends(
    pages, published, editor, settings
):
    """Review R20: a 9 KB PDF kept a thread of the I/O worker, which has no time limit,
    reading for 85 s; and a page whose text could not be read was "0% like" its snapshot."""
    settings.FACTCHECK_LINK_CHECK_READ_SECONDS = 1
    pages.expect_request("/story").respond_with_data(_page(STORY), content_type="text/html")
    source = _archived_source(published, editor, pages.url_for("/story"))
    pages.clear()
    pages.expect_request("/story").respond_with_data(slow_pdf(), content_type="application/pdf")

    began = timezone.now()
    source = _check(source)

    assert timezone.now() - began < timedelta(seconds=30)  # it read all 20 pages in 85 s
    assert source.link_state == Source.LinkState.OK
    assert source.link_note == (
        "online; not compared with the snapshot: no text could be extracted: "
        "the PDF takes more than 1 s to read"
    )


def test_a_cited_page_emptied_since_is_changed_not_online(pages, published, editor):
    """Review R21: a page read and found to have no main text (a takedown, a login wall)
    was taken for one that could not be read, and called online."""
    pages.expect_request("/story").respond_with_data(_page(STORY), content_type="text/html")
    source = _archived_source(published, editor, pages.url_for("/story"))
    pages.clear()
    emptied = "<html><head><title>Record</title></head><body></body></html>"
    pages.expect_request("/story").respond_with_data(emptied, content_type="text/html")

    source = _check(source)

    assert source.link_state == Source.LinkState.CHANGED
    assert source.link_note == "changed: the main text is 0% like the snapshot's"


def test_the_periodic_task_queues_the_sources_of_published_claims_that_are_due(
    pages, published, article, editor
):
    draft = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "22.8"),
    )
    services.source_add(claim=draft, actor=editor, url="https://example.org/draft")
    fresh = services.source_add(claim=published, actor=editor, url="https://example.org/fresh")
    stale = services.source_add(claim=published, actor=editor, url="https://example.org/stale")
    now = timezone.now()
    Source.objects.filter(pk=fresh.pk).update(link_checked_at=now - timedelta(days=1))
    Source.objects.filter(pk=stale.pk).update(link_checked_at=now - timedelta(days=8))
    cited_at_publication = published.sources.get(url="https://example.org/record")

    assert archive_tasks.check_links() == 2
    queued = set(Job.objects.filter(kind="link_check").values_list("subject_id", flat=True))
    assert queued == {cited_at_publication.pk, stale.pk}
    assert archive_tasks.check_links() == 0  # already queued: not twice


def test_similarity_ignores_whitespace_and_sees_rewrites():
    assert link_health.similarity("a  b\n\nc", "a b c") == 100
    assert link_health.similarity(" ".join(STORY), " ".join(REWRITE)) < 60
