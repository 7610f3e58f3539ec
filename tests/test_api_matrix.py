"""Every /api/v1/ endpoint, asked by every kind of caller: the expected status, and no leaks.

The endpoints are found by walking the URL resolver, so a new endpoint or method without
an entry in CASES fails `test_every_v1_endpoint_and_method_has_a_case`. To add one, add a
`Case` with the statuses of one of the profiles below (or a new profile).
"""

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from annotations import services
from annotations.models import ApiToken, Article, ArticleImport, Claim, Membership
from annotations.permissions import SYSTEM
from tests import factories

CALLERS = [
    "anonymous", "read_token", "write_token", "expired_token", "revoked_token",
    "other_org_token", "editor", "reviewer", "admin", "other_member", "non_member",
]  # fmt: skip
TOKENS = {"read_token", "write_token", "expired_token", "revoked_token", "other_org_token"}
HOME_MEMBERS = {"read_token", "write_token", "editor", "reviewer", "admin"}
OTHER_MEMBERS = {"other_org_token", "other_member"}

# Strings that only their organization's members may ever receive, in the newsroom API.
CANARY_DRAFT = "canary-draft-8c1f"
CANARY_REVIEW = "canary-review-51d0"
CANARY_WORKING = "canary-working-copy-e7a2"
CANARY_OTHER = "canary-other-org-3b9d"
HOME_CANARIES = (CANARY_DRAFT, CANARY_REVIEW, CANARY_WORKING)


def profile(default: int, **by_caller: int) -> dict[str, int]:
    """Expected status for every caller: `default`, except those named."""
    return {caller: by_caller.get(caller, default) for caller in CALLERS}


BAD_TOKENS = {"expired_token": 401, "revoked_token": 401}
OUTSIDERS = {"other_org_token": 404, "other_member": 404, "non_member": 404}
# Public documents that authenticate nobody: even a bad token is not looked at.
OPEN = profile(200)
# Public reads: anyone; a token sent must be valid (401 says so), but grants nothing more.
PUBLIC = profile(200, **BAD_TOKENS)
PUBLIC_ABSENT = profile(404, **BAD_TOKENS)
# The newsroom: members of the organization, by session or token; others don't see it exists.
NEWSROOM_LIST = profile(200, anonymous=401, **BAD_TOKENS)


def member_read(ok: int = 200) -> dict[str, int]:
    return profile(ok, anonymous=401, **BAD_TOKENS, **OUTSIDERS)


def member_write(ok: int = 200) -> dict[str, int]:
    return profile(ok, anonymous=401, read_token=403, **BAD_TOKENS, **OUTSIDERS)


# Publishing: reviewers and admins; the editor (and so the editor's tokens) may not.
PUBLISH = {**member_write(200), "write_token": 403, "editor": 403}


@dataclass(frozen=True)
class Case:
    """One request to one endpoint, and what each caller gets."""

    name: str  # the URL name in the "v1" namespace
    method: str
    expected: dict[str, int]
    url: Callable = lambda world: {}
    body: Callable | None = None
    label: str = ""
    headers: Callable = field(default=lambda world: {})

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}" + (f" ({self.label})" if self.label else "")


def on_article(world):
    return {"pk": world.article.pk}


def on_failed_article(world):
    return {"pk": world.failed_article.pk}


def on_draft(world):
    return {"pk": world.draft.pk}


def on_evidence_item(world):
    from annotations.models import EvidenceItem

    item, _ = EvidenceItem.objects.get_or_create(
        claim=world.draft,
        url_key="example.org/found",
        defaults={"provider": "mediawiki", "url": "https://example.org/found", "title": "Found"},
    )
    return {"pk": world.draft.pk, "item_pk": item.pk}


def draft_version(world):
    return {"If-Match": f'"{world.draft.version}"'}


def selection(quote):
    return lambda world: {"selectors": factories.quote_selectors(world.article.text, quote)}


def web_annotation(world):
    """A Web Annotation of a passage of the article, as a protocol client posts it."""
    quote = factories.quote_selectors(world.article.text, "demographic prerequisite")[0]
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "Worth checking."},
        # The article's page here: a target naming another page is refused.
        "target": {
            "source": f"http://testserver/a/{world.article.organization.slug}/{world.article.slug}/",
            "selector": quote,
        },
    }


