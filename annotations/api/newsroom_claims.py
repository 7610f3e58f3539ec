"""Newsroom API for claims: working copies, edits, transitions, sources and reattachment."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions as drf_exceptions
from rest_framework import generics, status
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response

from annotations import queries, services
from annotations.api import newsroom_serializers as serializers
from annotations.api.errors import (
    CONTENT_TYPE,
    AlreadyClaimedProblemSerializer,
    EditConflictProblemSerializer,
    problem_responses,
)
from annotations.api.filters import refuse_repeated_parameters, refuse_unknown_parameters
from annotations.api.idempotency import IDEMPOTENCY_KEY_HEADER, idempotent
from annotations.api.preconditions import IF_MATCH_HEADER, expected_version
from annotations.api.schema import created_location
from annotations.models import Claim, Source

TAGS = ["Newsroom: claims"]
# Every newsroom endpoint may answer these: no credentials, not allowed, not yours (404).
ACCESS_PROBLEMS = (401, 403, 404)
# A write to a claim also checks its version: malformed input, stale, or not said.
WRITE_PROBLEMS = (400, *ACCESS_PROBLEMS, 412, 428)


def _claim_response(request, claim: Claim, status_code=status.HTTP_200_OK, **extra) -> Response:
    """The working copy as the workspace shows it, with its version as the ETag."""
    claim = queries.workspace_claims(claim.article).get(pk=claim.pk)
    data = serializers.ClaimSerializer(claim, context={"request": request}).data
    response = Response({**data, **extra}, status=status_code)
    response["ETag"] = f'"{claim.version}"'
    return response


def _write_schema(
    request,
    summary: str,
    *,
    created: bool = False,
    idempotent: bool = False,
    location: bool = False,
    **kwargs,
):
    """extend_schema for a write to a claim: If-Match, the claim back, and its problems;
    with `idempotent`, the Idempotency-Key too; with `location`, the Location made."""
    success = 201 if created else 200
    retried = (409, 422) if idempotent else ()
    return extend_schema(
        tags=TAGS,
        summary=summary,
        request=request,
        parameters=[
            IF_MATCH_HEADER,
            *([IDEMPOTENCY_KEY_HEADER] if idempotent else []),
            *([created_location(success)] if location else []),
        ],
        responses={
            success: serializers.ClaimSerializer,
            **problem_responses(*WRITE_PROBLEMS, *retried),
        },
        **kwargs,
    )


class ArticleClaims(generics.GenericAPIView):
    """GET an article's claims in document order; POST a selection to make it a claim."""

    serializer_class = serializers.ClaimSerializer
    pagination_class = None

    @extend_schema(
        tags=TAGS,
        summary="The article's claims (working copies), in document order",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                description=(
                    "Only the claims in these statuses, separated by commas: "
                    f"{', '.join(Claim.Status.values)}. Any other parameter is a 400."
                ),
                examples=[OpenApiExample("Drafts and claims in review", "draft,in_review")],
            )
        ],
        responses={
            200: serializers.ClaimSerializer(many=True),
            **problem_responses(400, *ACCESS_PROBLEMS),
        },
    )
    def get(self, request, pk: int):
        article = get_object_or_404(queries.articles_for(request.user), pk=pk)
        # A typo (`?state=draft`) would otherwise return every claim, as if filtered.
        refuse_unknown_parameters(request, {"status", "format"}, of="this list")
        refuse_repeated_parameters(request, {"status"})
        claims = queries.workspace_claims(article)
        if "status" in request.query_params:
            claims = claims.filter(status__in=_statuses(request.query_params["status"]))
        queries.remember_roles(request.user)  # each card's publish checklist asks the role
        context = {"request": request}
        return Response(serializers.ClaimSerializer(claims, many=True, context=context).data)

    @extend_schema(
        tags=TAGS,
        summary="Make a selection of the article's text a claim",
        description=(
            "Send W3C selectors (a TextQuoteSelector with `exact`, `prefix`, `suffix`, and a "
            "TextPositionSelector with `start`, `end`) for the passage in the article's current "
            "text. Answers 201 with the new draft claim and its version as the ETag; 400 with "
            "`errors.selectors` when the selection does not match the text; 409 "
            "`already-claimed` naming the claim when a claim has exactly these words."
        ),
        request=serializers.ClaimCreateSerializer,
        parameters=[created_location(201), IDEMPOTENCY_KEY_HEADER],
        responses={
            201: serializers.ClaimSerializer,
            409: AlreadyClaimedProblemSerializer,
            **problem_responses(400, *ACCESS_PROBLEMS, 422),
        },
    )
    @idempotent
    def post(self, request, pk: int):
        article = get_object_or_404(queries.articles_for(request.user), pk=pk)
        data = serializers.ClaimCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        refuse_same_words = not fields.pop("allow_same_words")
        claim = services.claim_create(
            article=article,
            creator=request.user,
            refuse_same_words=refuse_same_words,
            **fields,
        )
        response = _claim_response(request, claim, status.HTTP_201_CREATED)
        response["Location"] = reverse("v1:api-claim-detail", args=[claim.pk])
        return response


