"""The Internet Archive is asked for a capture of each fetched source, when that is switched on."""

# The loopback servers answer as the Wayback Machine's documented APIs do: the availability
# API (GET /wayback/available?url=&timestamp=) and Save Page Now 2 (POST /save with
# "Authorization: LOW key:secret", then GET /save/status/<job_id>).

import json
import threading
from datetime import datetime
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from annotations import jobs, services
from annotations.evidence import archive_tasks, wayback
from annotations.models import Job
from tests import factories
from tests.conftest import wait_for
from tests.documents import make_html_page

assert archive_tasks.snapshot_source  # declares the snapshot jobs in this process
LISTENERS = "Over 160,000 people listened in at once"
CAPTURE = "http://web.archive.org/web/20220423101010/https://news.example/record"


@pytest.fixture
def archive(settings, tmp_path):
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    settings.FACTCHECK_FETCH_ALLOW = ["127.0.0.1/32"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FACTCHECK_WAYBACK_ENABLED = True
    settings.FACTCHECK_WAYBACK_AVAILABILITY_URL = server.url_for("/wayback/available")
    settings.FACTCHECK_WAYBACK_SAVE_URL = server.url_for("/save")
    settings.FACTCHECK_WAYBACK_ACCESS_KEY = ""
    settings.FACTCHECK_WAYBACK_SECRET_KEY = ""
    settings.FACTCHECK_WAYBACK_POLL_INTERVAL = 0.01
    settings.FACTCHECK_WAYBACK_POLL_TIMEOUT = 2
    yield server
    server.clear()
    server.stop()


def _available(url: str, closest: dict | None) -> dict:
    return {"url": url, "archived_snapshots": {"closest": closest} if closest else {}}


def _json(data) -> Response:
    return Response(json.dumps(data), content_type="application/json")


def test_the_closest_existing_capture_is_found_with_the_availability_api(archive):
    archive.expect_request(
        "/wayback/available",
        query_string={"url": "https://news.example/record", "timestamp": "20220423000000"},
    ).respond_with_json(
        _available(
            "https://news.example/record",
            {"status": "200", "available": True, "url": CAPTURE, "timestamp": "20220423101010"},
        )
    )
    found = wayback.closest("https://news.example/record", when=datetime(2022, 4, 23))
    assert found == CAPTURE.replace("http://", "https://")


def test_no_capture_or_an_error_capture_gives_no_link(archive):
    archive.expect_request(
        "/wayback/available", query_string={"url": "https://a.example/"}
    ).respond_with_json(_available("https://a.example/", None))
    archive.expect_request(
        "/wayback/available", query_string={"url": "https://b.example/"}
    ).respond_with_json(
        _available(
            "https://b.example/",
            {"status": "404", "available": True, "url": CAPTURE, "timestamp": "20220423101010"},
        )
    )
    assert wayback.closest("https://a.example/") == ""
    assert wayback.closest("https://b.example/") == ""


def test_save_page_now_sends_the_credentials_and_waits_for_the_capture(archive, settings):
    settings.FACTCHECK_WAYBACK_ACCESS_KEY = "access"
    settings.FACTCHECK_WAYBACK_SECRET_KEY = "secret"
    seen = {}

    def save(request):
        seen["authorization"] = request.headers.get("Authorization")
        seen["accept"] = request.headers.get("Accept")
        seen["form"] = parse_qs(request.get_data(as_text=True))
        return _json({"url": "https://news.example/record", "job_id": "spn2-abc123"})

    statuses = iter([{"status": "pending", "job_id": "spn2-abc123"}])

    def status(request):
        return _json(
            next(statuses, None)
            or {
                "status": "success",
                "job_id": "spn2-abc123",
                "original_url": "https://news.example/record",
                "timestamp": "20261201101010",
                "duration_sec": 6.2,
            }
        )

    archive.expect_request("/save", method="POST").respond_with_handler(save)
    archive.expect_request("/save/status/spn2-abc123").respond_with_handler(status)
    link = wayback.save("https://news.example/record")
    assert link == "https://web.archive.org/web/20261201101010/https://news.example/record"
    assert seen == {
        "authorization": "LOW access:secret",
        "accept": "application/json",
        "form": {"url": ["https://news.example/record"]},
    }


def test_save_page_now_errors_and_endless_pending_are_reported_in_words(archive, settings):
    settings.FACTCHECK_WAYBACK_ACCESS_KEY = "access"
    settings.FACTCHECK_WAYBACK_SECRET_KEY = "secret"
    archive.expect_request("/save", method="POST").respond_with_json(
        {"url": "https://news.example/record", "job_id": "spn2-err"}
    )
    archive.expect_request("/save/status/spn2-err").respond_with_json(
        {"status": "error", "status_ext": "error:too-many-daily-captures",
         "message": "This URL has been already captured 10 times today."}
    )  # fmt: skip
    with pytest.raises(wayback.WaybackError, match="already captured 10 times today"):
        wayback.save("https://news.example/record")

    archive.clear()
    archive.expect_request("/save", method="POST").respond_with_json({"job_id": "spn2-slow"})
    archive.expect_request("/save/status/spn2-slow").respond_with_json({"status": "pending"})
    with pytest.raises(wayback.WaybackError, match="did not finish in time"):
        wayback.save("https://news.example/record")


def test_a_save_page_now_poll_counts_against_the_archive_hosts_connection_limit(archive, settings):
    """With one connection per host, a lookup waits while a poll is at the archive."""
    settings.FACTCHECK_WAYBACK_ACCESS_KEY = "access"
    settings.FACTCHECK_WAYBACK_SECRET_KEY = "secret"
    settings.FACTCHECK_WAYBACK_POLL_TIMEOUT = 30
    settings.FACTCHECK_IO_PER_HOST = 1
    settings.FACTCHECK_IO_HOST_WAIT = 30  # the lookup waits its turn instead of giving up
    lock = threading.Lock()
    in_flight, most, paths = [0], [0], []
    poll_arrived, release_poll, looked_up = threading.Event(), threading.Event(), threading.Event()

    def counted(handler):
        def handle(request):
            with lock:
                in_flight[0] += 1
                most[0] = max(most[0], in_flight[0])
                paths.append(request.path)
            try:
                return handler(request)
            finally:
                with lock:
                    in_flight[0] -= 1

        return handle

    def status(request):
        if not poll_arrived.is_set():
            poll_arrived.set()
            release_poll.wait(timeout=30)  # the first poll stays at the archive until released
            return _json({"status": "pending", "job_id": "spn2-held"})
        return _json(
            {"status": "success", "job_id": "spn2-held", "timestamp": "20261201101010",
             "original_url": "https://news.example/record"}
        )  # fmt: skip

    def available(request):
        looked_up.set()
        return _json(
            _available(
                "https://news.example/other",
                {"status": "200", "available": True, "url": CAPTURE, "timestamp": "20220423"},
            )
        )

    archive.expect_request("/save", method="POST").respond_with_handler(
        counted(lambda request: _json({"job_id": "spn2-held"}))
    )
    archive.expect_request("/save/status/spn2-held").respond_with_handler(counted(status))
    archive.expect_request("/wayback/available").respond_with_handler(counted(available))
    results = {}

    def run(name, call):
        try:
            results[name] = call()
        except Exception as error:  # reported by the assertions below
            results[name] = error

    saving = threading.Thread(
        target=run, args=("save", lambda: wayback.save("https://news.example/record"))
    )
    looking = threading.Thread(
        target=run, args=("closest", lambda: wayback.closest("https://news.example/other"))
    )
    saving.start()
    try:
        assert poll_arrived.wait(timeout=30)
        looking.start()
        # The lookup is either queued for the host's one slot (Condition's waiters, a CPython
        # detail) or, were the poll not counted, already at the archive.
        wait_for(lambda: jobs._host_lock._waiters or looked_up.is_set(), timeout=30)
        assert not looked_up.is_set(), "the lookup reached the archive during a poll"
    finally:
        release_poll.set()
        saving.join(timeout=30)
        if looking.ident is not None:
            looking.join(timeout=30)
    assert results == {
        "save": "https://web.archive.org/web/20261201101010/https://news.example/record",
        "closest": CAPTURE.replace("http://", "https://"),
    }
    assert most[0] == 1
    assert paths.index("/wayback/available") > paths.index("/save/status/spn2-held")


def test_without_credentials_save_page_now_is_not_asked(archive):
    with pytest.raises(wayback.WaybackError, match="needs FACTCHECK_WAYBACK_ACCESS_KEY"):
        wayback.save("https://news.example/record")
    assert archive.log == []


def test_a_snapshot_records_the_archive_link_when_the_archive_is_on(archive, organization, editor):
    page = make_html_page([LISTENERS + ", the platform said."] * 3, title="Record", byline="S")
    archive.expect_request("/record").respond_with_data(page, content_type="text/html")
    source_url = archive.url_for("/record")
    archive.expect_request("/wayback/available").respond_with_json(
        _available(
            source_url,
            {"status": "200", "available": True, "url": CAPTURE, "timestamp": "20220423101010"},
        )
    )
    article = factories.article(organization, editor)
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    source = services.source_add(claim=claim, actor=editor, url=source_url)
    job = Job.objects.get(kind="snapshot", subject_id=source.pk)
    assert jobs.run("snapshot", job.pk) == Job.State.DONE
    source.refresh_from_db()
    assert source.archive_url == CAPTURE.replace("http://", "https://")
    asked = [r for r in archive.log if r[0].path == "/wayback/available"]
    assert parse_qs(asked[0][0].query_string.decode())["url"] == [source_url]


def test_an_archive_that_fails_costs_the_snapshot_nothing(archive, organization, editor):
    page = make_html_page([LISTENERS + ", the platform said."] * 3, title="Record", byline="S")
    archive.expect_request("/record").respond_with_data(page, content_type="text/html")
    archive.expect_request("/wayback/available").respond_with_data(
        "<html>oops", status=200, content_type="text/html"
    )
    article = factories.article(organization, editor)
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, LISTENERS),
    )
    source = services.source_add(claim=claim, actor=editor, url=archive.url_for("/record"))
    assert jobs.run("snapshot", Job.objects.get(kind="snapshot").pk) == Job.State.DONE
    source.refresh_from_db()
    assert (source.fetch_state, source.archive_url) == ("fetched", "")


def test_the_archive_is_off_by_default_and_then_nothing_is_asked():
    import factcheck.settings as defaults

    assert defaults.FACTCHECK_WAYBACK_ENABLED is False
    # Nothing listens there: asking would raise a fetch error instead of answering "".
    assert wayback.archive_source_url("http://127.0.0.1:9/record") == ""
