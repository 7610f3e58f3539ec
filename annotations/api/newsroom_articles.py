"""Newsroom API for articles: list, create (paste, upload, URL), details, text and its preview,
re-import, a failed import run again or its article deleted, ratings."""

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotations import ingest, queries, services
from annotations.api import newsroom_serializers as serializers
from annotations.api.errors import (
    CONTENT_TYPE,
    AlreadyImportedProblemSerializer,
    StaleDetailsProblemSerializer,
    problem_responses,
)
from annotations.api.fields import RevisionField, StrictCharField
from annotations.api.filters import NewsroomArticleFilter
from annotations.api.idempotency import IDEMPOTENCY_KEY_HEADER, idempotent
from annotations.api.permissions import TokenScope
from annotations.api.preconditions import PreconditionRequired
from annotations.api.schema import created_location
from annotations.models import (
    CONCLUSION_MAX,
    NOTE_MAX,
    ArticleImport,
    Organization,
    require_no_direction_override,
)
from annotations.rendering import markdown_to_safe_html

TAGS = ["Newsroom: articles"]
ACCESS_PROBLEMS = (401, 403, 404)
# What an import may be refused for: bad fields, too large, a type no extractor reads.
IMPORT_PROBLEMS = (400, *ACCESS_PROBLEMS, 413, 415)
ARTICLE_CREATED = {
    201: serializers.ArticleDetailSerializer,
    202: serializers.ArticleDetailSerializer,
}


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="The articles of your organizations, newest first",
        responses={
            200: serializers.ArticleSerializer(many=True),
            **problem_responses(400, 401, 403),
        },
    ),
    post=extend_schema(
        tags=TAGS,
        summary="Add an article: paste its text, upload a document or import a URL",
        description=(
            "JSON `{title, text}` adds a pasted article (201). JSON `{url}` or a multipart "
            "`file` starts an import: 202 while the worker extracts the text (poll the "
            "article until its `status` is `ready` or `failed`), 201 when it was done at once. "
            "`organization` is needed only by members of several organizations. A `url` that "
            "is already an article with claims is a 409 `already-imported` naming it in "
            "`article`, unless `revise_existing` is true."
        ),
        request={
            "application/json": PolymorphicProxySerializer(
                component_name="NewArticle",
                serializers=[
                    serializers.ArticleCreateSerializer,
                    serializers.ArticleUrlImportSerializer,
                ],
                resource_type_field_name=None,
            ),
            "multipart/form-data": serializers.ArticleUploadSerializer,
        },
        parameters=[created_location(201, 202), IDEMPOTENCY_KEY_HEADER],
        responses={
            **ARTICLE_CREATED,
            **problem_responses(*IMPORT_PROBLEMS, 422),
            (409, CONTENT_TYPE): OpenApiResponse(
                AlreadyImportedProblemSerializer,
                description="`already-imported`: the `url` is an article with claims.",
            ),
        },
    ),
)
class ArticleList(generics.ListCreateAPIView):
    """The articles of your organizations, newest first; POST a pasted article."""

    serializer_class = serializers.ArticleSerializer
    filterset_class = NewsroomArticleFilter

    def get_queryset(self):
        return queries.articles_for(self.request.user).annotate(claim_count=Count("claims"))

    @idempotent
    def create(self, request, *args, **kwargs):
        """Paste (JSON title + text), upload (multipart `file`) or import a URL (`url`)."""
        if not isinstance(request.data, Mapping):
            raise exceptions.ParseError("Expected a JSON object with the article's fields.")
        # One way in per request: a pasted text sent beside a URL must not be silently dropped.
        ways = [name for name in ("text", "url") if name in request.data]
        ways += ["file"] if request.FILES else []
        if len(ways) > 1:
            raise exceptions.ValidationError(
                {ways[-1]: [f"Send one of text, file or url, not {' and '.join(ways)}."]}
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
                revise_existing=data.validated_data["revise_existing"],
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
    """201 for an article ready to annotate; 202 while the worker is still importing it,
    or importing its page again (an address that is an article here already): until then
    the text is the earlier one, which a client trusting 201 would read as the new."""
    article.refresh_from_db()
    newest = queries.latest_import(article)
    importing = article.status == article.Status.IMPORTING or (
        newest is not None and newest.state == ArticleImport.State.PENDING
    )
    code = status.HTTP_202_ACCEPTED if importing else status.HTTP_201_CREATED
    response = Response(serializers.ArticleDetailSerializer(article).data, status=code)
    # Where the new article is, for 201 and 202 alike (RFC 9110: a 201 names what it made).
    response["Location"] = reverse("v1:api-article-detail", args=[article.pk])
    return response


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
    tags=TAGS,
    summary="Upload a new version of the article's document",
    request={"multipart/form-data": serializers.ArticleUploadSerializer},
    parameters=[created_location(201, 202)],
    responses={**ARTICLE_CREATED, **problem_responses(*IMPORT_PROBLEMS)},
)
@api_view(["POST"])
def article_reimport(request, pk: int):
    """Upload a new version of the article's document: a new revision, claims re-anchored."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    if not request.FILES:
        raise exceptions.ValidationError({"file": ["Send the new document in the field 'file'."]})
    return _import_upload(request, article=article)


def _organization_for_writing(user, reference: int | str | None) -> Organization:
    """The organization the request names (by id or slug), or the user's only one."""
    organizations = queries.organizations_of(user)
    if reference in (None, ""):
        count = organizations.count()
        if count == 0:
            # Told to name one, a former member had no organization to name (a removed
            # member's own token still signs them in).
            raise exceptions.PermissionDenied(
                "You are a member of no organization: articles can be added only to an "
                "organization you are a member of."
            )
        if count != 1:
            raise exceptions.ValidationError(
                {"organization": ["Say which organization: its id or slug."]}
            )
        return organizations.get()
    by = {"pk": reference} if isinstance(reference, int) else {"slug": reference}
    organization = organizations.filter(**by).first()
    if organization is None:
        raise exceptions.NotFound(
            "Not one of your organizations: articles can be added only to an organization "
            "you are a member of."
        )
    return organization


