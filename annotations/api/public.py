"""Public reads of API v1: published claims, their articles and organizations, for anyone.

Built only from published versions (`queries.public_claim_feed`); the same answer whoever
asks (a token or a session changes nothing but throttling), cacheable, and open to other
origins (CORS, without credentials: see `CORS_URLS_REGEX`).
"""

import orjson
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, mixins
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from annotations import queries
from annotations.api import caching, filters
from annotations.api.pagination import PublicCursorPagination
from annotations.api.public_serializers import (
    Links,
    PublicArticleSerializer,
    PublicClaimSerializer,
    PublicOrganizationSerializer,
    article_item,
    claim_item,
    organization_item,
)

_CACHING_HEADERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="The `ETag` you hold: 304 Not Modified if it is still current.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description="The `Last-Modified` you hold (ignored when If-None-Match is sent).",
    ),
]
_CACHING_HEADERS += [
    OpenApiParameter(
        name, OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 304], description=text
    )
    for name, text in (
        ("ETag", "Send it back in If-None-Match."),
        ("Last-Modified", "The latest change in the answer (absent when it is empty)."),
        ("Cache-Control", "public, max-age=60"),
    )
]
# Answers with no change time of their own (an organization's scales and addresses) are
# validated by their content's ETag only: no Last-Modified, so If-Modified-Since is not read.
_CONTENT_CACHING_HEADERS = [
    parameter
    for parameter in _CACHING_HEADERS
    if parameter.name not in ("If-Modified-Since", "Last-Modified")
]
_NOT_MODIFIED = OpenApiResponse(description="Not modified: what you hold is current.")


def _ok(serializer, description: str) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


