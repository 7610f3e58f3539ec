"""Newsroom API for the signed-in member's notifications: list and mark read."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response

from annotations import notifications, queries, services
from annotations.api.errors import problem_responses
from annotations.api.fields import IdField
from annotations.models import Notification

TAGS = ["Newsroom"]
# The list answers the newest this many.
LIST_LENGTH = 100


class NotificationSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    link = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id", "kind", "kind_label", "message", "actor", "organization", "claim",
            "comment", "link", "created_at", "read_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_actor(self, notification) -> str | None:
        return notification.actor.get_username() if notification.actor else None

    def get_link(self, notification) -> str:
        """The claim's card in its article's workspace."""
        return notifications.claim_link(notification)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=IdField(), required=False, max_length=1000)
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not attrs.get("ids") and not attrs.get("all"):
            raise serializers.ValidationError({"ids": ['Send "ids" or "all": true.']})
        return attrs


class NotificationList(generics.GenericAPIView):
    """GET your notifications, newest first; `?unread=1` for the unread ones only."""

    serializer_class = NotificationSerializer
    pagination_class = None

    @extend_schema(
        tags=TAGS,
        summary="Your notifications, newest first",
        parameters=[
            OpenApiParameter("unread", bool, description="Only the unread ones (1 or true).")
        ],
        responses={
            200: inline_serializer(
                "NotificationList",
                {
                    "unread_count": serializers.IntegerField(),
                    "results": NotificationSerializer(many=True),
                },
            ),
            **problem_responses(401, 403),
        },
    )
    def get(self, request):
        unread = request.query_params.get("unread", "") in ("1", "true")
        rows = queries.notifications_for(request.user, unread=unread)[:LIST_LENGTH]
        return Response(
            {
                "unread_count": queries.unread_notification_count(request.user),
                "results": NotificationSerializer(rows, many=True).data,
            }
        )


class NotificationsRead(generics.GenericAPIView):
    """POST {"ids": [...]} or {"all": true}: mark your notifications read."""

    serializer_class = MarkReadSerializer

    @extend_schema(
        tags=TAGS,
        summary="Mark notifications read",
        request=MarkReadSerializer,
        responses={
            200: inline_serializer(
                "NotificationsRead",
                {"marked": serializers.IntegerField(), "unread_count": serializers.IntegerField()},
            ),
            **problem_responses(400, 401, 403),
        },
    )
    def post(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            actor=request.user,
            ids=data.validated_data.get("ids"),
            every=data.validated_data["all"],
        )
        return Response(
            {"marked": marked, "unread_count": queries.unread_notification_count(request.user)}
        )