def _details_if_match(request) -> str:
    """The details tag an If-Match names (`"<details_tag>"`, weak or not); 428 without one.

    Required, as for every claim write: a change of the details reopens every published
    claim on the article, and one sent without it overwrote another's change unseen (API
    trial D3).
    """
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired(
            "Say which details you are changing: send the If-Match header with the article's "
            "`details_tag` (also its ETag). Without it, your change could silently overwrite "
            "someone else's."
        )
    tag = header.removeprefix("W/").strip('"')
    if not tag or tag == "*":
        raise exceptions.ValidationError({"If-Match": ["Expected the article's details_tag."]})
    return tag


class ArticleDetail(generics.GenericAPIView):
    """GET one article with its canonical text; PATCH its title and metadata."""

    serializer_class = serializers.ArticleDetailSerializer

    def get_queryset(self):
        return queries.articles_for(self.request.user)

    @extend_schema(
        tags=TAGS,
        summary="One article with its canonical text",
        responses={200: serializers.ArticleDetailSerializer, **problem_responses(*ACCESS_PROBLEMS)},
    )
    def get(self, request, pk: int):
        return self._answer(self.get_object())

    def _answer(self, article) -> Response:
        response = Response(self.get_serializer(article).data)
        response["ETag"] = f'"{article.details_tag}"'
        return response

    @extend_schema(
        tags=TAGS,
        summary="Change an article's title and metadata (its text changes through text/)",
        description=(
            "Readers, the embed and the public API keep the title, byline, publisher, date "
            "and URL each fact-check was published with. A change to any of them reopens "
            "every published claim of the article as a draft of a correction (its history "
            "says why); a reviewer republishes each to make the new details public. The "
            "language is not published: it applies at once."
        ),
        request=serializers.ArticleDetailsUpdateSerializer,
        parameters=[
            OpenApiParameter(
                name="If-Match",
                location=OpenApiParameter.HEADER,
                required=True,
                type=str,
                description=(
                    'The `details_tag` you read (the ETag, e.g. `"3f2a…"`): the change is '
                    "made only if nobody changed the details since, else 412 with them as "
                    "they are now. Without it, the answer is 428."
                ),
            )
        ],
        responses={
            200: serializers.ArticleDetailSerializer,
            **problem_responses(400, *ACCESS_PROBLEMS, 428),
            (412, CONTENT_TYPE): OpenApiResponse(
                StaleDetailsProblemSerializer, description="The details changed since."
            ),
        },
    )
    def patch(self, request, pk: int):
        article = self.get_object()
        data = serializers.ArticleDetailsUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        article = services.article_update_details(
            article=article,
            actor=request.user,
            expected_tag=_details_if_match(request),
            **data.validated_data,
        )
        return self._answer(article)

    @extend_schema(
        tags=TAGS,
        summary="Delete an article whose import failed before it had any text",
        description=(
            "Only such an article, which holds no text, claim or anything readers saw, can "
            "be deleted; any other answers 409."
        ),
        responses={204: None, **problem_responses(*ACCESS_PROBLEMS, 409)},
    )
    def delete(self, request, pk: int):
        article = self.get_object()
        try:
            services.article_discard(article=article, actor=request.user)
        except DjangoValidationError as error:
            raise StateConflict(" ".join(error.messages)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class StateConflict(exceptions.APIException):
    """409: the article is not in a state this request applies to."""

    status_code = 409
    default_code = "conflict"


class DetailsRepublishSerializer(drf_serializers.Serializer):
    note = StrictCharField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="The public correction note of every claim republished, e.g. why the "
        "details changed. Required unless the details were put back as readers saw them.",
    )


