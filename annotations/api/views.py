"""The JSON API: thin views that read through `queries`, write through `services`."""

import re
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, status
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.views import exception_handler

from annotations import anchoring, ingest, queries, services
from annotations.api import serializers
from annotations.models import Claim, Organization, Rating, Source


def api_exception_handler(error, context):
    """Map service-layer errors to HTTP: 400 invalid, 403 not allowed, 412 stale version."""
    if isinstance(error, services.StaleVersion):
        claim = queries.workspace_claims(error.claim.article).get(pk=error.claim.pk)
        return Response(
            {
                "detail": str(error),
                "changed_by": error.changed_by,
                "current": serializers.ClaimSerializer(claim).data,
            },
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    if isinstance(error, ingest.IngestError):
        return Response({"detail": error.message}, status=error.status)
    if isinstance(error, RequestDataTooBig):
        return Response({"detail": "The request body is too large."}, status=413)
    if isinstance(error, SuspiciousOperation):
        # Too many fields or files, malformed multipart: the client's fault, said plainly.
        return Response({"detail": f"Refused: {error}"}, status=400)
    if isinstance(error, anchoring.AnchorError):
        error = exceptions.ValidationError({"selectors": [str(error)]})
    elif isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
        error = exceptions.ValidationError(detail)
    elif isinstance(error, DjangoPermissionDenied):
        error = exceptions.PermissionDenied(str(error) or None)
    return exception_handler(error, context)


class PreconditionRequired(exceptions.APIException):
    """428: a write to a claim must say which version of it the client saw."""

    status_code = 428
    default_detail = (
        "Say which version of the claim you are changing: send the If-Match header with the "
        'version number you read (the claim\'s `version`, also its ETag) or a "version" '
        "field. Without it, your change could silently overwrite someone else's."
    )
    default_code = "precondition_required"


_IF_MATCH = re.compile(r'(?:W/)?"?([0-9]{1,10})"?', re.ASCII)


def _expected_version(request, data) -> int:
    """The version the client opened: `If-Match: "3"` or a `version` field.

    Every write to a claim calls this: without either, the answer is 428 Precondition
    Required, so that no client can overwrite a change it has not seen.
    """
    header = request.headers.get("If-Match", "").strip()
    if header:
        match = _IF_MATCH.fullmatch(header)
        if match is None:
            raise exceptions.ValidationError({"If-Match": ["Expected the claim's version number."]})
        return int(match.group(1))
    version = data.get("version")
    if version is None:
        raise PreconditionRequired()
    return version


def _claim_response(claim: Claim, status_code=status.HTTP_200_OK) -> Response:
    claim = queries.workspace_claims(claim.article).get(pk=claim.pk)
    response = Response(serializers.ClaimSerializer(claim).data, status=status_code)
    response["ETag"] = f'"{claim.version}"'
    return response


class ArticleList(generics.ListCreateAPIView):
    """The articles of your organizations, newest first; POST a pasted article."""

    serializer_class = serializers.ArticleSerializer
    filterset_fields = ["status", "organization"]

    def get_queryset(self):
        return queries.articles_for(self.request.user).annotate(claim_count=Count("claims"))

    def create(self, request, *args, **kwargs):
        """Paste (JSON title + text), upload (multipart `file`) or import a URL (`url`)."""
        if not isinstance(request.data, Mapping):
            raise exceptions.ValidationError(
                {"detail": ["Expected an object with the article's fields."]}
            )
        if request.FILES:
            return _import_upload(request, article=None)
        if "url" in request.data:
            data = serializers.ArticleUrlImportSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            organization = _organization_for_writing(
                request.user, data.validated_data.get("organization")
            )
            article = services.article_import_url(
                organization=organization,
                requested_by=request.user,
                url=data.validated_data["url"],
                title=data.validated_data["title"],
            )
            return _article_response(article)
        data = serializers.ArticleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        organization = _organization_for_writing(request.user, fields.pop("organization", None))
        article = services.article_create(
            organization=organization, created_by=request.user, **fields
        )
        return _article_response(article)


def _article_response(article) -> Response:
    """201 for an article ready to annotate; 202 while the worker is still importing it."""
    article.refresh_from_db()
    code = (
        status.HTTP_202_ACCEPTED
        if article.status == article.Status.IMPORTING
        else status.HTTP_201_CREATED
    )
    return Response(serializers.ArticleDetailSerializer(article).data, status=code)


def _import_upload(request, article):
    files = request.FILES.getlist("file")
    if len(files) != 1 or len(request.FILES) != 1:
        raise exceptions.ValidationError({"file": ["Send exactly one file, in the field 'file'."]})
    upload = files[0]
    # Refused before the upload is read into memory.
    ingest.check_size(upload.size, ingest.limits_from_settings())
    fields = serializers.ArticleUploadFieldsSerializer(data=request.data)
    fields.is_valid(raise_exception=True)
    if article is None:
        organization = _organization_for_writing(
            request.user, fields.validated_data["organization"]
        )
    else:
        organization = article.organization
    new_article = services.article_import_upload(
        organization=organization,
        requested_by=request.user,
        data=upload.read(),
        filename=upload.name or "",
        declared_type=upload.content_type or "",
        title=fields.validated_data["title"],
        article=article,
    )
    return _article_response(new_article)


@extend_schema(
    request={"multipart/form-data": serializers.ArticleUploadSerializer},
    responses=serializers.ArticleDetailSerializer,
)
@api_view(["POST"])
def article_reimport(request, pk: int):
    """Upload a new version of the article's document: a new revision, claims re-anchored."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    if not request.FILES:
        raise exceptions.ValidationError({"file": ["Send the new document in the field 'file'."]})
    return _import_upload(request, article=article)


def _organization_for_writing(user, organization_id) -> Organization:
    """The organization named in the request (an id, maybe as form text), or the user's only one."""
    if organization_id in (None, ""):
        organization_id = None
    else:
        try:
            organization_id = int(organization_id)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({"organization": ["Expected an id."]}) from None
    organizations = queries.organizations_of(user)
    if organization_id is None:
        if organizations.count() != 1:
            raise exceptions.ValidationError({"organization": ["Say which organization."]})
        organization = organizations.get()
    else:
        organization = get_object_or_404(organizations, pk=organization_id)
    return organization


class ArticleDetail(generics.RetrieveAPIView):
    """One article with its canonical text."""

    serializer_class = serializers.ArticleDetailSerializer

    def get_queryset(self):
        return queries.articles_for(self.request.user)


@extend_schema(request=serializers.ArticleTextSerializer, responses=dict)
@api_view(["PUT"])
def article_text(request, pk: int):
    """Replace the article's text: a new revision, with every claim re-anchored."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    data = serializers.ArticleTextSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    report = services.article_update_text(
        article=article, actor=request.user, **data.validated_data
    )
    return Response(report.__dict__)


class ArticleClaims(generics.GenericAPIView):
    """GET an article's claims in document order; POST a selection to make it a claim."""

    serializer_class = serializers.ClaimSerializer

    def get(self, request, pk: int):
        article = get_object_or_404(queries.articles_for(request.user), pk=pk)
        claims = queries.workspace_claims(article)
        return Response(serializers.ClaimSerializer(claims, many=True).data)

    def post(self, request, pk: int):
        article = get_object_or_404(queries.articles_for(request.user), pk=pk)
        data = serializers.ClaimCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_create(article=article, creator=request.user, **data.validated_data)
        return _claim_response(claim, status.HTTP_201_CREATED)


class ArticleRatings(generics.GenericAPIView):
    """The verdict scale of the article's organization, best first."""

    serializer_class = serializers.RatingSerializer
    pagination_class = None

    def get(self, request, pk: int):
        article = get_object_or_404(queries.articles_for(request.user), pk=pk)
        ratings = Rating.objects.filter(
            scale__organization=article.organization, scale__is_default=True
        ).select_related("scale")
        return Response(serializers.RatingSerializer(ratings, many=True).data)


class ClaimDetail(generics.GenericAPIView):
    """GET a claim; PATCH its fields with the version you opened (412 if it changed since)."""

    serializer_class = serializers.ClaimSerializer

    def _claim(self, request, pk):
        return get_object_or_404(queries.claims_for(request.user), pk=pk)

    def get(self, request, pk: int):
        return _claim_response(self._claim(request, pk))

    def patch(self, request, pk: int):
        claim = self._claim(request, pk)
        data = serializers.ClaimUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        expected = _expected_version(request, fields)
        fields.pop("version", None)
        claim = services.claim_update(
            claim=claim, actor=request.user, expected_version=expected, **fields
        )
        return _claim_response(claim)


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

    @extend_schema(request=serializers.ClaimTransitionSerializer)
    def post(self, request, pk: int):
        claim, data = self.claim_and_input(request, pk)
        claim = services.claim_transition(
            claim=claim,
            actor=request.user,
            to_status=data["to"],
            note=data["note"],
            expected_version=_expected_version(request, data),
        )
        return _claim_response(claim)


class ClaimSources(ClaimAction):
    """POST a source for the claim."""

    input_serializer_class = serializers.SourceCreateSerializer

    @extend_schema(request=serializers.SourceCreateSerializer)
    def post(self, request, pk: int):
        claim, data = self.claim_and_input(request, pk)
        services.source_add(
            claim=claim,
            actor=request.user,
            expected_version=_expected_version(request, data),
            **{name: value for name, value in data.items() if name != "version"},
        )
        return _claim_response(claim, status.HTTP_201_CREATED)


class SourceDetail(generics.GenericAPIView):
    """PATCH a cited source (stance, title, quote...) or DELETE it; answers with the claim."""

    serializer_class = serializers.ClaimSerializer

    def _source(self, request, pk: int, source_pk: int) -> Source:
        claim = get_object_or_404(queries.claims_for(request.user), pk=pk)
        return get_object_or_404(claim.sources.select_related("claim__article"), pk=source_pk)

    @extend_schema(request=serializers.SourceUpdateSerializer)
    def patch(self, request, pk: int, source_pk: int):
        source = self._source(request, pk, source_pk)
        data = serializers.SourceUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        expected = _expected_version(request, fields)
        fields.pop("version", None)
        services.source_update(
            source=source, actor=request.user, expected_version=expected, **fields
        )
        return _claim_response(source.claim)

    def delete(self, request, pk: int, source_pk: int):
        source = self._source(request, pk, source_pk)
        expected = _expected_version(request, {})
        services.source_remove(source=source, actor=request.user, expected_version=expected)
        return _claim_response(source.claim)


class ClaimReattach(ClaimAction):
    """POST a new selection for an orphaned claim."""

    input_serializer_class = serializers.ClaimReattachSerializer

    @extend_schema(request=serializers.ClaimReattachSerializer)
    def post(self, request, pk: int):
        claim, data = self.claim_and_input(request, pk)
        claim = services.claim_reattach(
            claim=claim,
            actor=request.user,
            selectors=data["selectors"],
            expected_version=_expected_version(request, data),
        )
        return _claim_response(claim)