def _statuses(value: str) -> list[str]:
    """The statuses a `status=` parameter names; a 400 naming any that is none."""
    named = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [part for part in named if part not in Claim.Status.values]
    if unknown or not named:
        raise drf_exceptions.ValidationError(
            {
                "status": [
                    f"Not a status: {', '.join(unknown) or 'none given'}; the statuses are "
                    f"{', '.join(Claim.Status.values)}."
                ]
            }
        )
    return named


class ClaimDetail(generics.GenericAPIView):
    """GET a claim; PATCH its fields with the version you opened (merged with changes since;
    409 when someone changed the same field)."""

    serializer_class = serializers.ClaimSerializer

    def _claim(self, request, pk):
        return get_object_or_404(queries.claims_for(request.user), pk=pk)

    @extend_schema(
        tags=TAGS,
        summary="A claim's working copy, with its published version",
        responses={200: serializers.ClaimSerializer, **problem_responses(*ACCESS_PROBLEMS)},
    )
    def get(self, request, pk: int):
        return _claim_response(request, self._claim(request, pk))

    @extend_schema(
        tags=TAGS,
        summary="Change a claim's fields, merged with others' changes since you opened it",
        description=(
            "Send `If-Match` with the version you opened (or a `version` field; both, if "
            "they differ, are a 400) and only the fields you changed. A version the claim "
            "never reached is a 412 `no-such-version`. "
            "Changes others made since then to other fields are kept (a three-way merge): "
            "200 with the claim and `merged_fields`, the fields others changed that you did "
            "not send, and `merged_by`, the usernames of who changed them (yours, when it was "
            "you in another window). If someone changed a field you also changed, to another "
            "value: 409 "
            "`edit-conflict` with each such field's base, yours and theirs, and "
            "`current_version`; nothing is saved. Choose per field and send again with "
            '`If-Match: "<current_version>"`. If the claim was published after the version '
            "you opened and your change would reopen it as a draft of a correction: 409 "
            "`published-meanwhile` (its `conflicts` empty), nothing saved; send it again with "
            "`current_version` to save it as a correction."
        ),
        request=serializers.ClaimUpdateSerializer,
        parameters=[IF_MATCH_HEADER],
        responses={
            200: serializers.MergedClaimSerializer,
            (409, CONTENT_TYPE): OpenApiResponse(
                EditConflictProblemSerializer,
                description="You and someone else changed it (`edit-conflict`), or it was "
                "published since you opened it (`published-meanwhile`, `conflicts` empty).",
            ),
            **problem_responses(*WRITE_PROBLEMS),
        },
    )
    def patch(self, request, pk: int):
        claim = self._claim(request, pk)
        data = serializers.ClaimUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        expected = expected_version(request, fields)
        fields.pop("version", None)
        claim = services.claim_update(
            claim=claim, actor=request.user, expected_version=expected, **fields
        )
        return _claim_response(
            request, claim, merged_fields=claim.merged_fields, merged_by=claim.merged_by
        )

    @extend_schema(
        tags=TAGS,
        summary="Delete a claim that was never published",
        parameters=[IF_MATCH_HEADER],
        responses={
            204: OpenApiResponse(description="Deleted."),
            **problem_responses(*WRITE_PROBLEMS),
        },
    )
    def delete(self, request, pk: int):
        claim = self._claim(request, pk)
        expected = expected_version(request, {})
        services.claim_delete(claim=claim, actor=request.user, expected_version=expected)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ClaimAction(generics.GenericAPIView):
    """A POST action on one claim: found through `queries`, input checked by a serializer."""

    serializer_class = serializers.ClaimSerializer
    input_serializer_class: type[drf_serializers.Serializer]

    def claim_and_input(self, request, pk: int) -> tuple[Claim, dict]:
        claim = get_object_or_404(queries.claims_for(request.user), pk=pk)
        data = self.input_serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        return claim, data.validated_data


class ClaimTransition(ClaimAction):
    """POST {"to": "in_review" | "published" | "retracted" | "draft", "note": "..."}.

    Publishing writes a new published version; republishing a claim that was published
    before, and retracting, need a public correction `note` (400 without it).
    """

    input_serializer_class = serializers.ClaimTransitionSerializer

    @_write_schema(
        serializers.ClaimTransitionSerializer,
        "Move a claim through the workflow",
        description=(
            "Send the new status as `to` (or `status`). Publishing writes a new published "
            "version (reviewers and admins only, 403 otherwise); republishing and retracting "
            "need a public correction `note`. A reviewer sending someone else's claim from "
            "review back to draft requests changes: the `note` (required) is internal, kept "
            "as `review_note`, and the creator is notified. Any other move, a first "
            "publication included, refuses a `note` with a 400."
        ),
    )
    def post(self, request, pk: int):
        claim, data = self.claim_and_input(request, pk)
        claim = services.claim_transition(
            claim=claim,
            actor=request.user,
            to_status=data.get("to") or data.get("status"),
            note=data["note"],
            expected_version=expected_version(request, data),
        )
        return _claim_response(request, claim)