class DetailsRepublishedSerializer(drf_serializers.Serializer):
    published = drf_serializers.ListField(
        child=drf_serializers.IntegerField(), help_text="The ids of the claims republished."
    )
    left = drf_serializers.ListField(
        child=drf_serializers.DictField(),
        help_text="Claims left as they were, each `{id, reason}`: the two-person rule refused "
        "it, or it changed in more than the article's details since it was published.",
    )


class DetailsCheckedSerializer(drf_serializers.Serializer):
    checked = drf_serializers.ListField(
        child=drf_serializers.IntegerField(),
        help_text="The ids of the claims whose change of details was checked.",
    )


@extend_schema(
    tags=TAGS,
    summary="Republish the claims a change of the article's details alone reopened",
    description=(
        "For reviewers: each claim a change of the article's details reopened, whose working "
        "copy differs from its published version only in those details (title, byline, "
        "publisher, date, URL), is published again with `note`; one whose details were put "
        "back is published again as it was (when all were, `note` may be left out). The "
        "two-person rule applies to each; a claim it "
        "refuses, or one changed otherwise too, is left as it was, with the reason."
    ),
    request=DetailsRepublishSerializer,
    responses={200: DetailsRepublishedSerializer, **problem_responses(400, *ACCESS_PROBLEMS)},
)
@api_view(["POST"])
def article_details_republish(request, pk: int):
    """Republish the claims a change of the article's details alone reopened."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    data = DetailsRepublishSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    report = services.article_details_republish(
        article=article, actor=request.user, note=data.validated_data["note"]
    )
    return Response(
        {
            "published": [claim.pk for claim in report.published],
            "left": [{"id": claim.pk, "reason": reason} for claim, reason in report.left],
        }
    )


@extend_schema(
    tags=TAGS,
    summary="Check the article's changed details, as the second person of the two-person rule",
    description=(
        "For a newsroom that requires two people: a member other than the author of a change "
        "of the article's details says they read the new details and found them right. Each "
        "claim the change reopened whose latest change is someone else's gets the check in "
        "its history, and a reviewer (the change's author too) may then republish them "
        "(`republish-details/`). `If-Match` names the `details_tag` read: 412 with the "
        "article as it is now if the details changed since. 400 when there is nothing for "
        "this member to check."
    ),
    request=None,
    parameters=[
        OpenApiParameter(
            name="If-Match",
            location=OpenApiParameter.HEADER,
            required=True,
            type=str,
            description='The `details_tag` of the details you checked (the ETag, e.g. `"3f2a…"`).',
        )
    ],
    responses={
        200: DetailsCheckedSerializer,
        **problem_responses(400, *ACCESS_PROBLEMS, 428),
        (412, CONTENT_TYPE): OpenApiResponse(
            StaleDetailsProblemSerializer, description="The details changed since."
        ),
    },
)
@api_view(["POST"])
def article_details_check(request, pk: int):
    """Check the article's changed details, as the second person of the two-person rule."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    tag = _details_if_match(request)
    checked = services.article_details_check(article=article, actor=request.user, expected_tag=tag)
    return Response({"checked": [claim.pk for claim in checked]})


