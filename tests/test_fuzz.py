"""Every write endpoint of the API under generated input: never a 5xx, and a refusal stores nothing.

The endpoints are read from `annotations/api/urls.py`, so a new one is fuzzed as soon as it
exists. Bodies are arbitrary JSON, mutations of a valid body (wrong types, huge or broken
Unicode strings, deep nesting, numbers out of every range, fields missing or added), raw
bytes, and multipart uploads of random bytes, sent with random If-Match headers by a
signed-in editor or reviewer.
"""

import json
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import anchoring, services
from annotations.api import urls as api_urls
from annotations.models import Article, ArticleImport, Membership, Rating
from tests import factories

TEXT = (
    factories.SAMPLE_TEXT + "\n\nFans 👍🏽 waved 🇵🇰 flags; the x\u0301 mark.\n\n"
    "عمران خان نے ٹوئٹر اسپیس پر خطاب کیا۔"
)
QUOTE = "Over 160,000 people listened in at once"
WRITE_METHODS = ("post", "put", "patch", "delete")
EXAMPLES = 150
NEWSROOM = "newsroom/"
UPLOAD_ROUTES = {"articles/", "articles/<int:pk>/import/"}
# Endpoints that act only on an article whose import failed: they get the world's failed one.
# Endpoints only a reviewer may use: their valid body is sent by the world's reviewer.
REVIEWER_ENDPOINTS = {("articles/<int:pk>/republish-details/", "post")}
# Endpoints that succeed only once a change of the article's details waits for a check:
# in this world they answer 400 (their successes: tests/test_details_second_look.py).
NEEDS_A_DETAILS_CHANGE = {("articles/<int:pk>/check-details/", "post")}
FAILED_IMPORT_ENDPOINTS = {
    ("articles/<int:pk>/", "delete"),
    ("articles/<int:pk>/import-again/", "post"),
}


def write_endpoints() -> list[tuple[str, str]]:
    """(route under newsroom/, method) for every write method of every newsroom URL pattern."""
    endpoints = []
    for pattern in api_urls.urlpatterns:
        view = getattr(pattern.callback, "cls", None)
        route = str(pattern.pattern)
        if not route.startswith(NEWSROOM):
            continue
        for method in WRITE_METHODS:
            if view is not None and hasattr(view, method):
                endpoints.append((route.removeprefix(NEWSROOM), method))
    return endpoints


ENDPOINTS = write_endpoints()


def valid_body(route: str, method: str, world: dict) -> dict | None:
    """A body the endpoint accepts (for the editor) in the fixture world; None if unknown."""
    article, claim = world["article"], world["claim"]
    version = claim.version
    selection = anchoring.describe(article.text, *_span(article.text, "22.8 years"))
    bodies = {
        ("articles/", "post"): {"title": "Pasted", "text": "Some words.", "organization": 0},
        ("articles/<int:pk>/", "patch"): {
            "title": "Renamed", "byline": "B", "publisher": "P",
            "canonical_url": "https://example.org/story", "published_on": "2024-01-01",
            "language": "en",
        },
        ("articles/<int:pk>/text/", "put"): {"text": article.text + "\n\nMore.", "reason": "x"},
        ("articles/<int:pk>/text-preview/", "post"): {"text": article.text + "\n\nMore."},
        ("articles/<int:pk>/conclusion-preview/", "post"): {"conclusion": "**22.8** years."},
        ("articles/<int:pk>/import/", "post"): {},
        ("articles/<int:pk>/import-again/", "post"): {},
        ("articles/<int:pk>/", "delete"): {},
        ("articles/<int:pk>/republish-details/", "post"): {"note": "the headline had a typo"},
        ("articles/<int:pk>/check-details/", "post"): {},
        ("articles/<int:pk>/show-text/", "post"): {"revision": article.latest_revision_number()},
        ("articles/<int:pk>/claims/", "post"): {
            "selectors": selection, "claim_reviewed": "Ages", "claimant": "PTI",
            "claim_date": "2024-01-01",
        },
        ("claims/<int:pk>/", "patch"): {
            "version": version, "claim_reviewed": "Listeners", "claimant": "PTI",
            "claim_date": "2024-01-01", "rating": world["rating"].pk, "conclusion": "**Yes**",
            "assignee": world["editor"].pk, "tags": ["record"],
        },
        ("claims/<int:pk>/", "delete"): {"version": version},
        ("claims/<int:pk>/transition/", "post"): {"to": "in_review", "version": version},
        ("claims/<int:pk>/sources/", "post"): {
            "url": "https://example.org/a", "title": "T", "publisher": "P", "quote": "Q",
            "stance": "supports", "version": version,
        },
        ("claims/<int:pk>/sources/<int:source_pk>/", "patch"): {
            "stance": "refutes", "title": "T2", "version": version,
        },
        ("claims/<int:pk>/sources/<int:source_pk>/", "delete"): {"version": version},
        ("claims/<int:pk>/sources/<int:source_pk>/fetch/", "post"): {},
        ("claims/<int:pk>/reattach/", "post"): {"selectors": selection, "version": version},
        ("claims/<int:pk>/comments/", "post"): {"body": "Checked with @rita **twice**"},
        ("claims/<int:pk>/comments/<int:comment_pk>/", "patch"): {"body": "Edited"},
        ("claims/<int:pk>/comments/<int:comment_pk>/", "delete"): {},
        ("claims/<int:pk>/comments/<int:comment_pk>/resolve/", "post"): {"resolved": True},
        ("notifications/read/", "post"): {"all": True},
    }  # fmt: skip
    body = bodies.get((route, method))
    if body is not None and "organization" in body:
        body["organization"] = world["organization"].pk
    return body


