"""Newsroom API: an organization's bulk export, streamed (JSON Lines, CSV, WARC)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import Http404, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from annotations import export, queries
from annotations.api.errors import problem_responses
from annotations.api.filters import refuse_repeated_parameters, refuse_unknown_parameters
from annotations.models import Organization

TAGS = ["Newsroom: exports"]
JSONL = "application/jsonl"
CSV = "text/csv"
WARC = "application/warc"
CONTENT_PARAMETER = OpenApiParameter(
    "content",
    OpenApiTypes.STR,
    enum=list(export.CONTENTS),
    default=export.PUBLISHED,
    description=(
        "`published` (default): what readers were shown of each claim, as the public API's "
        "claim item. `all`: every claim's working copy, sources, history and published "
        "versions, drafts included."
    ),
)


class _AnyAccept(BaseContentNegotiation):
    """The answer is a file of one type whatever the client accepts; errors stay JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return None


class _Export(APIView):
    """An export of one organization the caller is a member of (session or token, any scope)."""

    content_negotiation_class = _AnyAccept
    media_type = ""
    extension = ""

    def organization(self, request, slug: str) -> Organization:
        organization = queries.organizations_of(request.user).filter(slug=slug).first()
        if organization is None:
            raise Http404("No organization of yours has this slug.")
        return organization

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A typo or a `format=xml` would else get the file anyway, looking like an answer.
        refuse_unknown_parameters(request, self.parameters, of="this export")
        refuse_repeated_parameters(request, self.parameters)

    parameters: tuple[str, ...] = ("content",)

    def content(self, request) -> str:
        content = request.query_params.get("content", export.PUBLISHED)
        if content not in export.CONTENTS:
            raise exceptions.ValidationError(
                {"content": [f"Expected one of: {', '.join(export.CONTENTS)}."]}
            )
        return content

    def filename(self, organization: Organization, content: str = "") -> str:
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        suffix = f"-{content}" if content else ""
        return f"{organization.slug}-claims{suffix}-{day}.{self.extension}"

    def stream(self, chunks, filename: str) -> StreamingHttpResponse:
        response = StreamingHttpResponse(chunks, content_type=self.media_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


BOM_PARAMETER = OpenApiParameter(
    "bom",
    OpenApiTypes.BOOL,
    default=False,
    description=(
        "`true` (or `1`, any case): the file starts with a UTF-8 byte order mark, which "
        "Excel needs to read accented and non-Latin text right. Programs reading the CSV "
        "should leave it out (the default), or read the file as `utf-8-sig`."
    ),
)
BOM_VALUES = {"true": True, "1": True, "false": False, "0": False}

EXAMPLES = {
    JSONL: '{"id":41,"state":"published","version":1,"claim_reviewed":"The bridge cost '
    '$2 billion","rating":{"label":"Mostly true"},"...":"..."}\n',
    CSV: "id,state,version,url,claim_reviewed,claimant,...\r\n"
    "41,published,1,https://factcheck.example/c/41/,The bridge cost $2 billion,...\r\n",
    WARC: "(binary: gzip members of WARC/1.1 records, a warcinfo record first)",
}


def _schema(summary: str, media_type: str, description: str, parameters=()):
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=description,
        parameters=list(parameters),
        examples=[
            OpenApiExample(
                "Export",
                value=EXAMPLES[media_type],
                media_type=media_type,
                response_only=True,
                status_codes=["200"],
            )
        ],
        responses={
            (200, media_type): OpenApiResponse(OpenApiTypes.STR, description=description),
            **problem_responses(400, 401, 404),
        },
    )


class ClaimsJsonl(_Export):
    """The organization's claims as JSON Lines."""

    media_type = f"{JSONL}; charset=utf-8"
    extension = "jsonl"

    @_schema(
        "The organization's claims as JSON Lines, streamed",
        JSONL,
        "One JSON object per line and per claim, streamed however many there are.",
        [CONTENT_PARAMETER],
    )
    def get(self, request, slug: str):
        organization = self.organization(request, slug)
        content = self.content(request)
        chunks = export.jsonl(export.records(organization, content))
        return self.stream(chunks, self.filename(organization, content))


class ClaimsCsv(_Export):
    """The organization's claims as CSV."""

    media_type = f"{CSV}; charset=utf-8; header=present"
    extension = "csv"
    parameters = ("content", "bom")

    @_schema(
        "The organization's claims as CSV, streamed",
        CSV,
        "A header row, then one row per claim (UTF-8, RFC 4180). A cell that a spreadsheet "
        "would run as a formula (starting with =, +, -, @) is prefixed with an apostrophe.",
        [CONTENT_PARAMETER, BOM_PARAMETER],
    )
    def get(self, request, slug: str):
        organization = self.organization(request, slug)
        content = self.content(request)
        bom = request.query_params.get("bom", "false").strip().lower()
        if bom not in BOM_VALUES:
            raise exceptions.ValidationError({"bom": ["Expected true or false (or 1 or 0)."]})
        chunks = export.csv_rows(
            export.records(organization, content), content, byte_order_mark=BOM_VALUES[bom]
        )
        return self.stream(chunks, self.filename(organization, content))


class SnapshotsWarc(_Export):
    """The organization's source snapshots as one WARC file."""

    media_type = WARC
    extension = "warc.gz"
    parameters = ()

    @_schema(
        "The organization's source snapshots as one WARC file, streamed",
        WARC,
        "Every archived copy of the organization's cited sources, as one gzip-compressed WARC "
        "1.1 file (one gzip member per record), beginning with a warcinfo record.",
    )
    def get(self, request, slug: str):
        organization = self.organization(request, slug)
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        filename = f"{organization.slug}-snapshots-{day}.warc.gz"
        return self.stream(export.warc(organization, filename), filename)