class TextShownRequestSerializer(serializers.RefusesUnknownFields, drf_serializers.Serializer):
    revision = RevisionField(
        required=True,
        help_text="The number of the newest revision you read: if a newer one was saved "
        "since, the answer is 409 and readers see nothing new.",
    )


class TextShownSerializer(drf_serializers.Serializer):
    revision = drf_serializers.IntegerField(help_text="The revision readers now see.")


@extend_schema(
    tags=TAGS,
    summary="Show readers the article's new text, as the second person of the two-person rule",
    description=(
        "A text saved while published verdicts stand on the article waits, in a newsroom "
        "that requires two people, for a second person before readers see it (the "
        "article's `text_waiting`); no verdict on the article is published "
        "meanwhile. A member other than the author of the newest revision (a reviewer or admin "
        "when an editor wrote it) shows it: the "
        "published verdicts move onto the new text, and any whose words changed are hidden "
        "until republished. 403 for that author; 409 `edit-conflict` when a newer revision "
        "was saved since the one named. Answers 200 with the revision readers see, also "
        "when it was shown already."
    ),
    request=TextShownRequestSerializer,
    responses={200: TextShownSerializer, **problem_responses(400, *ACCESS_PROBLEMS, 409)},
)
@api_view(["POST"])
def article_text_publish(request, pk: int):
    """Show readers the article's new text, as the second person of the two-person rule."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    data = TextShownRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    shown = services.article_text_publish(
        article=article, actor=request.user, revision=data.validated_data["revision"]
    )
    return Response({"revision": shown.number})


@extend_schema(
    tags=TAGS,
    summary="Run the article's failed import again",
    description=(
        "Its address is fetched anew, or its file read again. 202 with the article, which "
        "shows as importing until the worker is done (follow `latest_import`); 409 when the "
        "newest import of the article did not fail."
    ),
    request=None,
    responses={
        202: serializers.ArticleDetailSerializer,
        **problem_responses(*ACCESS_PROBLEMS, 409),
    },
)
@api_view(["POST"])
def article_import_again(request, pk: int):
    """Run the article's failed import again."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    try:
        services.import_again(article=article, actor=request.user)
    except DjangoValidationError as error:
        raise StateConflict(" ".join(error.messages)) from None
    article.refresh_from_db()
    return Response(
        serializers.ArticleDetailSerializer(article).data, status=status.HTTP_202_ACCEPTED
    )


@extend_schema(
    tags=TAGS,
    summary="Replace the article's text: a new revision, every claim re-anchored",
    request=serializers.ArticleTextSerializer,
    responses={
        200: serializers.ReanchorReportSerializer,
        **problem_responses(400, *ACCESS_PROBLEMS, 409, 413),
    },
)
@api_view(["PUT"])
def article_text(request, pk: int):
    """Replace the article's text: a new revision, with every claim re-anchored."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    data = serializers.ArticleTextSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    report = services.article_update_text(
        article=article, actor=request.user, **data.validated_data
    )
    return Response(serializers.ReanchorReportSerializer(report).data)


class ArticleRatings(generics.GenericAPIView):
    """The verdict scale of the article's organization, best first."""

    serializer_class = serializers.RatingSerializer
    pagination_class = None

    @extend_schema(
        tags=TAGS,
        summary="The verdicts a claim on this article may get, best first",
        responses={
            200: serializers.RatingSerializer(many=True),
            **problem_responses(*ACCESS_PROBLEMS),
        },
    )
    def get(self, request, pk: int):
        article = get_object_or_404(queries.articles_for(request.user), pk=pk)
        # Hidden ratings are not offered, unless a claim on this article already has one.
        ratings = queries.ratings_offered(article)
        return Response(serializers.RatingSerializer(ratings, many=True).data)


class TextPreviewRequestSerializer(serializers.ArticleTextSerializer):
    """The text an editor is about to save."""

    reason = None


class PreviewClaimSerializer(drf_serializers.Serializer):
    id = drf_serializers.IntegerField()
    exact = drf_serializers.CharField(help_text="The claim's words in the current text.")
    status = drf_serializers.CharField()
    to_review = drf_serializers.BooleanField(
        help_text="A published claim that saving would send back to review."
    )


