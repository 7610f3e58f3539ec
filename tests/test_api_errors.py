"""Every error under /api/ is an RFC 9457 problem, from DRF's views and from Django itself."""

import io

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.views.decorators.http import require_POST

from annotations import services
from annotations.api import errors
from annotations.models import Claim, Membership, Rating
from tests import factories
from tests.locks import row_held_by_another_writer

QUOTE = "Over 160,000 people listened in at once"
PROBLEM_KEYS = {"type", "title", "status", "detail"}


# A URLconf for the Django-level errors that no project view produces on purpose: the
# project's own URLs plus a plain Django view under /api/, with the project's handlers.
@require_POST
def _plain_post_view(request):
    return HttpResponse(f"{len(request.POST)} fields")


def _crashing_view(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/v1/test-plain/", _plain_post_view),
    path("api/v1/test-crash/", _crashing_view),
    path("not-api/crash/", _crashing_view),
    path("", include("factcheck.urls")),
]
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error


def assert_problem(response, status: int, slug: str) -> dict:
    """The response is a problem of `status` with the type URI of `slug`; return its body."""
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["type"] == f"/api/v1/problems/{slug}/"
    assert body["title"] and body["detail"]
    return body


@pytest.fixture
def claim(article, editor):
    return services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )


def _claim_url(claim, suffix=""):
    return f"/api/v1/newsroom/claims/{claim.pk}/{suffix}"


def test_invalid_field_is_a_400_naming_the_field_in_errors(editor_client, claim):
    response = editor_client.patch(
        _claim_url(claim), {"claimant": 5, "version": 1}, content_type="application/json"
    )
    body = assert_problem(response, 400, "invalid-request")
    assert body["errors"] == {"claimant": ["Expected text."]}
    assert body["detail"] == "claimant: Expected text."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2022-13-45", "2022-13-45 is written as a date, but no such day exists."),
        ("2023-02-29", "2023-02-29 is written as a date, but no such day exists."),
        ("2022-2-30", "2022-2-30 is written as a date, but no such day exists."),
        ("12/03/2022", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
    ],
)
def test_a_date_that_does_not_exist_is_told_apart_from_one_in_another_form(
    editor_client, claim, value, message
):
    """A day that does not exist was said to have "the wrong format": it had the right one."""
    response = editor_client.patch(
        _claim_url(claim), {"claim_date": value, "version": 1}, content_type="application/json"
    )
    body = assert_problem(response, 400, "invalid-request")
    assert body["errors"] == {"claim_date": [message]}
    assert editor_client.patch(
        _claim_url(claim), {"claim_date": "2024-02-29", "version": 1},
        content_type="application/json",
    ).status_code == 200  # fmt: skip


def test_a_create_naming_a_field_it_does_not_take_is_refused_and_makes_nothing(
    editor_client, article, claim
):
    """A misspelt field was dropped in silence: "revison" made the claim on the current text
    instead of following the selection from the revision it was made on."""
    from annotations.models import Article, Source

    selectors = factories.quote_selectors(article.text, "listened in at once")
    articles, claims, sources = (
        Article.objects.count(),
        Claim.objects.count(),
        Source.objects.count(),
    )
    for url, payload in [
        ("/api/v1/newsroom/articles/", {"title": "T", "text": "Words.", "status": "ready"}),
        ("/api/v1/newsroom/articles/", {"url": "https://news.example/a", "evil": 1}),
        (f"/api/v1/newsroom/articles/{article.pk}/claims/", {"selectors": selectors, "revison": 1}),
        (_claim_url(claim, "sources/"), {"url": "https://example.org/r", "version": 1, "evil": 1}),
    ]:  # fmt: skip
        response = editor_client.post(url, payload, content_type="application/json")
        body = assert_problem(response, 400, "invalid-request")
        unknown = next(name for name in payload if name in ("status", "evil", "revison"))
        assert body["errors"] == {unknown: ["Not a field here."]}, url
    assert (Article.objects.count(), Claim.objects.count(), Source.objects.count()) == (
        articles, claims, sources,
    )  # fmt: skip


def test_error_inside_a_list_is_keyed_by_the_field_and_says_which_item(editor_client, claim):
    response = editor_client.patch(
        _claim_url(claim), {"tags": ["ok", 7], "version": 1}, content_type="application/json"
    )
    body = assert_problem(response, 400, "invalid-request")
    assert body["errors"] == {"tags": ["tags[1]: Expected text."]}