def on_comment(world):
    return {"pk": world.draft.pk, "comment_pk": world.comment.pk}


# The comment's author (the editor, and the editor's write token) may change it.
OWN_COMMENT = {**member_write(), "reviewer": 403, "admin": 403}


def text_file(world):
    upload = io.BytesIO(world.article.text.replace("22.8", "22.8 (UN estimate)").encode())
    upload.name = "update.txt"
    return {"file": upload}


CASES = [
    Case("root", "get", OPEN),
    Case("schema", "get", OPEN),
    Case("docs", "get", OPEN),
    Case("problem-type", "get", OPEN, url=lambda world: {"slug": "not-found"}),
    Case("claimreview-feed", "get", OPEN),
    Case("public-claim-list", "get", PUBLIC),
    Case("public-claim-detail", "get", PUBLIC, url=lambda world: {"pk": world.published.pk}),
    Case("public-claim-detail", "get", PUBLIC_ABSENT, url=on_draft, label="a draft"),
    Case("public-claim-detail", "get", PUBLIC_ABSENT, label="another organization's draft",
         url=lambda world: {"pk": world.other_draft.pk}),
    Case("public-article-list", "get", PUBLIC),
    Case("public-article-detail", "get", PUBLIC, url=on_article),
    Case("public-article-detail", "get", PUBLIC_ABSENT,
         url=lambda world: {"pk": world.other_article.pk}, label="no published claims"),
    Case("public-organization-list", "get", PUBLIC),
    Case("public-organization-detail", "get", PUBLIC,
         url=lambda world: {"slug": world.organization.slug}),
    Case("api-article-list", "get", NEWSROOM_LIST),
    Case("api-article-list", "post", member_write(201), label="paste",
         body=lambda world: {"title": "T", "text": "Body.", "organization": world.organization.pk}),
    Case("api-article-detail", "get", member_read(), url=on_article),
    Case("api-article-detail", "patch", member_write(), url=on_article,
         body=lambda world: {"byline": "A. Writer"},
         headers=lambda world: {"If-Match": f'"{world.article.details_tag}"'}),
    Case("api-article-text", "put", member_write(), url=on_article,
         body=lambda world: {"text": world.article.text + "\n\nA new paragraph."}),
    Case("api-article-text-preview", "post", member_write(), url=on_article,
         body=lambda world: {"text": world.article.text + "\n\nA new paragraph."}),
    Case("api-article-conclusion-preview", "post", member_write(), url=on_article,
         body=lambda world: {"conclusion": "The **Factbook** says 22.8."}),
    Case("api-article-reimport", "post", member_write(201), url=on_article, body=text_file),
    Case("api-article-detail", "delete", member_write(204), url=on_failed_article),
    Case("api-article-import-again", "post", member_write(202), url=on_failed_article),
    Case("api-article-details-republish", "post", PUBLISH, url=on_article,
         body=lambda world: {"note": "the headline had a typo"}),
    # Members reach it; with no change of the details waiting, there is nothing to check.
    Case("api-article-details-check", "post", member_write(400), url=on_article,
         headers=lambda world: {"If-Match": f'"{world.article.details_tag}"'}),
    # Readers see the newest text already: a member's show is answered with it.
    Case("api-article-text-publish", "post", member_write(), url=on_article,
         body=lambda world: {"revision": world.article.latest_revision_number()}),
    Case("api-article-claims", "get", member_read(), url=on_article),
    Case("api-article-claims", "post", member_write(201), url=on_article,
         body=selection("demographic prerequisite for change")),
    Case("api-article-ratings", "get", member_read(), url=on_article),
    Case("api-claim-detail", "get", member_read(), url=on_draft),
    Case("api-claim-detail", "get", member_read(), url=lambda world: {"pk": world.published.pk},
         label="published, with a working-copy change"),
    Case("api-claim-detail", "patch", member_write(), url=on_draft, headers=draft_version,
         body=lambda world: {"claimant": "A spokesperson"}),
    Case("api-claim-detail", "delete", member_write(204), url=on_draft, headers=draft_version),
    Case("api-claim-transition", "post", member_write(), url=on_draft, headers=draft_version,
         body=lambda world: {"to": "in_review"}, label="to review"),
    Case("api-claim-transition", "post", PUBLISH, url=lambda world: {"pk": world.in_review.pk},
         headers=lambda world: {"If-Match": f'"{world.in_review.version}"'},
         body=lambda world: {"to": "published"}, label="publish"),
    Case("api-claim-sources", "post", member_write(201), url=on_draft, headers=draft_version,
         body=lambda world: {"url": "https://example.org/evidence"}),
    Case("api-claim-source-detail", "get", member_read(),
         url=lambda world: {"pk": world.draft.pk, "source_pk": world.source.pk}),
    Case("api-claim-source-detail", "patch", member_write(), headers=draft_version,
         url=lambda world: {"pk": world.draft.pk, "source_pk": world.source.pk},
         body=lambda world: {"stance": "refutes"}),
    Case("api-claim-source-detail", "delete", member_write(), headers=draft_version,
         url=lambda world: {"pk": world.draft.pk, "source_pk": world.source.pk}),
    # The source's first fetch is still queued, so asking again answers 200 (not 202).
    Case("api-claim-source-fetch", "post", member_write(),
         url=lambda world: {"pk": world.draft.pk, "source_pk": world.source.pk},
         label="a fetch already queued"),
    Case("api-claim-reattach", "post", member_write(), url=on_draft, headers=draft_version,
         body=selection("median age is only 22.8 years")),
    # Comments: members read and write; only the author changes or deletes a comment.
    Case("api-claim-comments", "get", member_read(), url=on_draft),
    Case("api-claim-comments", "post", member_write(201), url=on_draft,
         body=lambda world: {"body": "@reviewer0 please look"}),
    Case("api-claim-comment-detail", "patch", OWN_COMMENT, url=on_comment,
         body=lambda world: {"body": "Edited"}),
    Case("api-claim-comment-detail", "delete", {**OWN_COMMENT, "editor": 204, "write_token": 204},
         url=on_comment),
    Case("api-claim-comment-resolve", "post", member_write(), url=on_comment,
         body=lambda world: {"resolved": True}),
    # W3C Web Annotation Protocol: published claims for anyone; members also see, post, replace
    # and delete drafts (any other caller: the article is public, the draft is not).
    Case("wap-annotations", "get", PUBLIC),
    Case("wap-article-annotations", "get", PUBLIC, url=on_article),
    Case("wap-article-annotations", "get", label="no published claims",
         expected=profile(404, **BAD_TOKENS, other_org_token=200, other_member=200),
         url=lambda world: {"pk": world.other_article.pk}),
    Case("wap-article-annotations", "post", url=on_article, body=web_annotation,
         expected=profile(201, anonymous=401, read_token=403, **BAD_TOKENS,
                          other_org_token=403, other_member=403, non_member=403)),
    Case("wap-annotation", "get", PUBLIC, url=lambda world: {"pk": world.published.pk}),
    Case("wap-annotation", "get", profile(200, anonymous=404, **BAD_TOKENS, **OUTSIDERS),
         url=on_draft, label="a draft"),
    Case("wap-annotation", "put", member_write(), url=on_draft, headers=draft_version,
         body=web_annotation),
    Case("wap-annotation", "delete", member_write(204), url=on_draft, headers=draft_version),
    # The slash-ended address sends everyone on to the IRI, keeping the method (308).
    *(
        Case("wap-annotation-with-slash", method, profile(308), url=on_draft)
        for method in ("get", "post", "put", "patch", "delete")
    ),
    # Evidence (issue 10): members of the claim's organization only.
    Case("api-claim-evidence", "get", member_read(), url=on_draft),
    Case("api-claim-evidence", "post", member_write(202), url=on_draft),
    Case("api-claim-evidence-item", "post", member_write(), url=on_evidence_item,
         body=lambda world: {"action": "dismiss"}),
    # Claim-spotting suggestions (issue 14): members read, editors accept or dismiss.
    Case("api-article-suggestions", "get", member_read(), url=on_article),
    Case("api-article-suggestion", "post", member_write(), body=lambda world: {"action": "dismiss"},
         url=lambda world: {"pk": world.article.pk, "suggestion_pk": world.suggestion.pk}),
    # Notifications: everyone signed in has their own (perhaps empty) list.
    Case("api-notifications", "get", NEWSROOM_LIST),
    Case("api-notifications-read", "post", {**NEWSROOM_LIST, "read_token": 403},
         body=lambda world: {"all": True}),
    # Bulk export (issue 13): members of the organization, session or any token.
    Case("api-export-jsonl", "get", member_read(),
         url=lambda world: {"slug": world.organization.slug}),
    Case("api-export-csv", "get", member_read(),
         url=lambda world: {"slug": world.organization.slug}),
    Case("api-export-warc", "get", member_read(),
         url=lambda world: {"slug": world.organization.slug}),
]  # fmt: skip