class FastJSONRenderer(JSONRenderer):
    """JSON written by orjson: the public answers are plain data (strings, numbers, lists)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else orjson.dumps(data)


class PublicRead(generics.GenericAPIView):
    """Anyone may read; the answer is JSON, the same for everyone, and cacheable."""

    permission_classes = [AllowAny]
    renderer_classes = [FastJSONRenderer]
    filter_backends = [filters.StrictFilterBackend]
    pagination_class = PublicCursorPagination

    def links(self) -> Links:
        return Links.for_request(self.request)

    def answer(self, data, validators: caching.Validators) -> Response:
        return caching.public(Response(data), validators)


# ListModelMixin tells the schema generator this is a list: filters, cursor, page size.
class ClaimList(mixins.ListModelMixin, PublicRead):
    """Published fact-checks, newest first: the current version of each claim.

    Retracted claims stay listed (`state: "retracted"`, with `retraction_note`), and a claim
    no longer shown since its article's words changed appears as `state: "suspended"` with
    no content, so a consumer syncing with `updated_since` (and `ordering=updated_at`) learns
    of every change. Filters on what a claim says (`rating`, `claimant`, `tag`, `q`) never
    match a suspended claim: sync by `organization` or `article_url` to see those too.
    """

    serializer_class = PublicClaimSerializer
    filterset_class = filters.PublicClaimFilter
    orderings = filters.CLAIM_ORDERINGS
    default_ordering = "-published_at"

    def get_queryset(self):
        return queries.public_claim_feed()

    @extend_schema(
        operation_id="public_claims_list",
        parameters=_CACHING_HEADERS,
        responses={
            200: _ok(PublicClaimSerializer(many=True), "A page of claims."),
            304: _NOT_MODIFIED,
        },
    )
    def get(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset())
        validators = caching.Validators.of_feed(request)
        if (unchanged := caching.not_modified(request, validators)) is not None:
            return unchanged
        page = queries.public_claim_context(self.paginate_queryset(rows))
        links = self.links()
        data = [claim_item(row, links) for row in page]
        return caching.public(self.get_paginated_response(data), validators)


class ClaimDetail(PublicRead):
    """One claim, by the id that stays the same across its versions (as in the list)."""

    serializer_class = PublicClaimSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        operation_id="public_claims_retrieve",
        parameters=_CACHING_HEADERS,
        responses={200: _ok(PublicClaimSerializer, "The claim."), 304: _NOT_MODIFIED},
    )
    def get(self, request, pk: int):
        row = queries.public_claim_feed().filter(claim_id=pk).first()
        if row is None:
            raise exceptions.NotFound("No published claim with this id.")
        validators = caching.Validators.of(
            request, row["id"], row["changed_at"], last_modified=row["changed_at"]
        )
        if (unchanged := caching.not_modified(request, validators)) is not None:
            return unchanged
        [row] = queries.public_claim_context([row])
        return self.answer(claim_item(row, self.links()), validators)


class ArticleList(mixins.ListModelMixin, PublicRead):
    """Articles with published fact-checks, newest first, each with those fact-checks."""

    serializer_class = PublicArticleSerializer
    filterset_class = filters.PublicArticleFilter
    orderings = {"-id": ("-id",)}
    default_ordering = "-id"

    def get_queryset(self):
        return queries.public_articles()

    @extend_schema(
        operation_id="public_articles_list",
        parameters=_CACHING_HEADERS,
        responses={
            200: _ok(PublicArticleSerializer(many=True), "A page of articles."),
            304: _NOT_MODIFIED,
        },
    )
    def get(self, request, *args, **kwargs):
        articles = self.filter_queryset(self.get_queryset())
        validators = caching.Validators.of_feed(request)
        if (unchanged := caching.not_modified(request, validators)) is not None:
            return unchanged
        page = self.paginate_queryset(articles)
        by_article: dict[int, list] = {}
        for claim in queries.public_article_claims(page):
            by_article.setdefault(claim["article"]["id"], []).append(claim)
        links = self.links()
        # An article whose last claim was withdrawn between the two reads is left out.
        data = [
            article_item(article, by_article[article["id"]], links)
            for article in page
            if article["id"] in by_article
        ]
        return caching.public(self.get_paginated_response(data), validators)


class ArticleDetail(PublicRead):
    """One article with published fact-checks, and those fact-checks in document order."""

    serializer_class = PublicArticleSerializer
    pagination_class = None
    filter_backends = []

    @extend_schema(
        operation_id="public_articles_retrieve",
        parameters=_CACHING_HEADERS,
        responses={200: _ok(PublicArticleSerializer, "The article."), 304: _NOT_MODIFIED},
    )
    def get(self, request, pk: int):
        article = queries.public_articles().filter(pk=pk).first()
        if article is None:
            raise exceptions.NotFound("No article with published fact-checks has this id.")
        claims = queries.public_article_claims([article])
        if not claims:  # its last claim was withdrawn since the article was read
            raise exceptions.NotFound("No article with published fact-checks has this id.")
        # Withdrawn claims count too: a claim leaving the article changes it.
        newest = article["changed_at"]
        validators = caching.Validators.of(
            request, *(claim["id"] for claim in claims), newest, last_modified=newest
        )
        if (unchanged := caching.not_modified(request, validators)) is not None:
            return unchanged
        return self.answer(article_item(article, claims, self.links()), validators)


class OrganizationList(mixins.ListModelMixin, PublicRead):
    """The fact-checking organizations that have published, with their rating scales."""

    serializer_class = PublicOrganizationSerializer
    filter_backends = [filters.StrictFilterBackend]
    orderings = {"slug": ("slug",)}
    default_ordering = "slug"

    def get_queryset(self):
        return queries.public_organizations()

    @extend_schema(
        operation_id="public_organizations_list",
        parameters=_CONTENT_CACHING_HEADERS,
        responses={
            200: _ok(PublicOrganizationSerializer(many=True), "A page of organizations."),
            304: _NOT_MODIFIED,
        },
    )
    def get(self, request, *args, **kwargs):
        # A few organizations with a few ratings each: the answer itself is the validator.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        links = self.links()
        response = self.get_paginated_response([organization_item(o, links) for o in page])
        validators = caching.Validators.of_content(request, response.data)
        unchanged = caching.not_modified(request, validators)
        return unchanged if unchanged is not None else caching.public(response, validators)


class OrganizationDetail(PublicRead):
    """One organization, its rating scales and the addresses of its pages here."""

    serializer_class = PublicOrganizationSerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "slug"

    @extend_schema(
        operation_id="public_organizations_retrieve",
        parameters=_CONTENT_CACHING_HEADERS,
        responses={200: _ok(PublicOrganizationSerializer, "The organization."), 304: _NOT_MODIFIED},
    )
    def get(self, request, slug: str):
        organization = queries.public_organizations().filter(slug=slug).first()
        if organization is None:
            raise exceptions.NotFound("No organization that has published has this slug.")
        data = organization_item(organization, self.links())
        validators = caching.Validators.of_content(request, data)
        unchanged = caching.not_modified(request, validators)
        return unchanged if unchanged is not None else self.answer(data, validators)