@pytest.mark.parametrize(
    ("field", "message"),
    [("rating", "Not a rating of this organization's scale."),
     ("assignee", "Not a member of this organization.")],
)  # fmt: skip
def test_an_id_of_no_row_reads_as_one_of_another_organization(editor_client, claim, field, message):
    other = factories.OrganizationFactory()
    elsewhere = {
        "rating": Rating.objects.filter(scale__organization=other).first().pk,
        "assignee": factories.member(other, Membership.Role.EDITOR).pk,
    }[field]
    answers = [
        assert_problem(
            editor_client.patch(
                _claim_url(claim), {field: pk, "version": 1}, content_type="application/json"
            ),
            400,
            "invalid-request",
        )["errors"]
        for pk in (elsewhere, 999_999)
    ]
    # Both say the same: the answer does not tell which ids exist in other newsrooms.
    assert answers == [{field: [message]}, {field: [message]}]
    claim.refresh_from_db()
    assert (claim.rating_id, claim.assignee_id, claim.version) == (None, None, 1)


def test_malformed_json_is_a_400_not_a_500(editor_client, claim):
    response = editor_client.generic(
        "PATCH", _claim_url(claim), b'{"claimant": ', content_type="application/json"
    )
    body = assert_problem(response, 400, "malformed-request")
    assert "JSON parse error" in body["detail"]


def test_selection_that_matches_nothing_is_a_400_on_selectors(editor_client, article):
    selectors = factories.quote_selectors(article.text, QUOTE)
    selectors[0]["exact"] = "Words that are not in the article"
    response = editor_client.post(
        f"/api/v1/newsroom/articles/{article.pk}/claims/",
        {"selectors": selectors},
        content_type="application/json",
    )
    body = assert_problem(response, 400, "invalid-request")
    assert list(body["errors"]) == ["selectors"]
    # Said as what it is: "quote deleted" sent the client looking for an edit, and with
    # positions, "does not match the text at 5788-5815" for a quote found nowhere.
    said = (
        "The quote 'Words that are not in the article' is not in the text (spaces and quote "
        "marks aside): quote the words as the current text has them."
    )
    assert body["errors"]["selectors"] == [said]
    quote_only = [{"type": "TextQuoteSelector", "exact": "Words that are not in the article"}]
    for selectors in (
        quote_only,
        [quote_only[0], {"type": "TextPositionSelector", "start": 5, "end": 20}],
    ):
        response = editor_client.post(
            f"/api/v1/newsroom/articles/{article.pk}/claims/",
            {"selectors": selectors, "revision": 1},
            content_type="application/json",
        )
        assert assert_problem(response, 400, "invalid-request")["errors"]["selectors"] == [said]


@pytest.mark.parametrize(
    ("part", "length", "limit"), [("exact", 20_001, "20,000"), ("prefix", 1_001, "1,000"),
                                  ("suffix", 1_001, "1,000")],
)  # fmt: skip
def test_a_quote_or_context_over_its_limit_is_a_400_naming_it(
    editor_client, article, claim, part, length, limit
):
    """Each was a 500: the error's own `key` placeholder clashed with DRF's `fail(key)`."""
    selectors = factories.quote_selectors(article.text, QUOTE)
    selectors[0][part] = "p" * length
    for url in (
        f"/api/v1/newsroom/articles/{article.pk}/claims/",
        _claim_url(claim, "reattach/"),
    ):
        response = editor_client.post(
            url, {"selectors": selectors}, content_type="application/json"
        )
        body = assert_problem(response, 400, "invalid-request")
        assert body["errors"]["selectors"] == [
            f"At most {limit} characters for '{part}'; this has {length:,}."
        ], url


