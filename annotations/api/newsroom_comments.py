"""Newsroom API for comments on claims: threads, replies, edits, resolving. Members only."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from annotations import queries, services
from annotations.api.errors import problem_responses
from annotations.api.fields import IdField, StrictCharField
from annotations.api.idempotency import IDEMPOTENCY_KEY_HEADER, idempotent
from annotations.models import Comment
from annotations.services.comments import COMMENT_MAX

TAGS = ["Newsroom: claims"]
ACCESS_PROBLEMS = (401, 403, 404)


class CommentAuthorSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()


class CommentSerializer(serializers.ModelSerializer):
    """A comment as the claim card shows it; a deleted one keeps its place without words."""

    author = serializers.SerializerMethodField()
    deleted = serializers.SerializerMethodField()
    resolved_by = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id", "parent", "author", "body", "body_html", "mentions", "created_at",
            "edited_at", "deleted", "resolved_at", "resolved_by", "can_edit",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CommentAuthorSerializer(allow_null=True))
    def get_author(self, comment) -> dict | None:
        user = comment.author
        if user is None:
            return None
        return {"username": user.get_username(), "name": user.get_full_name()}

    def get_deleted(self, comment) -> bool:
        return comment.deleted_at is not None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_resolved_by(self, comment) -> str | None:
        return comment.resolved_by.get_username() if comment.resolved_by else None

    def get_can_edit(self, comment) -> bool:
        request = self.context.get("request")
        return (
            request is not None
            and comment.deleted_at is None
            and comment.author_id == request.user.pk
        )


class CommentCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=COMMENT_MAX)
    parent = IdField(required=False, allow_null=True, default=None)


class CommentUpdateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=COMMENT_MAX)


class CommentResolveSerializer(serializers.Serializer):
    resolved = serializers.BooleanField(default=True)


def _claim(request, pk: int):
    return get_object_or_404(queries.claims_for(request.user), pk=pk)


def _comment(request, pk: int, comment_pk: int) -> Comment:
    return get_object_or_404(queries.claim_comments(_claim(request, pk)), pk=comment_pk)


def _answer(request, comment: Comment, status_code=status.HTTP_200_OK) -> Response:
    comment = queries.claim_comments(comment.claim).get(pk=comment.pk)
    return Response(CommentSerializer(comment, context={"request": request}).data, status_code)


class ClaimComments(generics.GenericAPIView):
    """GET a claim's comments, oldest first; POST a comment or a reply (`parent`)."""

    serializer_class = CommentSerializer
    pagination_class = None

    @extend_schema(
        tags=TAGS,
        summary="A claim's comments, oldest first (internal: never public)",
        responses={200: CommentSerializer(many=True), **problem_responses(*ACCESS_PROBLEMS)},
    )
    def get(self, request, pk: int):
        comments = queries.claim_comments(_claim(request, pk))
        return Response(CommentSerializer(comments, many=True, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        summary="Comment on a claim, or reply in a thread",
        description=(
            "Markdown, sanitised. `@username` mentions of the organization's members notify "
            "them. A reply to a reply joins the first comment's thread. A reply to a deleted "
            "comment, or in a thread whose first comment was deleted, is refused: 400 with "
            "`errors.parent`."
        ),
        request=CommentCreateSerializer,
        parameters=[IDEMPOTENCY_KEY_HEADER],
        responses={201: CommentSerializer, **problem_responses(400, *ACCESS_PROBLEMS, 409, 422)},
    )
    @idempotent
    def post(self, request, pk: int):
        claim = _claim(request, pk)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        if data.validated_data["parent"] is not None:
            parent = queries.claim_comments(claim).filter(pk=data.validated_data["parent"]).first()
            if parent is None:
                raise serializers.ValidationError({"parent": ["No such comment on this claim."]})
        comment = services.comment_create(
            claim=claim, actor=request.user, body=data.validated_data["body"], parent=parent
        )
        return _answer(request, comment, status.HTTP_201_CREATED)


class CommentDetail(generics.GenericAPIView):
    """PATCH your own comment's body; DELETE it (its place in the thread stays)."""

    serializer_class = CommentSerializer

    @extend_schema(
        tags=TAGS,
        summary="Change your own comment",
        request=CommentUpdateSerializer,
        responses={200: CommentSerializer, **problem_responses(400, *ACCESS_PROBLEMS)},
    )
    def patch(self, request, pk: int, comment_pk: int):
        comment = _comment(request, pk, comment_pk)
        data = CommentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_update(
            comment=comment, actor=request.user, body=data.validated_data["body"]
        )
        return _answer(request, comment)

    @extend_schema(
        tags=TAGS,
        summary="Delete your own comment",
        responses={
            204: OpenApiResponse(description="Deleted."),
            **problem_responses(*ACCESS_PROBLEMS),
        },
    )
    def delete(self, request, pk: int, comment_pk: int):
        services.comment_delete(comment=_comment(request, pk, comment_pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentResolve(generics.GenericAPIView):
    """POST {"resolved": true|false}: resolve the comment's thread, or open it again."""

    serializer_class = CommentSerializer

    @extend_schema(
        tags=TAGS,
        summary="Resolve a thread (or open it again)",
        request=CommentResolveSerializer,
        responses={200: CommentSerializer, **problem_responses(400, *ACCESS_PROBLEMS)},
    )
    def post(self, request, pk: int, comment_pk: int):
        comment = _comment(request, pk, comment_pk)
        data = CommentResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        thread = services.comment_resolve(
            comment=comment, actor=request.user, resolved=data.validated_data["resolved"]
        )
        return _answer(request, thread)
