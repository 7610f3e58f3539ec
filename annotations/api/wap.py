"""The W3C Web Annotation Protocol: annotation containers and annotations, read and written.

`/api/v1/annotations/` contains every published claim; `/api/v1/annotations/articles/{id}/`
one article's, and its organization's members also see there the drafts they may change
(POST a Web Annotation to make one; PUT and DELETE it at its IRI,
`/api/v1/annotations/{claim id}`). Readers only ever get published versions
(`queries.published_claims`). Answers are JSON-LD in the anno.jsonld profile, with the
protocol's headers (Link, ETag, Allow, Vary, Accept-Post, Content-Location), its three
`Prefer` views of a container, and pages linked by first/last/next/prev.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import cached_property
from types import SimpleNamespace
from urllib.parse import urlencode

import orjson
from django.db.models import Max
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.generic import RedirectView
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.views import APIView

from annotations import jsonld, queries, services, versions
from annotations.api import parsers
from annotations.api.filters import refuse_repeated_parameters, refuse_unknown_parameters
from annotations.api.legacy import PermanentRedirectKeepingMethod
from annotations.api.permissions import TokenScope
from annotations.api.public_serializers import Links
from annotations.api.renderers import JSONLDRenderer, PlainJSONRenderer
from annotations.models import Claim, PublishedVersion
from annotations.services.web_annotations import (
    NotAnAnnotation,
    is_open_draft,
    received_identifiers,
)

PROFILE = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{PROFILE}"'
LDP = "http://www.w3.org/ns/ldp#"
PREFER_MINIMAL = f"{LDP}PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
CONSTRAINED_BY = "http://www.w3.org/TR/annotation-protocol/"
CONTAINER_LINK = f'<{LDP}BasicContainer>; rel="type", <{CONSTRAINED_BY}>; rel="{LDP}constrainedBy"'
RESOURCE_LINK = f'<{LDP}Resource>; rel="type"'
# Annotations per page: a page of full annotations stays well under 100 kB.
PAGE_SIZE = 20
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# What an annotation that is still an open draft takes: its members may replace or delete it.
DRAFT_METHODS = (*READ_METHODS, "PUT", "DELETE")


class LDParser(parsers.JSONParser):
    """JSON-LD request bodies (with or without the anno.jsonld profile), bounded as JSON."""

    media_type = "application/ld+json"


class Negotiation(BaseContentNegotiation):
    """JSON-LD for `*/*`, `application/*` and `application/ld+json` (with no profile, or
    one naming anno.jsonld), plain JSON for `application/json`; anything else is 406.

    A client asking for another profile (Activity Streams) reads its own vocabulary; the
    annotation model is not it, so it gets a 406 rather than a document it misreads.
    """

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        by_type = {renderer.media_type: renderer for renderer in renderers}
        # `?format=jsonld` or `json` instead of Accept, as the rest of the API takes it; any
        # other value was ignored and JSON-LD sent, which reads as the format asked for.
        format = format_suffix or request.query_params.get("format")
        if format:
            named = [renderer for renderer in renderers if renderer.format == format]
            if not named:
                offered = ", ".join(sorted(renderer.format for renderer in renderers))
                raise exceptions.ValidationError({"format": [f"One of: {offered}."]})
            chosen = named[0]
            return chosen, MEDIA_TYPE if chosen is by_type[
                "application/ld+json"
            ] else "application/json"
        ranges, refused = [], set()
        for order, part in enumerate(request.headers.get("Accept", "*/*").split(",")):
            media, *params = (item.strip() for item in part.split(";"))
            quality = 1.0
            profiles = None
            for param in params:
                name, _, value = param.partition("=")
                name = name.strip().lower()
                if name == "q":
                    try:
                        quality = float(value)
                    except ValueError:
                        quality = 0.0
                elif name == "profile":
                    # A space-separated list of URIs (RFC 6906), quoted.
                    profiles = value.strip().strip('"').split()
            if profiles is not None and PROFILE not in profiles:
                continue
            if quality <= 0:
                # "Never this type", even where a wildcard would take it (trial D2).
                refused.add(media.lower())
            ranges.append((-quality, order, media.lower()))
        wildcards = ("*/*", "application/*")
        for negative_quality, _order, media in sorted(ranges):
            if negative_quality >= 0:
                continue
            for offered, name in (("application/ld+json", MEDIA_TYPE), ("application/json",) * 2):
                if offered not in refused and (media == offered or media in wildcards):
                    return by_type[offered], name
        raise exceptions.NotAcceptable(
            f"This resource is JSON-LD: ask for {MEDIA_TYPE} (or application/json)."
        )


class UnsupportedAnnotation(exceptions.UnsupportedMediaType):
    """415 for a body that is JSON but not a Web Annotation (the protocol's error table)."""

    def __init__(self, detail: str):
        exceptions.APIException.__init__(self, detail)


_RETURN_REPRESENTATION = re.compile(
    r'(?:^|,)\s*return\s*=\s*(?:representation|"representation")\s*(?:;|,|$)', re.IGNORECASE
)


def _asks_representation(request) -> bool:
    """Whether `Prefer` parses as holding `return=representation` (RFC 7240): only then may
    the answer say `Preference-Applied`, an unparseable header having asked for nothing."""
    return bool(_RETURN_REPRESENTATION.search(request.headers.get("Prefer", "")))


def _preference(request) -> str:
    """The container view asked for with `Prefer`: minimal, iris or descriptions."""
    header = request.headers.get("Prefer", "")
    include = " ".join(re.findall(r'include\s*=\s*"([^"]*)"', header))
    if PREFER_MINIMAL in include.split():
        return "minimal"
    if PREFER_IRIS in include.split():
        return "iris"
    return "descriptions"


def _etag(body: bytes, media_type: str, version: int | None = None) -> str:
    """A strong tag over the exact bytes; a draft's starts with its version, for If-Match."""
    digest = hashlib.blake2b(body + media_type.encode(), digest_size=16).hexdigest()
    return f'"{version}-{digest}"' if version is not None else f'"{digest}"'


def _if_none_match(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in tags or "*" in tags


class Protocol(APIView):
    """What every protocol view shares: negotiation, JSON-LD in and out, problem details."""

    # JSON-LD in the Web Annotation profile (the protocol's required media type), or JSON.
    renderer_classes = [JSONLDRenderer, PlainJSONRenderer]
    parser_classes = [LDParser, parsers.JSONParser]
    content_negotiation_class = Negotiation
    # Not in the OpenAPI document: the W3C Recommendation is these endpoints' contract (media
    # type with a profile, Prefer views, pages), which OpenAPI cannot state; the README links it.
    schema = None
    allow = READ_METHODS

    def get_permissions(self):
        if self.request.method in READ_METHODS:
            return [AllowAny()]
        return [IsAuthenticated(), TokenScope()]

    def links(self) -> Links:
        return Links.for_request(self.request)

    def absolute(self, name: str, *args) -> str:
        return self.request.build_absolute_uri(reverse(f"v1:{name}", args=args))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # A 201 names what the new annotation takes (a draft's methods), not its container's.
        allowed = DRAFT_METHODS if response.status_code == 201 else self.allow
        response["Allow"] = ", ".join(allowed)
        # Members signed in by token or session see their drafts too: a shared cache must not
        # hand them the anonymous copy, nor hand theirs to anyone else.
        patch_vary_headers(response, ["Accept", "Authorization", "Cookie"])
        return response

    def document(
        self, data, *, status=200, headers=None, private=False, version=None
    ) -> HttpResponse:
        """The JSON-LD answer (no body for HEAD), with an ETag over what a GET would send.

        A draft's ETag also names its `version`, which a PUT or DELETE names back in
        If-Match. The body part keeps a conditional GET honest: a draft's sources can change
        (a fetched title, an archived copy) without a new version of the claim.
        """
        body = orjson.dumps(data)
        media_type = self.request.accepted_media_type
        etag = _etag(body, media_type, version)
        # Only a read is answered "not modified": a PUT with If-None-Match was done, and
        # then answered 304 as though nothing had happened.
        reading = self.request.method in READ_METHODS
        if status == 200 and reading and _if_none_match(self.request, etag):
            # Django's 304 carries no Content-Type: a cache that refreshes its stored headers
            # from a 304 must not relabel the JSON-LD it holds as HTML.
            response = HttpResponseNotModified()
        else:
            content = b"" if self.request.method == "HEAD" else body
            response = HttpResponse(content, status=status, content_type=media_type)
            response["Content-Length"] = str(len(body))
        response["ETag"] = etag
        for name, value in (headers or {}).items():
            response[name] = value
        if private or self.request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(response, public=True, max_age=60)
        return response

    def options(self, request, *args, **kwargs):
        response = HttpResponse(status=200)
        # No body, so no media type: Django's default would label nothing as HTML.
        del response["Content-Type"]
        response["Content-Length"] = "0"
        for name, value in self.describe_headers().items():
            response[name] = value
        return response

    def describe_headers(self) -> dict:
        return {}

    # Annotations

    def generator(self) -> dict:
        home = self.request.build_absolute_uri("/")
        return jsonld.agent(
            home, "Software", jsonld.GENERATOR_NAME, nickname="factcheck", homepage=home
        )

    def creator(self, organization, links: Links) -> dict:
        return jsonld.agent(
            links.organization(organization.slug), "Organization", organization.name,
            nickname=organization.slug, homepage=organization.url,
        )  # fmt: skip

    @staticmethod
    def published_copies(published: list[PublishedVersion]) -> dict[int, list[dict]]:
        """The outside archive's copy of each source the versions cite, as TimeState inputs
        by source id: as each version froze it (`PublishedVersion.archives`)."""
        return {
            int(pk): [{"url": copy["url"], "date": dt.datetime.fromisoformat(copy["at"])}]
            for version in published
            for pk, copy in (version.archives or {}).items()
        }

    def draft_copies(self, sources: list[dict]) -> dict[int, list[dict]]:
        """Each draft source's copies as TimeState inputs, by source id: this instance's
        snapshot (a WARC file only members may download) and the outside archive's copy
        (dated by its address, else by the snapshot), of the address cited now."""
        copies = queries.source_copies({source["id"]: source["url"] for source in sources})
        result = {}
        for pk, found in copies.items():
            listed = []
            snapshot = found["snapshot"]
            if snapshot is not None:
                address = reverse("snapshot-warc", args=[snapshot.pk])
                listed.append(
                    {"url": self.request.build_absolute_uri(address), "date": snapshot.fetched_at}
                )
            if found["archive_url"]:
                date = versions.archive_moment(found["archive_url"]) or (
                    snapshot.fetched_at if snapshot else found["fetched_at"]
                )
                listed.append({"url": found["archive_url"], "date": date})
            result[pk] = listed
        return result

    def target_source(
        self, article, links: Links, *, canonical_url: str, has_reader_page: bool = True
    ) -> str:
        """The page the annotation targets: `canonical_url` (the published version's for a
        published claim, the article's for a draft), else the article's page here."""
        if canonical_url:
            return canonical_url
        if not has_reader_page:
            # A draft on an article readers cannot see yet: its members' address, not a 404.
            return self.absolute("api-article-detail", article.pk)
        if article.slug:
            return links.article(article.organization.slug, article.slug)
        return self.absolute("public-article-detail", article.pk)

    def published_annotation(self, version: PublishedVersion, links, identifiers, cached):
        article = version.claim.article
        known = identifiers.get(version.claim_id, {})
        return jsonld.web_annotation(
            version,
            iri=self.absolute("wap-annotation", version.claim_id),
            target_source=self.target_source(article, links, canonical_url=version.article_url),
            creator=self.creator(version.publisher, links),
            generator=self.generator(),
            language=article.language,
            created=getattr(version, "first_published_at", None) or version.published_at,
            modified=_public_change(version),
            canonical=known.get("canonical") or links.claim(version.claim_id),
            via=version.via,
            cached=cached,
        )

    def draft_annotation(self, claim: Claim, links, identifiers, cached, *, readable: set[int]):
        sources = [versions.source_snapshot(source) for source in claim.sources.all()]
        working = SimpleNamespace(
            exact=claim.exact, prefix=claim.prefix, suffix=claim.suffix,
            start=claim.start, end=claim.end, claim_reviewed=claim.claim_reviewed,
            verdict=claim.rating, conclusion=claim.conclusion, tags=claim.tags, sources=sources,
        )  # fmt: skip
        return jsonld.web_annotation(
            working,
            iri=self.absolute("wap-annotation", claim.pk),
            target_source=self.target_source(
                claim.article,
                links,
                canonical_url=claim.article.canonical_url,
                has_reader_page=claim.article_id in readable,
            ),
            creator=self.creator(claim.article.organization, links),
            generator=self.generator(),
            language=claim.article.language,
            created=claim.created_at,
            modified=claim.updated_at,
            canonical=identifiers.get(claim.pk, {}).get("canonical") or "",
            via=claim.annotation_via,
            cached=cached,
        )

    def annotations(self, items: list) -> list[dict]:
        """Published versions and draft claims as annotations, in the order given."""
        links = self.links()
        claim_ids = [
            item.claim_id if isinstance(item, PublishedVersion) else item.pk for item in items
        ]
        identifiers = received_identifiers(claim_ids)
        published = [item for item in items if isinstance(item, PublishedVersion)]
        drafts = [item for item in items if not isinstance(item, PublishedVersion)]
        public_copies = self.published_copies(published)
        member_copies = self.draft_copies(
            [
                {"id": source.pk, "url": source.url}
                for item in drafts
                for source in item.sources.all()
            ]
        )
        readable = queries.articles_with_reader_page({item.article_id for item in drafts})
        return [
            self.published_annotation(item, links, identifiers, public_copies)
            if isinstance(item, PublishedVersion)
            else self.draft_annotation(item, links, identifiers, member_copies, readable=readable)
            for item in items
        ]


# What a container reads from the query (the protocol's `page` and `iris`; DRF's `format`).
CONTAINER_PARAMETERS = ("format", "iris", "page", "after")


def _check_container_parameters(request) -> None:
    """A 400 for a parameter the container does not take, or an `iris` other than 1 or 0:
    `?iris=yes` would otherwise answer with whole annotations, which looks like IRIs asked
    for and not given."""
    refuse_unknown_parameters(request, CONTAINER_PARAMETERS, of="this container")
    refuse_repeated_parameters(request, CONTAINER_PARAMETERS)
    if request.query_params.get("iris") not in (None, "0", "1"):
        raise exceptions.ValidationError(
            {"iris": ["1 for the annotations' IRIs only, 0 for the whole annotations."]}
        )


class Container(Protocol):
    """An annotation container: the collection, its three Prefer views and its pages."""

    label = "Annotations"

    def items(self) -> tuple[int, callable]:
        """How many annotations, and a function from (offset, limit) to them."""
        raise NotImplementedError

    def items_after(self, claim_id: int, limit: int) -> tuple[int, list]:
        """How many annotations come up to claim `claim_id`, and the next `limit` after it:
        the pages a client walks by `next` are keyed on the last claim it was given, so that
        an annotation retracted behind it does not shift one past it unseen (trial D1)."""
        raise NotImplementedError

    def container_iri(self) -> str:
        return self.request.build_absolute_uri(self.request.path)

    def describe_headers(self) -> dict:
        headers = {"Link": CONTAINER_LINK}
        if "POST" in self.allow:
            headers["Accept-Post"] = f"{MEDIA_TYPE}, application/ld+json, application/json"
        return headers

    def answer(self, *, private: bool, modified):
        request = self.request
        _check_container_parameters(request)
        total, fetch = self.items()
        base = self.container_iri()
        iris_only = request.query_params.get("iris") == "1"
        view = "iris" if iris_only else _preference(request)
        pages = max(1, -(-total // PAGE_SIZE))

        def page_iri(number: int, after: int | None = None) -> str:
            query = {"iris": 1, "page": number} if view == "iris" else {"page": number}
            if after is not None:
                query["after"] = after
            return f"{base}?{urlencode(query)}"

        representation = f"{base}?iris=1" if view == "iris" else base
        part_of = {"id": representation, "label": self.label, "total": total}
        if modified is not None:
            part_of["modified"] = jsonld.utc_moment(modified)

        def page(number: int, *, context: bool, after: int | None = None) -> dict:
            if after is None:
                start, found = number * PAGE_SIZE, fetch(number * PAGE_SIZE, PAGE_SIZE + 1)
            else:
                start, found = self.items_after(after, PAGE_SIZE + 1)
            more, found = len(found) > PAGE_SIZE, found[:PAGE_SIZE]
            if view == "iris":
                items = [self.absolute("wap-annotation", _claim_id(item)) for item in found]
            else:
                items = self.annotations(found)
                for item in items:
                    # Each item carries its context, as it would served on its own.
                    item.setdefault("@context", jsonld.ANNO_CONTEXT)
            return jsonld.annotation_page(
                iri=page_iri(number, after),
                part_of=part_of,
                start_index=start,
                items=items,
                next_iri=page_iri(number + 1, _claim_id(found[-1])) if more else None,
                prev_iri=previous_iri(number, start, after) if number > 0 else None,
                context=context,
            )

        def last_iri() -> str:
            # Named as a walk by `next` reaches it, keyed on the annotation before its first.
            if pages == 1:
                return page_iri(0)
            [last] = fetch((pages - 1) * PAGE_SIZE - 1, 1)
            return page_iri(pages - 1, _claim_id(last))

        def previous_iri(number: int, start: int, after: int | None) -> str:
            # The page before one reached by `next` is named as `next` named it, keyed on
            # the annotation before its first, so that a walk back meets the same pages.
            before = max(0, start - PAGE_SIZE)
            if after is None or before == 0:
                return page_iri(number - 1)
            [last] = fetch(before - 1, 1)
            return page_iri(number - 1, _claim_id(last))

        headers = self.describe_headers()
        number = request.query_params.get("page")
        if number is not None:
            # isdigit() alone also takes "²", which int() refuses.
            if not (number.isascii() and number.isdigit()):
                # A malformed request, as `?page=abc` is on the other lists: not a missing page.
                raise exceptions.ValidationError(
                    {"page": [f"A page number: this container has pages 0 to {pages - 1}."]}
                )
            after = _after(request)
            # A page reached by `next` is served whatever the count now: the annotations
            # after the last one given, none if every one after it went meanwhile.
            if after is None and int(number) >= pages:
                raise exceptions.NotFound(f"This container has pages 0 to {pages - 1}.")
            headers["Content-Location"] = page_iri(int(number), after)
            headers["Link"] = f'<{LDP}Page>; rel="type"'
            answer = page(int(number), context=True, after=after)
            return self.document(answer, headers=headers, private=private)
        if "after" in request.query_params:
            raise exceptions.ValidationError(
                {"after": ["Only with a page number, as `next` gives."]}
            )
        first = page_iri(0) if view == "minimal" else page(0, context=True)
        collection = jsonld.annotation_collection(
            iri=representation,
            label=self.label,
            total=total,
            modified=modified,
            first=first,
            last=last_iri(),
        )
        headers["Content-Location"] = representation
        if _asks_representation(request):
            headers["Preference-Applied"] = "return=representation"
        response = self.document(collection, headers=headers, private=private)
        patch_vary_headers(response, ["Prefer"])
        return response


def _claim_id(item) -> int:
    return item.claim_id if isinstance(item, PublishedVersion) else item.pk


def _after(request) -> int | None:
    """The `after` of a page reached by `next`: the claim id it follows, else None."""
    after = request.query_params.get("after")
    if after is None:
        return None
    if not (after.isascii() and after.isdigit() and len(after) <= 18):
        raise exceptions.ValidationError({"after": ["A claim id, as the `next` link gives it."]})
    return int(after)


class AllAnnotations(Container):
    """GET every published claim as Web Annotations: an AnnotationCollection in pages."""

    label = "Published fact-checks"

    def items(self):
        rows = queries.web_annotation_versions()
        return rows.count(), lambda offset, limit: list(rows[offset : offset + limit])

    def items_after(self, claim_id, limit):
        rows = queries.web_annotation_versions()
        before = rows.filter(claim_id__lte=claim_id).count()
        return before, list(rows.filter(claim_id__gt=claim_id)[:limit])

    def get(self, request):
        return self.answer(private=False, modified=queries.public_feed_changed_at())


class ArticleAnnotations(Container):
    """GET an article's annotations; members POST a Web Annotation to make a draft claim."""

    allow = (*READ_METHODS, "POST")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The article is looked up here, once, for every method (404 before anything else).
        self.article = queries.web_annotation_article(request.user, kwargs["pk"])
        if self.article is None:
            raise exceptions.NotFound("No article here has annotations you may see.")
        # Titled as readers were last told (members' drafts alone: as the newsroom has it).
        title = queries.article_as_published(self.article).title or self.article.title
        self.label = f"Fact-checks of “{title}”"

    @cached_property
    def every_item(self) -> list:
        """The article's published annotations and the caller's drafts, oldest claim first
        (read once a request: a page reached by `next` also counts them and names `last`)."""
        published = list(queries.web_annotation_versions().filter(claim__article=self.article))
        drafts = list(queries.web_annotation_drafts(self.request.user, self.article))
        return sorted([*published, *drafts], key=_claim_id)

    def items(self):
        every = self.every_item
        return len(every), lambda offset, limit: every[offset : offset + limit]

    def items_after(self, claim_id, limit):
        every = self.every_item
        before = sum(_claim_id(item) <= claim_id for item in every)
        return before, every[before : before + limit]

    def get(self, request, pk: int):
        drafts = queries.web_annotation_drafts(request.user, self.article)
        private = request.user.is_authenticated
        modified = max(
            filter(
                None,
                [
                    # The article's own time moves with details readers do not see until
                    # they are republished: only members' answers may follow it.
                    self.article.updated_at if private else None,
                    queries.article_public_stamp(self.article)["newest"],
                    drafts.aggregate(newest=Max("updated_at"))["newest"],
                ],
            ),
            default=None,
        )
        return self.answer(private=private, modified=modified)

    def post(self, request, pk: int):
        if "page" in request.query_params or "iris" in request.query_params:
            raise exceptions.MethodNotAllowed("POST", detail="POST to the container, not a page.")
        data = request.data
        try:
            claim = services.web_annotation_create(
                article=self.article, actor=request.user, data=data
            )
        except NotAnAnnotation as error:
            raise UnsupportedAnnotation(str(error)) from None
        claim = queries.claims_for(request.user).prefetch_related("sources").get(pk=claim.pk)
        annotation = self.annotations([claim])[0]
        response = self.document(
            annotation,
            status=201,
            headers={"Location": annotation["id"], "Link": RESOURCE_LINK},
            private=True,
            version=claim.version,
        )
        return response


class AnnotationDetail(Protocol):
    """GET one annotation (anyone: published; members: drafts); PUT or DELETE a draft."""

    allow = READ_METHODS

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == Gone.status_code:
            patch_cache_control(response, no_cache=True)
        return response

    def describe_headers(self) -> dict:
        return {"Link": RESOURCE_LINK}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        pk = kwargs["pk"]
        self.version = queries.web_annotation_versions().filter(claim_id=pk).first()
        self.draft = None
        if self.version is None:
            self.draft = self._find_draft(pk)
        if self.version is None and self.draft is None:
            if PublishedVersion.objects.filter(
                claim_id=pk, is_current=True, kind=PublishedVersion.Kind.RETRACTED
            ).exists():
                page = request.build_absolute_uri(reverse("reader-claim", args=[pk]))
                raise Gone(
                    f"This fact-check was retracted: its page gives the note, {page}. "
                    "Checked again and republished, it answers here again."
                )
            raise exceptions.NotFound("No annotation you may see has this IRI.")
        if self.draft is not None and is_open_draft(self.draft):
            self.allow = DRAFT_METHODS
        if request.method not in self.allow:
            raise exceptions.MethodNotAllowed(
                request.method,
                detail="A published claim changes only through the newsroom's review workflow."
                if request.method in ("PUT", "DELETE")
                else None,
            )

    def _find_draft(self, pk: int):
        """The never-published claim `pk` as the caller may see it, or None."""
        return (
            queries.claims_for(self.request.user)
            .filter(pk=pk, published_versions__isnull=True)
            .prefetch_related("sources")
            .first()
        )

    def _answer(self):
        item = self.version or self.draft
        draft = self.draft
        return self.document(
            self.annotations([item])[0],
            headers={"Link": RESOURCE_LINK},
            private=draft is not None,
            version=draft.version if draft is not None else None,
        )

    def get(self, request, pk: int):
        return self._answer()

    def _refuse_if_none_match(self) -> None:
        """412 for a write whose If-None-Match names the annotation as it is (or is "*",
        which any existing annotation matches): the condition fails, nothing is done."""
        if "If-None-Match" not in self.request.headers:
            return
        if _if_none_match(self.request, self._answer()["ETag"]):
            raise PreconditionFailed()

    def handle_exception(self, exc):
        if isinstance(exc, services.StaleVersion):
            # The newsroom's 412 carries its working copy, which is no annotation: here
            # every 412 is one problem, with the annotation's ETag as it is now.
            exc = PreconditionFailed()
        etag = None
        if isinstance(exc, PreconditionFailed) and getattr(self, "draft", None) is not None:
            # As `initial` finds it: published meanwhile, it is no draft to tag.
            self.draft = self._find_draft(self.draft.pk)
            # Before the error is rendered, which changes the media type the tag covers.
            etag = self._answer()["ETag"] if self.draft is not None else None
        response = super().handle_exception(exc)
        if etag is not None:
            response["ETag"] = etag
        return response

    def put(self, request, pk: int):
        self._refuse_if_none_match()
        expected = _expected_version(request, required=True)
        try:
            claim = services.web_annotation_update(
                claim=self.draft, actor=request.user, data=request.data, expected_version=expected
            )
        except NotAnAnnotation as error:
            raise UnsupportedAnnotation(str(error)) from None
        self.draft = queries.claims_for(request.user).prefetch_related("sources").get(pk=claim.pk)
        return self._answer()

    def delete(self, request, pk: int):
        self._refuse_if_none_match()
        expected = _expected_version(request, required=True)
        services.web_annotation_delete(
            claim=self.draft, actor=request.user, expected_version=expected
        )
        done = HttpResponse(status=204)
        # No body, so no media type: Django's default would label nothing as HTML.
        del done["Content-Type"]
        return done


class Gone(exceptions.APIException):
    """410: the annotation was there and was retracted. A reviewer may send the claim back
    to review and republish it, so the answer is marked to be checked again, not kept
    (`AnnotationDetail.finalize_response`): a cache keeping a 410 hid it (API trial D4)."""

    status_code = 410
    default_detail = "Gone."
    default_code = "gone"


class PreconditionRequired(exceptions.APIException):
    """428: a PUT or DELETE must say which version of the annotation it acts on."""

    status_code = 428
    default_detail = (
        "Send If-Match with the annotation's ETag as you read it, so that your change does "
        "not overwrite one you have not seen."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    """412: the annotation changed since the client read it."""

    status_code = 412
    default_detail = "The annotation changed since you read it: GET it again."
    default_code = "stale"


# A draft's ETag as `_etag` writes it ("7-<digest>"), or its bare version as older clients
# were given it ("7").
_VERSION_TAG = re.compile(r'(?:W/)?"([0-9]{1,10})(?:-[0-9a-f]{32})?"')


def _expected_version(request, *, required: bool) -> int | None:
    """The draft version named by If-Match; 428 when required and absent, 412 when it names
    something that is not a version of this draft (e.g. an ETag of a published version)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired()
        return None
    # A list of entity tags matches if any of them does (RFC 9110, If-Match).
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    current = request.parser_context["view"].draft.version
    if "*" in tags:
        return current
    named = [int(match.group(1)) for tag in tags if (match := _VERSION_TAG.fullmatch(tag))]
    if not named:
        raise PreconditionFailed()
    return current if current in named else named[0]


class AnnotationWithSlash(RedirectView):
    """`annotations/<id>/` to the annotation's IRI, which has no trailing slash (as the
    protocol's examples write it): the slash every other address of the API ends with was
    a 404 here, which read as "no such annotation"."""

    query_string = True

    def get(self, request, *args, **kwargs):
        url = reverse("v1:wap-annotation", args=[kwargs["pk"]])
        if self.query_string and request.META.get("QUERY_STRING"):
            url += "?" + request.META["QUERY_STRING"]
        return PermanentRedirectKeepingMethod(url)


# A version's row is written as it is published: its changed_at a moment after published_at.
_SAVED_WITH_IT = dt.timedelta(seconds=1)


def _public_change(version: PublishedVersion) -> dt.datetime:
    """When readers last saw the published annotation change: its publication, or a later
    change of what it shows without a new version (its place in a new text, the article's
    language, which is read live), which `changed_at` records (trial D1: `modified` missed
    a language change the annotation showed)."""
    changed = getattr(version, "changed_at", None)
    if changed is not None and changed - version.published_at > _SAVED_WITH_IT:
        return changed
    return version.published_at