class ClaimSources(ClaimAction):
    """POST a source for the claim."""

    input_serializer_class = serializers.SourceCreateSerializer

    @_write_schema(
        serializers.SourceCreateSerializer,
        "Cite a source",
        created=True,
        idempotent=True,
        location=True,
    )
    @idempotent
    def post(self, request, pk: int):
        claim, data = self.claim_and_input(request, pk)
        source = services.source_add(
            claim=claim,
            actor=request.user,
            expected_version=expected_version(request, data),
            **{name: value for name, value in data.items() if name != "version"},
        )
        response = _claim_response(request, claim, status.HTTP_201_CREATED)
        response["Location"] = reverse("v1:api-claim-source-detail", args=[claim.pk, source.pk])
        return response


def _cited_source(request, pk: int, source_pk: int) -> Source:
    """A source of a claim the user may see (404 otherwise)."""
    claim = get_object_or_404(queries.claims_for(request.user), pk=pk)
    return get_object_or_404(claim.sources.select_related("claim__article"), pk=source_pk)


class SourceDetail(generics.GenericAPIView):
    """PATCH a cited source (stance, title, quote...) or DELETE it; answers with the claim."""

    serializer_class = serializers.ClaimSerializer

    def _source(self, request, pk: int, source_pk: int) -> Source:
        return _cited_source(request, pk, source_pk)

    @extend_schema(
        tags=TAGS,
        summary="A cited source",
        description=(
            "The source as the claim's working copy cites it. Its ETag is the claim's "
            "version, the one a PATCH or DELETE of the source sends as If-Match."
        ),
        responses={200: serializers.SourceSerializer, **problem_responses(*ACCESS_PROBLEMS)},
    )
    def get(self, request, pk: int, source_pk: int):
        source = self._source(request, pk, source_pk)
        response = Response(serializers.SourceSerializer(source).data)
        response["ETag"] = f'"{source.claim.version}"'
        return response

    @_write_schema(serializers.SourceUpdateSerializer, "Change a cited source")
    def patch(self, request, pk: int, source_pk: int):
        source = self._source(request, pk, source_pk)
        data = serializers.SourceUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        expected = expected_version(request, fields)
        fields.pop("version", None)
        services.source_update(
            source=source, actor=request.user, expected_version=expected, **fields
        )
        return _claim_response(request, source.claim)

    @_write_schema(None, "Remove a cited source")
    def delete(self, request, pk: int, source_pk: int):
        source = self._source(request, pk, source_pk)
        expected = expected_version(request, {})
        services.source_remove(source=source, actor=request.user, expected_version=expected)
        return _claim_response(request, source.claim)


class SourceFetchSerializer(drf_serializers.Serializer):
    """What asking for a source to be fetched again did, and the source as it now stands."""

    queued = drf_serializers.BooleanField(
        help_text="False when a fetch was already queued or running: nothing new was asked."
    )
    detail = drf_serializers.CharField()
    source = serializers.SourceSerializer()


class SourceFetch(generics.GenericAPIView):
    """POST (no body): fetch a cited source again, to be archived as a new snapshot."""

    serializer_class = SourceFetchSerializer

    @extend_schema(
        tags=TAGS,
        summary="Fetch a cited source again",
        description=(
            "Queues a new fetch of the source; the snapshots taken before are kept. Answers "
            "202 with `queued: true` and the source, now `pending`. While a fetch of it is "
            "already queued or running (a retry waiting included) nothing new is asked: 200 "
            "with `queued: false`. Editors of the claim's organization only. The claim's "
            "version does not change: a fetch describes the page, not what the newsroom says."
        ),
        request=None,
        responses={
            202: SourceFetchSerializer,
            200: SourceFetchSerializer,
            **problem_responses(*ACCESS_PROBLEMS),
        },
    )
    def post(self, request, pk: int, source_pk: int):
        source = _cited_source(request, pk, source_pk)
        result = services.source_fetch_request(source=source, actor=request.user, again=True)
        if result.queued:
            detail = "Fetching the source again; the card shows the outcome when it is done."
        else:
            detail = "A fetch of this source is already queued or running; nothing new was asked."
        data = {
            "queued": result.queued,
            "detail": detail,
            "source": serializers.SourceSerializer(
                result.source, context={"request": request}
            ).data,
        }
        return Response(
            data, status=status.HTTP_202_ACCEPTED if result.queued else status.HTTP_200_OK
        )


class ClaimReattach(ClaimAction):
    """POST a new selection for an orphaned claim."""

    input_serializer_class = serializers.ClaimReattachSerializer

    @_write_schema(serializers.ClaimReattachSerializer, "Anchor an orphaned claim again")
    def post(self, request, pk: int):
        claim, data = self.claim_and_input(request, pk)
        claim = services.claim_reattach(
            claim=claim,
            actor=request.user,
            selectors=data["selectors"],
            expected_version=expected_version(request, data),
        )
        return _claim_response(request, claim)
