"""Cited sources are fetched through the safe fetcher, kept as WARC records and read."""

# The snapshot and extraction jobs run here through `jobs.run`, in this process, against
# pages served on loopback; tests/test_evidence_faults.py runs them in real workers.

import hashlib
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from pytest_httpserver import HTTPServer
from warcio.archiveiterator import ArchiveIterator

from annotations import jobs, services
from annotations.evidence import archive_tasks, snapshots
from annotations.models import ApiToken, Job, Membership, Snapshot, Source
from annotations.permissions import SYSTEM
from annotations.services import snapshots as snapshot_services
from tests import factories
from tests.conftest import wait_for
from tests.documents import make_html_page, make_pdf

assert archive_tasks.snapshot_source  # declares the snapshot jobs in this process
LISTENERS = "Over 160,000 people listened in at once"
PARAGRAPHS = [
    "Imran Khan's Twitter Space drew a record audience on Saturday night.",
    "Over 160,000 people listened in at once, according to figures shared by the platform.",
    "The previous record for a Space in Pakistan was about 41,000 listeners.",
]


@pytest.fixture
def newsroom_settings(settings, tmp_path):
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FACTCHECK_WAYBACK_ENABLED = False
    return settings


@pytest.fixture
def server(loopback_pages):
    return loopback_pages


@pytest.fixture
def claim(article, editor):
    return services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )


def _page() -> bytes:
    return make_html_page(PARAGRAPHS, title="A record Space", byline="Staff")


def _job(kind: str, subject_id: int) -> Job:
    return Job.objects.filter(kind=kind, subject_id=subject_id).latest("created_at")


def _stored(snapshot: Snapshot) -> bytes:
    with snapshot.warc.open("rb") as stored:
        return stored.read()


def _cite(claim, editor, url: str, **fields) -> Source:
    return services.source_add(claim=claim, actor=editor, url=url, **fields)


def _snapshot(source: Source) -> str:
    """Run the source's snapshot job and then its extraction, as the two workers would."""
    state = jobs.run("snapshot", _job("snapshot", source.pk).pk)
    snapshot = source.snapshots.first()
    if snapshot is not None:
        jobs.run("snapshot_extract", _job("snapshot_extract", snapshot.pk).pk)
    return state


def test_a_cited_source_is_fetched_archived_as_a_warc_record_and_read(
    newsroom_settings, server, claim, editor
):
    body = _page()
    server.expect_request("/record").respond_with_data(body, content_type="text/html")
    source = _cite(claim, editor, server.url_for("/record"))
    assert _job("snapshot", source.pk).state == Job.State.QUEUED

    assert _snapshot(source) == Job.State.DONE
    source.refresh_from_db()
    snapshot = Snapshot.objects.get(source=source)
    assert snapshot.sha256 == hashlib.sha256(body).hexdigest() == source.content_sha256
    assert (snapshot.http_status, snapshot.size) == (200, len(body))
    assert snapshot.final_url == server.url_for("/record")
    records = []
    for record in ArchiveIterator(io.BytesIO(_stored(snapshot))):
        records.append(record.rec_type)
        assert record.rec_headers.get_header("WARC-Target-URI") == server.url_for("/record")
        assert record.rec_headers.get_header("WARC-Block-Sha256") == snapshot.sha256
        assert record.http_headers.get_statuscode() == "200"
        assert record.http_headers.get_header("Content-Type") == "text/html"
        assert record.content_stream().read() == body
    assert records == ["response"]

    assert source.fetch_state == Source.FetchState.FETCHED
    assert source.fetch_error == ""
    assert source.title == snapshot.title == "A record Space"
    assert source.publisher == snapshot.publisher == "Voice of East"
    assert source.published_on == snapshot.published_on == date(2022, 4, 22)
    assert LISTENERS in source.extracted_text and LISTENERS in snapshot.text


def test_a_redirected_source_is_archived_under_its_final_address(
    newsroom_settings, server, claim, editor
):
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data(_page(), content_type="text/html")
    source = _cite(claim, editor, server.url_for("/old"))
    _snapshot(source)
    snapshot = Snapshot.objects.get(source=source)
    assert snapshot.requested_url == server.url_for("/old")
    assert snapshot.final_url == server.url_for("/new")
    record = next(iter(ArchiveIterator(io.BytesIO(_stored(snapshot)))))
    assert record.rec_headers.get_header("WARC-Target-URI") == server.url_for("/new")
    assert record.rec_headers.get_header("WARC-Refers-To-Target-URI") == server.url_for("/old")


