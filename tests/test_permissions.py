"""Every view and endpoint, asked by each kind of visitor: the expected status, and no leaks."""

import io

import pytest

from annotations import services
from annotations.models import Membership
from tests import factories

QUOTE = "Over 160,000 people listened in at once"
ROLES = ["anonymous", "outsider", "editor", "reviewer", "admin"]

# Expected status by role, in ROLES order. The API answers anonymous callers 401 (with
# WWW-Authenticate: send a token), pages redirect them to sign in; a form they send is
# answered 403 with a page that says they were signed out and nothing was saved.
MEMBER_READ = [401, 404, 200, 200, 200]
MEMBER_WRITE = [401, 404, 200, 200, 200]
MEMBER_CREATE = [401, 404, 201, 201, 201]
PAGE = [302, 404, 200, 200, 200]

API = "/api/v1/newsroom"

# (name, method, url, payload, expected)
MATRIX = [
    # Anonymous visitors get the public front page (newsrooms with published fact-checks).
    ("article list page", "get", "/", None, [200, 200, 200, 200, 200]),
    ("new article page", "get", "/articles/new/", None, [302, 200, 200, 200, 200]),
    ("members page", "get", "/members/", None, [302, 200, 200, 200, 200]),
    ("change a role", "post", "/members/", "role", [403, 403, 403, 403, 302]),
    ("workspace page", "get", "/articles/{article}/", None, PAGE),
    ("revision page", "get", "/articles/{article}/revisions/1/", None, PAGE),
    ("api article list", "get", API + "/articles/", None, [401, 200, 200, 200, 200]),
    ("api article detail", "get", API + "/articles/{article}/", None, MEMBER_READ),
    ("api article ratings", "get", API + "/articles/{article}/ratings/", None, MEMBER_READ),
    ("api claims of article", "get", API + "/articles/{article}/claims/", None, MEMBER_READ),
    ("api create claim", "post", API + "/articles/{article}/claims/", "selection", MEMBER_CREATE),
    ("api paste article", "post", API + "/articles/", {"title": "T", "text": "Body."},
     [401, 201, 201, 201, 201]),
    ("api re-import", "post", API + "/articles/{article}/import/", "file", MEMBER_CREATE),
    ("api replace text", "put", API + "/articles/{article}/text/", {"text": "Other words."},
     MEMBER_WRITE),
    ("api claim detail", "get", API + "/claims/{claim}/", None, MEMBER_READ),
    ("api edit claim", "patch", API + "/claims/{claim}/", {"claimant": "X"}, MEMBER_WRITE),
    ("api send to review", "post", API + "/claims/{claim}/transition/", {"to": "in_review"},
     MEMBER_WRITE),
    ("api add source", "post", API + "/claims/{claim}/sources/", {"url": "https://example.org/"},
     MEMBER_CREATE),
    ("api reattach", "post", API + "/claims/{claim}/reattach/", "selection", MEMBER_WRITE),
    ("api change source", "patch", API + "/claims/{claim}/sources/{source}/", {"stance": "refutes"},
     MEMBER_WRITE),
    ("api remove source", "delete", API + "/claims/{claim}/sources/{source}/", None, MEMBER_WRITE),
    ("admin index", "get", "/admin/", None, [302, 302, 302, 302, 302]),
    ("liveness", "get", "/healthz", None, [200, 200, 200, 200, 200]),
    ("readiness", "get", "/readyz", None, [200, 200, 200, 200, 200]),
    ("api schema", "get", "/api/v1/schema/", None, [200, 200, 200, 200, 200]),
]  # fmt: skip


@pytest.fixture
def world(db):
    organization = factories.OrganizationFactory()
    users = {
        "editor": factories.member(organization, Membership.Role.EDITOR),
        "reviewer": factories.member(organization, Membership.Role.REVIEWER),
        "admin": factories.member(organization, Membership.Role.ADMIN),
    }
    users["outsider"] = factories.member(factories.OrganizationFactory(), Membership.Role.EDITOR)
    article = factories.article(organization, users["editor"], title="Secret draft title")
    claim = services.claim_create(
        article=article,
        creator=users["editor"],
        selectors=factories.quote_selectors(article.text, QUOTE),
    )
    source = services.source_add(
        claim=claim, actor=users["editor"], url="https://example.org/secret-source"
    )
    claim.refresh_from_db()
    return {"users": users, "article": article, "claim": claim, "source": source}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "payload", "expected"), MATRIX, ids=[row[0] for row in MATRIX]
)
def test_permission_matrix(client, world, role, name, method, url, payload, expected):
    if role != "anonymous":
        client.force_login(world["users"][role])
    article, claim = world["article"], world["claim"]
    url = url.format(article=article.pk, claim=claim.pk, source=world["source"].pk)
    if payload == "selection":
        payload = {"selectors": factories.quote_selectors(article.text, "22.8 years")}
    if payload == "role":
        editor = world["users"]["editor"]
        kwargs = {"data": {"action": "role", "user": editor.pk, "role": "reviewer"}}
    elif payload == "file":
        upload = io.BytesIO(article.text.replace("22.8", "22.8 (UN estimate)").encode())
        upload.name = "update.txt"
        kwargs = {"data": {"file": upload}}
    elif payload is not None:
        kwargs = {"content_type": "application/json", "data": payload}
    else:
        kwargs = {}
    # Claim writes name the version they were made on (428 otherwise); reads need no
    # precondition (a public page would rightly answer 412 to an If-Match it does not meet).
    headers = {} if method == "get" else {"If-Match": f'"{claim.version}"'}
    response = getattr(client, method)(url, headers=headers, **kwargs)
    assert response.status_code == expected[ROLES.index(role)], response.content[:300]
    if role in ("anonymous", "outsider"):
        # Nothing of the draft leaks, whatever the status.
        assert b"Secret draft title" not in response.content
        assert QUOTE.encode() not in response.content
    if role == "anonymous" and response.status_code == 302 and not url.startswith("/admin/"):
        assert response.headers["Location"].startswith("/accounts/login/")
    if role == "anonymous" and method == "post" and not url.startswith(API):
        assert b"You were signed out" in response.content


def test_only_reviewers_and_admins_publish(client, world):
    claim, editor = world["claim"], world["users"]["editor"]
    services.source_add(claim=claim, actor=editor, url="https://example.org/")
    rating = claim.article.organization.rating_scales.get().ratings.first()
    claim.refresh_from_db()
    claim = services.claim_update(
        claim=claim, actor=editor, expected_version=None, rating=rating, conclusion="Checked."
    )
    claim = services.claim_transition(claim=claim, actor=editor, to_status="in_review")
    url = f"/api/v1/newsroom/claims/{claim.pk}/transition/"
    publish = {"to": "published", "version": claim.version}
    for role, expected in [("outsider", 404), ("editor", 403), ("reviewer", 200)]:
        client.force_login(world["users"][role])
        response = client.post(url, publish, content_type="application/json")
        assert response.status_code == expected, role
