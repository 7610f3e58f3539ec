"""The public ClaimReview feed: every current published fact-check as one schema.org DataFeed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from annotations import freshness, jsonld, queries
from annotations.api import caching, throttling
from annotations.api.filters import refuse_unknown_parameters
from annotations.api.renderers import JSONLDRenderer, PlainJSONRenderer
from annotations.models import Organization

CONTENT_TYPE = "application/ld+json"
# As the other public reads (`caching.MAX_AGE`): a retracted review must not stay in caches
# for five minutes more than a retracted claim does (trial D2).
CACHE_CONTROL = f"public, max-age={caching.MAX_AGE}"
# Rows fetched per database round trip while streaming: memory stays flat however long
# the feed is, and the number of queries does not grow with it (PostgreSQL reads through
# one server-side cursor; SQLite reads its one result set in chunks of this size).
CHUNK_SIZE = 500


# Bumped when the feed's JSON changes shape, so no cache keeps the old one as current.
FEED_SHAPE = "claimreview-v2"


def feed_etag(stamp: dict, url: str) -> str:
    """A strong ETag for the feed at `url` in the state `stamp` (`queries.public_stamp`)."""
    state = f"{FEED_SHAPE}|{url}|{sorted(stamp.items())!r}"
    digest = hashlib.sha256(state.encode()).hexdigest()
    return quote_etag(digest[:32])


def feed_modified(stamp: dict):
    """When the feed last changed, or None for an instance that never published."""
    return stamp["newest"]


def feed_url(origin: str, organization: Organization | None) -> str:
    """The feed's own absolute address on `origin` (scheme and host), with its filter."""
    path = reverse("v1:claimreview-feed")
    if organization is not None:
        path += f"?organization={organization.slug}"
    return origin + path


def _permalink_template(origin: str) -> str:
    # One reverse() for the whole feed instead of one per claim: the int converter writes
    # the id as plain digits, so a sentinel id marks where each claim's id goes.
    sentinel = 987654321
    return origin + reverse("reader-claim", args=[sentinel]).replace(str(sentinel), "{}", 1)


def _organization_page_template(origin: str) -> str:
    sentinel = "organization-slug-sentinel"
    return origin + reverse("reader-organization", args=[sentinel]).replace(sentinel, "{}", 1)


def feed_chunks(versions, *, url: str, modified, origin: str) -> Iterator[str]:
    """The feed as JSON text, one ClaimReview at a time: `jsonld.data_feed`'s document.

    `versions` are the rows of `queries.claim_reviews`; `origin` (scheme and host) makes
    the permalinks absolute. The envelope is `jsonld.data_feed` of no items, serialised;
    the elements are written into its empty `dataFeedElement` list as the rows arrive.
    """
    envelope = json.dumps(jsonld.data_feed([], url=url, modified=modified), ensure_ascii=False)
    if not envelope.endswith('"dataFeedElement": []}'):
        raise AssertionError("dataFeedElement must be the envelope's last key")
    yield envelope.removesuffix("]}")
    permalink = _permalink_template(origin)
    organization_page = _organization_page_template(origin)
    separator = ""
    for version in versions.iterator(chunk_size=CHUNK_SIZE):
        review = jsonld.claim_review(
            version,
            permalink=permalink.format(version.claim_id),
            organization_page=organization_page.format(version.publisher.slug),
        )
        yield separator + json.dumps(jsonld.feed_element(review), ensure_ascii=False)
        separator = ", "
    yield "]}"


# What the feed reads from the query; `format` is DRF's own.
FEED_PARAMETERS = ("format", "organization")


def _refuse_unknown_parameters(request) -> None:
    """A typo (`organisation=`) or a second organization would otherwise get the whole feed,
    or one of the two, which looks like the answer asked for."""
    refuse_unknown_parameters(request, FEED_PARAMETERS, of="this feed")
    if len(request.query_params.getlist("organization")) > 1:
        raise exceptions.ValidationError(
            {"organization": ["One organization per request: fetch the feed once for each."]}
        )


class ClaimReviewFeed(APIView):
    """Every current published ClaimReview, as one schema.org DataFeed (JSON-LD), streamed."""

    # The same answer for everyone: no credentials are read, so none can change it.
    authentication_classes = []
    permission_classes = [AllowAny]
    # A client asking only for HTML is told no (406), as the other API reads tell it.
    renderer_classes = [JSONLDRenderer, PlainJSONRenderer]

    @extend_schema(
        operation_id="claimreview_feed",
        summary="ClaimReview feed",
        description=(
            "Every current published fact-check as a schema.org DataFeed of ClaimReview, "
            "newest first, streamed in one document. Retracted, draft and unpublished "
            "claims are never in it. Send `If-None-Match` or `If-Modified-Since` to get "
            "304 when nothing changed."
        ),
        parameters=[
            OpenApiParameter(
                "organization", OpenApiTypes.STR, description="Only this organization's (slug)."
            )
        ],
        responses={
            (200, CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.OBJECT, description="A schema.org DataFeed of ClaimReview."
            ),
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The same document, for `Accept: application/json`.",
            ),
            304: OpenApiResponse(description="Not modified since the validators sent."),
            400: OpenApiResponse(
                description="A parameter the feed does not take, or an `organization` that "
                "no organization that has published goes by."
            ),
            406: OpenApiResponse(description="`Accept` takes neither JSON-LD nor JSON."),
        },
    )
    def get(self, request, *args, **kwargs):
        """Answer 304 if the client's copy is current, else stream the feed."""
        _refuse_unknown_parameters(request)
        slug = request.query_params.get("organization")
        organization = None
        if slug is not None:
            # As the public API's organization detail: a newsroom that has never published
            # is not told apart from a slug nobody has.
            organization = queries.public_organizations().filter(slug=slug).first()
            if organization is None:
                # A 400, as the public lists answer the same filter: a 404 here and a 400
                # there made clients handle one mistake twice (API trial D4).
                raise exceptions.ValidationError(
                    {"organization": ["No organization that has published has this slug."]}
                )
        origin = request.build_absolute_uri("/").removesuffix("/")
        url = feed_url(origin, organization)
        stamp = queries.public_stamp(organization)
        changed = feed_modified(stamp)
        minute, modified = freshness.turnover(changed)
        # JSON-LD is JSON: a client asking only for application/json gets the same bytes
        # labelled as it asked, under their own validator.
        media_type = request.accepted_renderer.media_type
        etag = feed_etag({**stamp, "minute": minute, "media_type": media_type}, url)
        last_modified = freshness.http_seconds(modified)
        # Its validators are one aggregate, read before the feed is streamed.
        response = throttling.free_of_charge(
            freshness.conditional_response(request, etag=etag, last_modified=last_modified)
        )
        if response is None:
            response = StreamingHttpResponse(
                feed_chunks(
                    queries.claim_reviews(organization),
                    url=url,
                    # The last change itself: the validators' turnover is HTTP's business.
                    modified=changed,
                    origin=origin,
                ),
                content_type=media_type,
            )
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        response["Cache-Control"] = CACHE_CONTROL
        patch_vary_headers(response, ["Accept"])
        return response