def test_a_page_that_states_no_date_gets_none_and_a_future_date_is_dropped(
    newsroom_settings, server, claim, editor
):
    undated = _page().replace(
        b'<meta property="article:published_time" content="2022-04-22T09:30:00+00:00">', b""
    )
    assert b"published_time" not in undated
    future = (date.today() + timedelta(days=30)).isoformat().encode()
    dated_later = _page().replace(b"2022-04-22T09:30:00+00:00", future)
    server.expect_request("/undated").respond_with_data(undated, content_type="text/html")
    server.expect_request("/later").respond_with_data(dated_later, content_type="text/html")
    for path in ("/undated", "/later"):
        source = _cite(claim, editor, server.url_for(path))
        _snapshot(source)
        source.refresh_from_db()
        assert source.fetch_state == Source.FetchState.FETCHED
        assert LISTENERS in source.extracted_text
        assert source.published_on is None, path
        assert source.snapshots.get().published_on is None


def test_the_editors_title_and_publisher_are_kept_over_the_pages(
    newsroom_settings, server, claim, editor
):
    server.expect_request("/record").respond_with_data(_page(), content_type="text/html")
    source = _cite(claim, editor, server.url_for("/record"), title="Platform figures")
    _snapshot(source)
    source.refresh_from_db()
    assert source.title == "Platform figures"
    assert source.publisher == "Voice of East"  # left blank by the editor


def test_a_page_title_with_a_direction_override_fills_the_source_without_it(
    newsroom_settings, server, claim, editor
):
    # Readers would see the title reversed after it; nobody here typed it, so it is dropped.
    title = "Record \u202elive\u202c audience"
    page = make_html_page(PARAGRAPHS, title=title, byline="Staff")
    server.expect_request("/reversed").respond_with_data(page, content_type="text/html")
    server.expect_request("/reversed.pdf").respond_with_data(
        make_pdf(PARAGRAPHS, title=title), content_type="application/pdf"
    )
    for path in ("/reversed", "/reversed.pdf"):
        source = _cite(claim, editor, server.url_for(path))
        _snapshot(source)
        source.refresh_from_db()
        assert source.fetch_state == Source.FetchState.FETCHED, source.fetch_error
        assert "\u202e" not in source.title and "live" in source.title, path
        source.full_clean()


def test_a_typed_source_title_publisher_or_quote_with_a_direction_override_is_refused(
    claim, editor
):
    from django.core.exceptions import ValidationError

    for field in ("title", "publisher", "quote"):
        with pytest.raises(ValidationError) as refused:
            services.source_add(
                claim=claim, actor=editor, url="https://example.org/a", **{field: "a\u202eb"}
            )
        assert field in refused.value.message_dict
    assert not claim.sources.exists()


def test_a_redirect_to_a_refused_address_is_refused_and_never_contacted(
    newsroom_settings, server, claim, editor
):
    inside = HTTPServer(host="127.0.0.2", port=0)
    inside.start()
    try:
        inside.expect_request("/secret").respond_with_data("internal", content_type="text/html")
        server.expect_request("/jump").respond_with_data(
            "", status=302, headers={"Location": f"http://127.0.0.2:{inside.port}/secret"}
        )
        source = _cite(claim, editor, server.url_for("/jump"))
        assert _snapshot(source) == Job.State.FAILED
        assert inside.log == []
    finally:
        inside.stop()
    source.refresh_from_db()
    job = _job("snapshot", source.pk)
    assert job.attempts == 1
    assert source.fetch_state == Source.FetchState.REFUSED
    assert source.fetch_error == "refused: address 127.0.0.2 is loopback"
    assert job.last_error == source.fetch_error
    assert not source.snapshots.exists()


@pytest.mark.parametrize(("status", "phrase"), [(404, "Not Found"), (410, "Gone")])
def test_a_missing_page_fails_at_once_with_the_reason_and_its_status(
    newsroom_settings, server, claim, editor, status, phrase
):
    """The status was said only in English (http_status stayed null for programs)."""
    server.expect_request("/gone").respond_with_data("no", status=status)
    source = _cite(claim, editor, server.url_for("/gone"))
    assert _snapshot(source) == Job.State.FAILED
    source.refresh_from_db()
    assert (source.fetch_state, source.fetch_error, source.http_status) == (
        Source.FetchState.FAILED,
        f"the server answered {status} {phrase}",
        status,
    )
    assert _job("snapshot", source.pk).attempts == 1