def test_anonymous_caller_gets_401_with_a_www_authenticate_challenge(client, claim):
    response = client.get(_claim_url(claim))
    assert_problem(response, 401, "not-authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


def test_editor_publishing_gets_403(editor_client, claim, editor):
    claim = services.claim_transition(claim=claim, actor=editor, to_status="in_review")
    response = editor_client.post(
        _claim_url(claim, "transition/"),
        {"to": "published", "version": claim.version},
        content_type="application/json",
    )
    assert_problem(response, 403, "permission-denied")


def test_session_write_without_its_csrf_token_is_a_403_problem(editor, claim):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    response = browser.patch(
        _claim_url(claim), {"claimant": "X", "version": 1}, content_type="application/json"
    )
    body = assert_problem(response, 403, "csrf-failed")
    assert "CSRF" in body["detail"]
    claim.refresh_from_db()
    assert claim.claimant == ""


def test_claim_of_another_organization_is_a_404(client, claim):
    outsider = factories.member(factories.OrganizationFactory(), "editor")
    client.force_login(outsider)
    assert_problem(client.get(_claim_url(claim)), 404, "not-found")


def test_unknown_url_under_api_is_a_404_problem_not_an_html_page(editor_client):
    response = editor_client.get("/api/v1/no-such-thing/")
    body = assert_problem(response, 404, "not-found")
    assert "/api/v1/no-such-thing/" in body["detail"]
    assert body["detail"].endswith("the endpoints are listed at /api/v1/docs/.")
    assert b"<html" not in response.content.lower()


def test_unknown_url_under_api_says_where_the_endpoints_are_with_debug_on_too(
    editor_client, settings
):
    """`make run` runs with DEBUG on, where Django answers an unknown address with its own
    page: it came out as a bare "Not found."."""
    settings.DEBUG = True
    response = editor_client.get("/api/v1/no-such-thing/")
    body = assert_problem(response, 404, "not-found")
    assert body["detail"] == (
        "Nothing at /api/v1/no-such-thing/; the endpoints are listed at /api/v1/docs/."
    )
    # What the page said to caches comes through the rewording: a signed-in answer is kept
    # by none.
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_public_address_answers_another_site_that_can_read_it(client, settings, debug):
    """With DEBUG on (`make run`), the rewording dropped the CORS header: a reader's page on
    another site could not read why `/api/v1/claims/abc/` failed (trial G6)."""
    settings.DEBUG = debug
    response = client.get("/api/v1/claims/abc/", HTTP_ORIGIN="https://news.example")
    assert_problem(response, 404, "not-found")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("debug", [False, True])
def test_an_address_without_its_trailing_slash_is_a_308_to_it_for_every_method(
    editor_client, claim, settings, debug
):
    """Django's slash redirect is a 301, which clients follow with a GET, and with DEBUG on
    it answered a POST or PATCH with a 500."""
    settings.DEBUG = debug
    for method, address in [
        ("post", "/api/v1/newsroom/articles"),
        ("patch", f"/api/v1/newsroom/claims/{claim.pk}"),
        ("get", "/api/v1/claims"),
    ]:
        response = getattr(editor_client, method)(
            address + "?page_size=5", data={}, content_type="application/json"
        )
        assert response.status_code == 308, (method, address)
        assert response["Location"] == address + "/?page_size=5"
        assert response["Content-Type"] == "application/json"
        assert "ends with a slash" in response.json()["detail"]
    # An address that is whole without one is answered, not moved.
    assert editor_client.get("/api/v1/annotations/0").status_code == 404
    assert editor_client.get("/api/v1/no-such-thing").status_code == 404


def test_unknown_url_elsewhere_is_still_an_html_page(editor_client):
    response = editor_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_method_an_endpoint_lacks_is_a_405_naming_the_allowed_ones(editor_client, article):
    response = editor_client.delete(f"/api/v1/newsroom/articles/{article.pk}/ratings/")
    assert_problem(response, 405, "method-not-allowed")
    assert "GET" in response["Allow"]


@pytest.mark.urls(__name__)
def test_django_level_405_under_api_is_a_problem_too(editor_client):
    response = editor_client.get("/api/v1/test-plain/")
    body = assert_problem(response, 405, "method-not-allowed")
    assert response["Allow"] == "POST" and "POST" in body["detail"]


@pytest.mark.urls(__name__)
def test_django_level_body_over_the_limit_is_a_413_problem(editor_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = editor_client.post(
        "/api/v1/test-plain/", "a=" + "x" * 2000, content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 413, "request-too-large")


@pytest.mark.urls(__name__)
def test_django_level_csrf_failure_under_api_is_a_403_problem(editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    response = browser.post("/api/v1/test-plain/", {"a": "1"})
    body = assert_problem(response, 403, "csrf-failed")
    assert "CSRF" in body["detail"]


@pytest.mark.urls(__name__)
def test_crash_under_api_is_a_500_problem_without_a_trace(editor_client):
    editor_client.raise_request_exception = False
    response = editor_client.get("/api/v1/test-crash/")
    body = assert_problem(response, 500, "server-error")
    assert "a bug" not in response.content.decode() and "Traceback" not in body["detail"]


@pytest.mark.urls(__name__)
def test_crash_elsewhere_is_still_django_html_500_page(editor_client):
    editor_client.raise_request_exception = False
    response = editor_client.get("/not-api/crash/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_json_body_over_the_limit_is_a_413(editor_client, claim, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = editor_client.patch(
        _claim_url(claim), {"conclusion": "x" * 2000, "version": 1}, content_type="application/json"
    )
    assert_problem(response, 413, "request-too-large")


def test_upload_in_a_type_no_extractor_reads_is_a_415(editor_client, organization):
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    upload.name = "photo.png"
    response = editor_client.post(
        "/api/v1/newsroom/articles/", {"file": upload, "organization": organization.pk}
    )
    assert_problem(response, 415, "unsupported-media-type")


def test_body_in_a_media_type_the_api_does_not_parse_is_a_415(editor_client, claim):
    response = editor_client.generic(
        "PATCH", _claim_url(claim), b"claimant: X", content_type="text/yaml"
    )
    assert_problem(response, 415, "unsupported-media-type")


def test_write_without_a_version_is_a_428(editor_client, claim):
    response = editor_client.patch(
        _claim_url(claim), {"claimant": "X"}, content_type="application/json"
    )
    body = assert_problem(response, 428, "precondition-required")
    assert "If-Match" in body["detail"]


def test_stale_version_is_a_412_with_the_current_claim_and_who_changed_it(
    editor_client, claim, reviewer
):
    services.claim_update(claim=claim, actor=reviewer, expected_version=1, claimant="PTI")
    # A field edit merges (see test_merge.py); a workflow step on a stale version is refused.
    response = editor_client.post(
        _claim_url(claim, "transition/"), {"to": "in_review"}, content_type="application/json",
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    body = assert_problem(response, 412, "stale-version")
    assert body["changed_by"] == reviewer.username
    assert body["claim"] == claim.pk
    assert body["current"]["claimant"] == "PTI" and body["current"]["version"] == 2
    assert response["ETag"] == '"2"'
    assert Claim.objects.get().claimant == "PTI"


def test_the_claim_a_412_sends_says_what_the_reviewer_asking_may_do(
    client, article, editor, reviewer
):
    """Sent as the claim is for nobody in particular, it told the reviewer whose publish
    was refused that only reviewers publish, and the page kept Publish greyed out."""
    claim = factories.published_claim(article, editor, reviewer)
    services.claim_update(claim=claim, actor=editor, expected_version=None, conclusion="Redone.")
    services.claim_transition(claim=claim, actor=editor, to_status=Claim.Status.IN_REVIEW)
    opened = Claim.objects.get().version
    services.claim_update(claim=claim, actor=editor, expected_version=None, claimant="PTI")
    client.force_login(reviewer)

    response = client.post(
        _claim_url(claim, "transition/"), {"to": "published"}, content_type="application/json",
        headers={"If-Match": f'"{opened}"'},
    )  # fmt: skip

    current = assert_problem(response, 412, "stale-version")["current"]
    assert current["claimant"] == "PTI"
    assert current["viewer_can_publish"] is True, current["publish_blocked_reason"]


def test_too_many_requests_is_a_429_with_retry_after(
    editor_client, claim, settings, rate_limits_reset
):
    settings.FACTCHECK_API_RATES = {"anon": "", "token": "", "user": "2/h"}
    statuses = [editor_client.get(_claim_url(claim)).status_code for _ in range(2)]
    response = editor_client.get(_claim_url(claim))
    assert statuses == [200, 200]
    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_error_is_problem_json_even_when_the_client_asks_for_html(client, claim):
    # As a browser asks: HTML first, anything else after.
    accept = "text/html,application/xhtml+xml,*/*;q=0.8"
    response = client.get(_claim_url(claim), headers={"Accept": accept})
    assert_problem(response, 401, "not-authenticated")


def test_no_endpoint_answers_with_a_browsable_html_page(editor_client, claim):
    """DRF's browsable pages answered `Accept: text/html` and `?format=api` with HTML and a
    CSRF cookie, though the API answers in JSON only."""
    url = _claim_url(claim)
    browser_like = editor_client.get(url, headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser_like.status_code == 200
    assert browser_like["Content-Type"] == "application/json"
    only_html = editor_client.get(url, headers={"Accept": "text/html"})
    assert_problem(only_html, 406, "not-acceptable")
    assert "csrftoken" not in only_html.cookies
    body = assert_problem(editor_client.get(f"{url}?format=api"), 400, "invalid-request")
    assert body["errors"]["format"] == ["One of: json."]


@pytest.mark.parametrize("slug", sorted(errors.PROBLEMS))
def test_every_problem_type_uri_describes_its_problem(client, slug):
    response = client.get(f"/api/v1/problems/{slug}/")
    assert response.status_code == 200
    assert response.json() == {
        "type": f"/api/v1/problems/{slug}/",
        "title": errors.PROBLEMS[slug][0],
        "status": errors.PROBLEMS[slug][1],
    }


def test_unknown_problem_type_is_itself_a_404_problem(client):
    assert_problem(client.get("/api/v1/problems/no-such-problem/"), 404, "not-found")


@pytest.mark.django_db(transaction=True)
def test_write_that_finds_the_claim_locked_too_long_is_a_503_with_retry_after_not_a_500(
    editor, article
):
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    browser = Client()
    browser.force_login(editor)
    with row_held_by_another_writer("annotations_claim", claim.pk):
        response = browser.patch(
            _claim_url(claim), {"claimant": "X", "version": 1}, content_type="application/json"
        )
    assert_problem(response, 503, "unavailable")
    assert response["Retry-After"] == "2"
    assert Claim.objects.get().claimant == ""


@pytest.mark.django_db
def test_a_host_the_site_is_not_served_under_is_said_as_such(client, editor, settings):
    """A wrong Host header answered "could not be read" (or, from inside a view, Django's
    words naming the ALLOWED_HOSTS setting), sending the client looking at its body."""
    client.force_login(editor)
    for debug in (False, True):  # with DEBUG on (make run), Django answers with its own page
        settings.DEBUG = debug
        for url in ("/api/v1/claims/", "/api/v1/newsroom/articles/", "/api/v1/claims/?cursor=x"):
            answer = client.get(url, HTTP_HOST="evil.example")
            assert answer.status_code == 400, (debug, url)
            assert answer["Content-Type"] == "application/problem+json"
            assert answer.json()["detail"] == errors.WRONG_HOST, (debug, url)


def test_what_publishing_needs_reads_as_a_sentence(client, db):
    """Trial D1: "Publishing needs a rating, a conclusion." """
    from annotations import services
    from annotations.models import Claim, Membership
    from tests import factories

    organization = factories.OrganizationFactory()
    editor = factories.member(organization, Membership.Role.EDITOR, username="needs-ed")
    article = factories.article(organization, editor)
    claim = services.claim_create(
        article=article, creator=editor,
        selectors=factories.quote_selectors(article.text, "Over 160,000 people listened in"),
    )  # fmt: skip
    claim = services.claim_transition(claim=claim, actor=editor, to_status="in_review")
    client.force_login(factories.member(organization, Membership.Role.REVIEWER, username="rv"))
    url = f"/api/v1/newsroom/claims/{claim.pk}/transition/"
    answer = client.post(url, {"to": "published", "version": claim.version}, "application/json")
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "Publishing needs a rating, a conclusion and at least one source."
    )
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.IN_REVIEW


def test_a_write_sent_in_chunks_without_a_length_is_a_411_not_an_empty_body(live_server, editor):
    """WSGI gives Django a chunked body with no length, which it reads as empty: a valid
    article was answered "title: This field is required" (API trial D3)."""
    import json
    import socket

    from annotations import services
    from annotations.models import ApiToken, Article

    _token, key = services.token_create(actor=editor, name="t", scope=ApiToken.Scope.READ_WRITE)
    body = json.dumps({"title": "Chunked", "text": "A body sent in chunks."}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10], body[10:], b""))
    request = (
        b"POST /api/v1/newsroom/articles/ HTTP/1.1\r\n"
        + f"Host: {live_server.thread.host}:{live_server.thread.port}\r\n".encode()
        + f"Authorization: Token {key}\r\n".encode()
        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
        + b"Connection: close\r\n\r\n"
        + chunks
    )
    # Sent whole in one write: the server answers before reading the body, and a client
    # still sending chunks then would meet a closed connection.
    with socket.create_connection((live_server.thread.host, live_server.thread.port), 30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, content = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 411"), head
    assert b"Content-Type: application/problem+json" in head
    assert b"Content-Length" in content
    assert not Article.objects.exists()