def _span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def url_for(route: str, method: str, world: dict) -> str:
    """The route with its path parameters filled from the fixture world."""
    kind = "article" if route.startswith("articles/") else "claim"
    if (route, method) in FAILED_IMPORT_ENDPOINTS:
        kind = "failed_article"
    values = {
        "int:pk": world[kind].pk,
        "int:source_pk": world["source"].pk,
        "int:comment_pk": world["comment"].pk,
        "slug:slug": world["organization"].slug,
    }
    path = route
    for name, value in values.items():
        path = path.replace(f"<{name}>", str(value))
    assert "<" not in path, f"fill the path parameters of {route} in url_for"
    return f"/api/v1/newsroom/{path}"


# Strategies

HUGE = st.sampled_from([n * "x" for n in (76, 201, 501, 1_001, 2_001, 5_001, 20_001)])
AWKWARD_TEXT = st.text(
    st.one_of(
        st.characters(),
        st.characters(categories=["Cs"]),
        st.sampled_from(["👍", "🏽", "🇵", "\u0301", "\u200d", "\x00", "\n", "\r", '"', "\\"]),
    ),
    max_size=40,
)
NUMBERS = st.one_of(
    st.integers(),
    st.sampled_from([0, -1, 1, 2, 2**31, 2**63, 2**64, 10**30, -(10**30), 10**4000]),
    st.floats(allow_nan=False, allow_infinity=False),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, AWKWARD_TEXT, HUGE)
FIELD_NAMES = st.sampled_from([
    "version", "selectors", "text", "title", "claim_reviewed", "claimant", "claim_date",
    "rating", "conclusion", "assignee", "tags", "to", "note", "url", "quote", "stance",
    "publisher", "organization", "reason", "type", "exact", "prefix", "suffix", "start", "end",
])  # fmt: skip
# Forms carry text only, and a form encoder cannot encode a lone surrogate.
FORM_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(FIELD_NAMES, AWKWARD_TEXT), children, max_size=4),
    ),
    max_leaves=12,
)


def _deep(depth: int) -> object:
    return json.loads("[" * depth + "1" + "]" * depth)


VALUES = st.one_of(
    JSON,
    st.integers(2, 60).map(_deep),
    st.builds(lambda n: {"type": "TextQuoteSelector", "exact": _deep(n)}, st.integers(1, 40)),
)


@st.composite
def selectors(draw, text: str):
    """Selectors for a random span of `text`: valid, empty, reversed, out of range, split."""
    start = draw(st.integers(-2, len(text) + 2))
    end = draw(st.integers(-2, len(text) + 2))
    if 0 <= start < end <= len(text):
        described = anchoring.describe(text, start, end)
        return draw(st.sampled_from([described, described[:1], described[1:]]))
    return [{"type": "TextPositionSelector", "start": start, "end": end}]