def test_a_busy_server_is_retried_no_sooner_than_its_retry_after(
    newsroom_settings, server, claim, editor
):
    newsroom_settings.FACTCHECK_JOB_RETRY_DELAY = 1
    newsroom_settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"  # nothing listens
    server.expect_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    source = _cite(claim, editor, server.url_for("/busy"))
    before = timezone.now()
    assert _snapshot(source) == Job.State.QUEUED
    job = _job("snapshot", source.pk)
    assert (job.run_after - before).total_seconds() >= 120
    assert "429 Too Many Requests" in job.last_error
    source.refresh_from_db()
    assert source.fetch_state == Source.FetchState.PENDING
    assert source.fetch_error == "will try again: the server answered 429 Too Many Requests"


def test_retries_of_network_jobs_are_spread_around_the_doubling_backoff(
    newsroom_settings, claim, editor
):
    newsroom_settings.FACTCHECK_JOB_RETRY_DELAY = 100
    newsroom_settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    delays = set()
    for attempt in range(12):
        # Nothing listens on port 9 of loopback: the connection is refused, which may pass.
        source = _cite(claim, editor, f"http://127.0.0.1:9/{attempt}")
        before = timezone.now()
        assert _snapshot(source) == Job.State.QUEUED
        delay = (_job("snapshot", source.pk).run_after - before).total_seconds()
        assert 74 <= delay <= 126
        delays.add(round(delay))
    assert len(delays) > 1


def test_malformed_content_is_still_archived_and_the_reason_recorded_without_retrying(
    newsroom_settings, server, claim, editor
):
    garbage = b"\x00\x01\x02\xff\xfe binary \x00 noise" * 50
    server.expect_request("/broken").respond_with_data(garbage, content_type="text/html")
    source = _cite(claim, editor, server.url_for("/broken"))
    assert _snapshot(source) == Job.State.DONE
    source.refresh_from_db()
    assert source.snapshots.get().sha256 == hashlib.sha256(garbage).hexdigest()
    assert source.fetch_state == Source.FetchState.FETCHED
    assert source.fetch_error.startswith("no text could be extracted")
    assert source.extracted_text == ""
    assert _job("snapshot", source.pk).attempts == 1


def test_a_host_with_all_its_connections_in_use_defers_the_job_without_using_an_attempt(
    newsroom_settings, server, claim, editor
):
    newsroom_settings.FACTCHECK_IO_PER_HOST = 1
    newsroom_settings.FACTCHECK_IO_HOST_WAIT = 0.1
    newsroom_settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    server.expect_request("/record").respond_with_data(_page(), content_type="text/html")
    source = _cite(claim, editor, server.url_for("/record"))
    with jobs.host_slot(server.url_for("/other")):  # a slow fetch of the same host
        assert jobs.run("snapshot", _job("snapshot", source.pk).pk) == Job.State.QUEUED
    job = _job("snapshot", source.pk)
    assert (job.state, job.attempts) == (Job.State.QUEUED, 0)
    assert server.log == []
    assert _snapshot(source) == Job.State.DONE
    assert _job("snapshot", source.pk).attempts == 1


def test_running_a_snapshot_job_again_stores_no_second_snapshot(
    newsroom_settings, server, claim, editor
):
    """As when a worker dies after the snapshot committed but before its job was done."""
    server.expect_request("/record").respond_with_data(_page(), content_type="text/html")
    source = _cite(claim, editor, server.url_for("/record"))
    _snapshot(source)
    job = _job("snapshot", source.pk)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, started_at=timezone.now() - timedelta(hours=1)
    )
    assert jobs.run("snapshot", job.pk) == Job.State.DONE
    assert source.snapshots.count() == 1
    assert len(server.log) == 1


def test_fetching_again_keeps_the_first_snapshot_and_adds_a_newer_one(
    newsroom_settings, server, claim, editor, organization
):
    server.expect_request("/record").respond_with_data(_page(), content_type="text/html")
    source = _cite(claim, editor, server.url_for("/record"))
    _snapshot(source)
    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.EDITOR)
    with pytest.raises(PermissionDenied):
        snapshot_services.source_fetch_request(source=source, actor=outsider, again=True)
    snapshot_services.source_fetch_request(source=source, actor=editor, again=True)
    assert Source.objects.get(pk=source.pk).fetch_state == Source.FetchState.PENDING
    _snapshot(source)
    assert source.snapshots.count() == 2
    assert len(server.log) == 2