NEWSROOM = "api-"


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def v1_endpoints() -> set[tuple[str, str]]:
    """(URL name, method) of every view under /api/v1/, from the resolver and the views."""
    found = set()
    for route, pattern in _routes(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        view = getattr(pattern.callback, "cls", None) or pattern.callback.view_class
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                found.add((pattern.name, method))
    return found


def test_every_v1_endpoint_and_method_has_a_case():
    covered = {(case.name, case.method) for case in CASES}
    assert sorted(v1_endpoints() - covered) == [], "endpoints without a case in CASES"
    assert sorted(covered - v1_endpoints()) == [], "cases for endpoints that no longer exist"


@pytest.fixture
def world(db):
    """Two organizations with drafts, claims in review and working copies, and every caller."""
    organization = factories.OrganizationFactory(name="Home Desk")
    editor = factories.member(organization, Membership.Role.EDITOR)
    reviewer = factories.member(organization, Membership.Role.REVIEWER)
    admin = factories.member(organization, Membership.Role.ADMIN)
    elsewhere = factories.OrganizationFactory(name="Elsewhere Desk")
    other_admin = factories.member(elsewhere, Membership.Role.ADMIN)
    other_member = factories.member(elsewhere, Membership.Role.EDITOR)
    non_member = factories.UserFactory()

    article = factories.article(organization, editor)
    services.suggestions_refresh(article=article, actor=SYSTEM)  # issue 14
    published = factories.published_claim(article, editor, reviewer)
    published = services.claim_update(
        claim=published, actor=editor, expected_version=None,
        conclusion=f"Rechecking: {CANARY_WORKING}",
    )  # fmt: skip
    draft = services.claim_create(
        article=article, creator=editor,
        selectors=factories.quote_selectors(article.text, "median age is only 22.8 years"),
    )  # fmt: skip
    source = services.source_add(claim=draft, actor=editor, url="https://example.org/source")
    draft = services.claim_update(
        claim=Claim.objects.get(pk=draft.pk), actor=editor, expected_version=None,
        claim_reviewed=f"The median age is 22.8 ({CANARY_DRAFT})",
    )  # fmt: skip
    in_review = services.claim_create(
        article=article, creator=editor,
        selectors=factories.quote_selectors(article.text, "breaking the prior record"),
    )  # fmt: skip
    rating = organization.rating_scales.get().ratings.get(label="False")
    in_review = services.claim_update(
        claim=in_review, actor=editor, expected_version=None, rating=rating,
        conclusion=f"Not a record ({CANARY_REVIEW}).",
    )  # fmt: skip
    services.source_add(claim=in_review, actor=editor, url="https://example.org/record")
    in_review = services.claim_transition(
        claim=Claim.objects.get(pk=in_review.pk), actor=editor, to_status="in_review"
    )
    comment = services.comment_create(
        claim=draft, actor=editor, body=f"Internal: @{reviewer.username} ({CANARY_DRAFT})"
    )

    # An import that failed before the article had any text: tried again, or deleted.
    failed_article = Article.objects.create(
        organization=organization, title="https://news.example/down",
        status=Article.Status.FAILED, import_error="The site answered 500.",
    )  # fmt: skip
    ArticleImport.objects.create(
        organization=organization, article=failed_article, requested_by=editor,
        kind=ArticleImport.Kind.URL, source_url="https://news.example/down",
        state=ArticleImport.State.FAILED, error="The site answered 500.",
    )  # fmt: skip

    other_article = factories.article(elsewhere, other_member, title=f"Private {CANARY_OTHER}")
    other_draft = services.claim_create(
        article=other_article, creator=other_member,
        selectors=factories.quote_selectors(other_article.text, "Over 160,000 people"),
    )  # fmt: skip
    services.claim_update(
        claim=other_draft, actor=other_member, expected_version=None, conclusion=CANARY_OTHER
    )

    numbers = itertools.count(1)

    def key(user, scope="read-write", **fields):
        name = f"matrix {next(numbers)}"
        return services.token_create(actor=user, name=name, scope=scope, **fields)

    expiring, expired_key = key(editor, expires_at=timezone.now() + timedelta(hours=1))
    ApiToken.objects.filter(pk=expiring.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    revoked, revoked_key = key(editor)
    services.token_revoke(actor=editor, token=revoked)
    return SimpleNamespace(
        organization=organization, article=article, published=published, draft=draft,
        failed_article=failed_article,
        source=source, in_review=in_review, other_article=other_article, other_draft=other_draft,
        comment=comment, suggestion=article.suggestions.order_by("-score").first(),
        sessions={"editor": editor, "reviewer": reviewer, "admin": admin,
                  "other_member": other_member, "non_member": non_member},
        keys={
            "read_token": key(editor, scope="read")[1],
            "write_token": key(editor)[1],
            "expired_token": expired_key,
            "revoked_token": revoked_key,
            "other_org_token": key(other_admin, organization=elsewhere)[1],
        },
    )  # fmt: skip


def client_for(world, caller: str) -> Client:
    if caller in world.keys:
        return Client(headers={"Authorization": f"Token {world.keys[caller]}"})
    client = Client()
    if caller in world.sessions:
        client.force_login(world.sessions[caller])
    return client


def forbidden_canaries(case: Case, caller: str) -> list[str]:
    """The canaries this caller must not receive from this endpoint."""
    if not case.name.startswith((NEWSROOM, "wap-")):
        return [*HOME_CANARIES, CANARY_OTHER]  # public output: never a working copy
    if case.name.startswith("wap-"):
        # Annotations show published versions, and drafts to their members only.
        return [CANARY_WORKING, *forbidden_canaries(replace(case, name=NEWSROOM), caller)]
    canaries = []
    if caller not in HOME_MEMBERS:
        canaries += HOME_CANARIES
    if caller not in OTHER_MEMBERS:
        canaries.append(CANARY_OTHER)
    return canaries


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_permission_matrix(world, case):
    """Each caller gets the expected status, and nothing it may not see, from each endpoint."""
    url = reverse(f"v1:{case.name}", kwargs=case.url(world))
    wrong, leaks = [], []
    for caller in CALLERS:
        # Each caller starts from the same world: its writes are rolled back after it.
        with transaction.atomic():
            kwargs = {"headers": case.headers(world)}
            if case.body is not None:
                body = case.body(world)
                if any(hasattr(value, "read") for value in body.values()):
                    kwargs["data"] = body
                else:
                    kwargs.update(data=body, content_type="application/json")
            response = getattr(client_for(world, caller), case.method)(url, **kwargs)
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            transaction.set_rollback(True)
        if response.status_code != case.expected[caller]:
            wrong.append(
                f"{caller}: {response.status_code}, expected {case.expected[caller]}: "
                f"{content[:200]!r}"
            )
        if response.status_code == 401:
            assert response["WWW-Authenticate"] == "Token", caller
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/problem+json"), caller
        body = content.decode(errors="replace")
        leaks += [
            f"{caller}: {canary}" for canary in forbidden_canaries(case, caller) if canary in body
        ]
    assert wrong == [], f"{case.id} {url}"
    assert leaks == [], f"{case.id} {url} leaks"


def test_the_world_holds_every_canary_where_members_can_see_it(world):
    """The leak check would pass vacuously if the canaries were never served at all."""
    seen = Client(headers={"Authorization": f"Token {world.keys['read_token']}"})
    claims = seen.get(reverse("v1:api-article-claims", kwargs={"pk": world.article.pk}))
    for canary in HOME_CANARIES:
        assert canary in claims.content.decode()
    other = Client(headers={"Authorization": f"Token {world.keys['other_org_token']}"})
    listed = other.get(reverse("v1:api-article-list"))
    assert CANARY_OTHER in listed.content.decode()
    public = Client().get(reverse("v1:public-claim-detail", kwargs={"pk": world.published.pk}))
    assert public.status_code == 200 and "Checked." in public.content.decode()