@st.composite
def mutated(draw, body: dict, text: str):
    """`body` with one to three fields replaced, dropped or added."""
    body = dict(body)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["replace", "drop", "add", "selectors"]))
        if action == "replace" and body:
            body[draw(st.sampled_from(sorted(body)))] = draw(VALUES)
        elif action == "drop" and body:
            del body[draw(st.sampled_from(sorted(body)))]
        elif action == "selectors":
            body["selectors"] = draw(selectors(text))
        else:
            body[draw(st.one_of(FIELD_NAMES, AWKWARD_TEXT))] = draw(VALUES)
    return body


def _raw() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=64),
        st.sampled_from(
            [
                b"[" * 100_000 + b"]" * 100_000,
                b'{"selectors": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
                b'{"version": 1, "claimant": "\\ud83d"}',
                b'{"version": NaN}',
                b'{"version": 1e999}',
                b'{"version": ' + b"9" * 5_000 + b"}",
                b"\xef\xbb\xbf{}",
                b'{"text": "' + b"\xff\xfe" + b'"}',
                b'{"a": 1',
            ]
        ),
    )


@st.composite
def requests(draw, route: str, method: str, world: dict):
    """One request: (who, content type, body, headers)."""
    valid = valid_body(route, method, world) or {}
    text = world["article"].text
    kind = draw(
        st.sampled_from(
            ["mutated"] * 6 + ["json"] * 2 + ["raw", "form"]
            + (["upload"] * 3 if route in UPLOAD_ROUTES else ["upload"])
        )
    )  # fmt: skip
    if kind == "mutated":
        content_type, body = "application/json", json.dumps(draw(mutated(valid, text)))
    elif kind == "json":
        content_type, body = "application/json", json.dumps(draw(JSON))
    elif kind == "raw":
        content_type, body = (
            draw(st.sampled_from(["application/json", "text/plain"])),
            draw(_raw()),
        )
    elif kind == "form":
        fields = draw(st.dictionaries(FIELD_NAMES, FORM_TEXT))
        content_type, body = "application/x-www-form-urlencoded", fields
    else:
        content_type = None
        name = draw(
            st.sampled_from(["a.txt", "a.html", "a.pdf", "a.docx", "a.md", "noext", "x" * 300])
        )
        data = draw(
            st.one_of(
                st.binary(max_size=2_000),
                st.sampled_from(
                    [
                        b"",
                        b"A plain article.\n\nIts second paragraph.",
                        b"%PDF-1.4\n%garbage",
                        b"PK\x03\x04" + b"\x00" * 40,
                    ]
                ),
                AWKWARD_TEXT.map(lambda s: s.encode("utf-8", "surrogatepass")),
            )
        )
        declared = draw(st.sampled_from(["", "text/plain", "application/pdf", "text/html"]))
        body = {"file": SimpleUploadedFile(name, data, declared)}
        for field in draw(
            st.lists(st.sampled_from(["title", "organization", "file2"]), max_size=2)
        ):
            body[field] = draw(FORM_TEXT)
    if_match = draw(
        st.one_of(
            st.none(),
            st.sampled_from(['"1"', "1", 'W/"2"', '"2"', "*", "", '"99999999999"', "²"]),
            st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12),
        )
    )
    who = draw(st.sampled_from(["editor", "reviewer"]))
    return who, content_type, body, ({"If-Match": if_match} if if_match is not None else {})


# The world and what a refused request must leave untouched