class PreviewMovedSerializer(PreviewClaimSerializer):
    new_exact = drf_serializers.CharField(help_text="Its words in the new text.")
    changed = drf_serializers.BooleanField(help_text="Whether the words themselves change.")
    framed = drf_serializers.BooleanField(
        help_text="Its words stay, but words beside its published verdict change (in its "
        "paragraph or the last sentence of the one before): read them before saving."
    )
    start = drf_serializers.IntegerField()
    end = drf_serializers.IntegerField()


class PreviewOrphanSerializer(PreviewClaimSerializer):
    reason = drf_serializers.CharField(help_text="Why its words are not found in the new text.")


class TextPreviewSerializer(drf_serializers.Serializer):
    """What saving the text would do to the claims; nothing was saved."""

    identical = drf_serializers.BooleanField(help_text="The new text is the current one.")
    unchanged = drf_serializers.IntegerField(help_text="Claims whose passage stays where it is.")
    moved = PreviewMovedSerializer(many=True)
    orphaned = PreviewOrphanSerializer(many=True)
    waits = drf_serializers.BooleanField(
        help_text="Saving it would leave readers on the text they see now, with its verdicts, "
        "until another member shows them the new one (`POST show-text/`): published "
        "verdicts stand on the article and the newsroom requires a second person."
    )
    changes_beside_verdicts = drf_serializers.SerializerMethodField(
        help_text="How many places (nearby changes together) of the text readers see change "
        "beside a published verdict: in its paragraph or the last sentence of the one before. "
        "Words put before a rated sentence change what readers take it to say."
    )

    def get_changes_beside_verdicts(self, preview) -> int:
        return len(preview.near_verdicts)


@extend_schema(
    tags=TAGS,
    summary="Preview a text edit: which claims would move and which would become orphans",
    description=(
        "A dry run of `PUT text/`: the claims are re-anchored on the new text as saving "
        "would, and nothing is written."
    ),
    request=TextPreviewRequestSerializer,
    responses={200: TextPreviewSerializer, **problem_responses(400, *ACCESS_PROBLEMS, 413)},
)
@api_view(["POST"])
def article_text_preview(request, pk: int):
    """What saving this text would do to the article's claims, without saving it."""
    article = get_object_or_404(queries.articles_for(request.user), pk=pk)
    data = TextPreviewRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    preview = services.article_text_preview(
        article=article, actor=request.user, text=data.validated_data["text"]
    )
    return Response(TextPreviewSerializer(preview).data)


class ConclusionPreviewRequestSerializer(drf_serializers.Serializer):
    # Trimmed and checked as saving the claim does: an indented first line would otherwise
    # preview as code, and a direction override preview as if it could be saved.
    conclusion = StrictCharField(
        max_length=CONCLUSION_MAX,
        allow_blank=True,
        validators=[require_no_direction_override],
        help_text="A claim's conclusion as typed, in Markdown.",
    )


class ConclusionPreviewSerializer(drf_serializers.Serializer):
    conclusion_html = drf_serializers.CharField(
        help_text="The conclusion as readers would see it: sanitised HTML, as published."
    )


@extend_schema(
    tags=TAGS,
    summary="Render a conclusion as readers would see it, without saving it",
    description=(
        "The workspace's preview while an editor types: the Markdown goes through the same "
        "rendering and sanitising as a published conclusion. Nothing is written."
    ),
    request=ConclusionPreviewRequestSerializer,
    responses={200: ConclusionPreviewSerializer, **problem_responses(400, *ACCESS_PROBLEMS)},
)
@api_view(["POST"])
# Not SameUserAsThePage: a preview saves nothing under anyone's name, so a page left open
# after another account signed in keeps previewing (as that account may), and the refusal
# is said once, by the Save that would write.
@permission_classes([IsAuthenticated, TokenScope])
def article_conclusion_preview(request, pk: int):
    """A typed conclusion rendered as readers would see it, for a member of the article's
    organization (the preview is tied to an article so that only its editors may ask)."""
    get_object_or_404(queries.articles_for(request.user), pk=pk)
    data = ConclusionPreviewRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    html = markdown_to_safe_html(data.validated_data["conclusion"])
    return Response(ConclusionPreviewSerializer({"conclusion_html": html}).data)