def test_the_source_json_shows_fetch_state_snapshot_and_link_health_to_members_only(
    newsroom_settings, server, claim, editor, client
):
    server.expect_request("/record").respond_with_data(_page(), content_type="text/html")
    source = _cite(claim, editor, server.url_for("/record"))
    client.force_login(editor)
    before = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()["sources"][0]
    assert (before["fetch_state"], before["snapshot"]) == ("pending", None)
    assert (before["link_state"], before["link_checked_at"]) == ("unchecked", None)

    _snapshot(source)
    after = client.get(f"/api/v1/newsroom/claims/{claim.pk}/").json()["sources"][0]
    snapshot = source.snapshots.get()
    assert after["fetch_state"] == "fetched"
    assert after["fetch_error"] == ""
    assert after["archive_url"] == ""
    assert after["snapshot"]["sha256"] == snapshot.sha256
    assert after["snapshot"]["http_status"] == 200
    assert after["snapshot"]["url"] == f"/snapshots/{snapshot.pk}.warc.gz"

    download = client.get(after["snapshot"]["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/warc"
    assert b"".join(download.streaming_content) == _stored(snapshot)

    outsider = factories.member(factories.OrganizationFactory(), Membership.Role.EDITOR)
    client.force_login(outsider)
    assert client.get(after["snapshot"]["url"]).status_code == 404
    client.logout()
    assert client.get(after["snapshot"]["url"]).status_code == 302  # to the sign-in page

    # A program with the token it read the address with: the file, not a sign-in page.
    _, key = services.token_create(actor=editor, name="sync", scope=ApiToken.Scope.READ)
    by_token = client.get(after["snapshot"]["url"], HTTP_AUTHORIZATION=f"Token {key}")
    assert by_token.status_code == 200
    assert b"".join(by_token.streaming_content) == _stored(snapshot)
    _, theirs = services.token_create(actor=outsider, name="x", scope=ApiToken.Scope.READ)
    assert (
        client.get(after["snapshot"]["url"], HTTP_AUTHORIZATION=f"Token {theirs}").status_code
        == 404
    )
    refused = client.get(after["snapshot"]["url"], HTTP_AUTHORIZATION="Token not-a-token")
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"


def test_extraction_reads_the_title_publisher_and_stated_date_only(newsroom_settings):
    page = _page()
    extraction = snapshots.extract(
        page, content_type="text/html", url="https://example.org/x", fetched_on=date.today()
    )
    assert (extraction.title, extraction.publisher) == ("A record Space", "Voice of East")
    assert extraction.published_on == date(2022, 4, 22)
    text_only = snapshots.extract(
        b"On 22 April 2022, over 160,000 people listened.",
        content_type="text/plain",
        fetched_on=date.today(),
    )
    assert text_only.published_on is None  # a date in the prose is not the page's date
    assert "160,000" in text_only.text


def test_a_source_added_in_the_workspace_shows_its_snapshot_once_a_worker_took_it(
    browser, live_server, newsroom, start_celery_worker, server, settings, tmp_path
):
    """Tried as an editor would: cite a page in the browser; a real worker archives it."""
    from tests.browser_support import ARTIFACTS, open_page, open_workspace

    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    settings.MEDIA_ROOT = tmp_path / "media"
    server.expect_request("/record").respond_with_data(_page(), content_type="text/html")
    start_celery_worker(
        {"FACTCHECK_FETCH_ALLOW": "127.0.0.1/32", "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    )
    article = newsroom["article"]
    claim = services.claim_create(
        article=article,
        creator=newsroom["editor"],
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    page = open_page(browser, live_server, "ed")
    open_workspace(page, live_server, article)
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    card = page.locator(".claim-card.active")
    card.get_by_label("Source URL").fill(server.url_for("/record"))
    card.get_by_role("button", name="Add source").click()
    page.locator(".claim-card.active .sources h3", has_text="Sources (1)").wait_for()

    source = claim.sources.get()
    wait_for(
        lambda: Source.objects.get(pk=source.pk).extracted_text, timeout=60, message="not archived"
    )
    page.reload()
    page.wait_for_selector("html[data-workspace-ready=true]")
    page.locator(f'mark[data-claim="{claim.pk}"]').click()
    snapshot = page.locator(".claim-card.active .sources a", has_text="Snapshot of")
    snapshot.wait_for()
    assert snapshot.get_attribute("href") == f"/snapshots/{source.snapshots.get().pk}.warc.gz"
    ARTIFACTS.mkdir(exist_ok=True)
    sources = page.locator(".claim-card.active .sources")
    sources.scroll_into_view_if_needed()
    sources.screenshot(path=str(ARTIFACTS / "source-snapshot.png"))
    assert page.errors == []


def test_a_page_fetched_for_an_address_the_source_no_longer_cites_is_not_kept(
    newsroom_settings, server, claim, editor
):
    server.expect_request("/old").respond_with_data(_page(), content_type="text/html")
    source = _cite(claim, editor, server.url_for("/old"))
    capture = snapshots.capture(source.url)  # the worker's fetch, under way...
    capture_link = "https://web.archive.org/web/20260301101500/" + source.url
    services.source_update(source=source, actor=editor, url=server.url_for("/new"))  # ...when

    kept = snapshot_services.snapshot_record(source=source, actor=SYSTEM, capture=capture)
    snapshot_services.source_archive_url_set(
        source=source, actor=SYSTEM, archive_url=capture_link, for_url=capture.requested_url
    )
    snapshot_services.snapshot_fail(
        source=source, actor=SYSTEM, reason="timed out", for_url=capture.requested_url
    )

    source.refresh_from_db()
    assert kept is None and not Snapshot.objects.filter(source=source).exists()
    assert (source.url, source.final_url, source.archive_url) == (server.url_for("/new"), "", "")
    assert source.fetch_error == ""


@pytest.mark.timeout(60)
def test_a_huge_page_is_read_within_a_jobs_time_and_scripts_do_not_crowd_out_its_text():
    """A 20 MB cited page ran past the extraction job's time limit at every attempt (reading
    grows faster than the page), holding a worker slot each time and never read."""
    paragraph = b"<p>The city runs 950 buses on a typical weekday, the authority said.</p>\n"
    huge = b"<html><head><title>Huge page</title></head><body><article>" + paragraph * 280_000
    assert len(huge) > 20_000_000
    read = snapshots.extract(huge, content_type="text/html", fetched_on=date.today())
    assert (read.error, read.title) == ("", "Huge page")
    assert "950 buses" in read.text
    # Inline scripts and styles go before the cap is counted: the article after them stays.
    scripted = (
        b"<html><head><title>App</title><script>" + b"var data = [1, 2, 3];" * 200_000
        + b"</script></head><body><article>" + paragraph * 3 + b"</article></body></html>"
    )  # fmt: skip
    read = snapshots.extract(scripted, content_type="text/html", fetched_on=date.today())
    assert "950 buses" in read.text


@pytest.mark.timeout(60)
def test_a_huge_page_of_style_tags_never_closed_is_read_in_one_pass():
    """Taking a page's scripts and styles out scanned to its end from every tag never
    closed: 320 KB of "<style>a" took 41 s, and a page past the cap would take hours."""
    paragraph = b"<p>The city runs 950 buses on a typical weekday, the authority said.</p>"
    page = b"<html><body><article>" + paragraph * 3 + b"</article>" + b"<style>a" * 300_000
    read = snapshots.extract(page, content_type="text/html", fetched_on=date.today())
    assert "950 buses" in read.text


@pytest.mark.timeout(60)
def test_a_huge_page_of_script_end_tags_never_finished_is_read_in_one_pass():
    """Review R24: the closing tag's pattern scanned to the page's end from every "</script"
    without its ">": 2.3 MB held a link check's thread 14 s, 20 MB would hold it for hours."""
    paragraph = b"<p>The city runs 950 buses on a typical weekday, the authority said.</p>"
    page = (
        b"<html><body><article>" + paragraph * 3 + b"</article><!--" + b"x" * 2_000_000
        + b"--><script>" + b"</script " * 200_000
    )  # fmt: skip
    read = snapshots.extract(page, content_type="text/html", fetched_on=date.today())
    assert "950 buses" in read.text


def test_an_archived_page_leaves_the_disk_with_its_source_or_claim(
    newsroom_settings, server, claim, editor, django_capture_on_commit_callbacks
):
    """Review R20: removing a source (a takedown, a request to erase personal data) deleted
    its snapshot's row and left the archived page on disk for good."""
    server.expect_request("/record").respond_with_data(_page(), content_type="text/html")
    removed = _cite(claim, editor, server.url_for("/record"))
    kept = _cite(claim, editor, server.url_for("/record?copy=2"))
    _snapshot(removed), _snapshot(kept)
    files = {source: Snapshot.objects.get(source=source).warc.path for source in (removed, kept)}
    claim.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        services.source_remove(source=removed, actor=editor, expected_version=claim.version)

    assert not Path(files[removed]).exists()
    assert Path(files[kept]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_delete(claim=claim, actor=editor)  # its sources go by cascade
    assert not Path(files[kept]).exists()