@pytest.fixture
def world(db):
    organization = factories.OrganizationFactory()
    editor = factories.member(organization, Membership.Role.EDITOR)
    reviewer = factories.member(organization, Membership.Role.REVIEWER)
    article = factories.article(organization, editor, text=TEXT)
    claim = services.claim_create(
        article=article, creator=editor, selectors=factories.quote_selectors(article.text, QUOTE)
    )
    source = services.source_add(claim=claim, actor=editor, url="https://example.org/s")
    comment = services.comment_create(claim=claim, actor=editor, body="First look")
    failed_article = _failed_upload(organization, editor)
    claim.refresh_from_db()
    clients = {}
    for name, user in (("editor", editor), ("reviewer", reviewer)):
        clients[name] = Client()
        clients[name].force_login(user)
    return {
        "organization": organization,
        "editor": editor,
        "article": article,
        "claim": claim,
        "failed_article": failed_article,
        "source": source,
        "comment": comment,
        "rating": Rating.objects.filter(scale__organization=organization).first(),
        "clients": clients,
    }


def _failed_upload(organization, editor) -> Article:
    """An article whose upload the worker gave up on: nothing but a name and the file kept."""
    article = Article.objects.create(
        organization=organization, title="notes.txt", status=Article.Status.IMPORTING
    )
    failed = ArticleImport(
        organization=organization, article=article, requested_by=editor,
        kind=ArticleImport.Kind.UPLOAD, filename="notes.txt", declared_type="text/plain",
    )  # fmt: skip
    services.imports._store_original(failed, TEXT.encode())
    failed.save()
    services.import_fail(article_import=failed, actor=editor, message="Reading took too long.")
    article.refresh_from_db()
    return article


def _fingerprint() -> tuple:
    """Row counts of the app's tables and of users, the claims' versions, in one query."""
    models = [*apps.get_app_config("annotations").get_models(), get_user_model()]
    quote = connection.ops.quote_name
    tables = [quote(model._meta.db_table) for model in models]
    parts = [f"(SELECT COUNT(*) FROM {table})" for table in tables]  # noqa: S608 - model tables
    parts.append("(SELECT COALESCE(SUM(version), 0) FROM annotations_claim)")
    parts.append("(SELECT COALESCE(SUM(LENGTH(text)), 0) FROM annotations_article)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def _send(client: Client, method: str, url: str, content_type, body, headers):
    if content_type is None:
        return getattr(client, method)(url, body, headers=headers)
    if content_type == "application/x-www-form-urlencoded":
        body = urlencode(body)
    return getattr(client, method)(url, body, content_type=content_type, headers=headers)


@pytest.mark.parametrize(("route", "method"), ENDPOINTS, ids=[f"{m} {r}" for r, m in ENDPOINTS])
def test_generated_requests_never_get_a_5xx_and_refusals_store_nothing(world, route, method):
    url = url_for(route, method, world)
    statuses = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(request=requests(route, method, world))
    def check(request):
        who, content_type, body, headers = request
        # Every example starts from the same world: its writes are rolled back after it.
        with transaction.atomic():
            before = _fingerprint()
            response = _send(world["clients"][who], method, url, content_type, body, headers)
            statuses[response.status_code] += 1
            assert response.status_code < 500, response.content[:500]
            if response.status_code >= 400:
                assert _fingerprint() == before, (response.status_code, response.content[:300])
            transaction.set_rollback(True)

    check()
    print(f"{method.upper()} {url}: {dict(sorted(statuses.items()))}")


def test_every_write_endpoint_has_a_valid_body_to_mutate(world):
    missing = [(r, m) for r, m in ENDPOINTS if valid_body(r, m, world) is None]
    assert missing == []
    assert len(ENDPOINTS) >= 9


def test_the_valid_bodies_are_accepted_so_mutations_start_from_success(world):
    for route, method in ENDPOINTS:
        if route in UPLOAD_ROUTES and method == "post" and route != "articles/":
            continue
        if (route, method) in NEEDS_A_DETAILS_CHANGE:
            continue
        with transaction.atomic():
            body = valid_body(route, method, world)
            url = url_for(route, method, world)
            who = "reviewer" if (route, method) in REVIEWER_ENDPOINTS else "editor"
            # A claim's version, or for an article's details the tag they have now.
            tag = world["article"].details_tag if route == "articles/<int:pk>/" else None
            if_match = f'"{tag or world["claim"].version}"'
            response = _send(
                world["clients"][who], method, url, "application/json",
                json.dumps(body), {"If-Match": if_match},
            )  # fmt: skip
            assert response.status_code in (200, 201, 202, 204), (route, response.content[:300])
            transaction.set_rollback(True)
