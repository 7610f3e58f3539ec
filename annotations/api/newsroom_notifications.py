"""Newsroom API for the signed-in member's notifications: list and mark read."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings

from annotations import notifications, queries, services
from annotations.api.errors import problem_responses
from annotations.api.fields import IdField, StrictBooleanField
from annotations.api.filters import refuse_repeated_parameters, refuse_unknown_parameters
from annotations.api.newsroom_serializers import RefusesUnknownFields
from annotations.api.pagination import NewsroomPagePagination
from annotations.models import Notification

TAGS = ["Newsroom"]


class NotificationPages(NewsroomPagePagination):
    """Numbered pages of 100, newest first: a page holds what one list held before paging,
    and `next` reaches the older ones."""

    page_size = 100

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["unread_count"] = queries.unread_notification_count(self.request.user)
        return response


class NotificationSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    link = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Notification
        fields = [
            "id", "kind", "kind_label", "message", "actor", "organization", "claim",
            "comment", "article", "link", "created_at", "read_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_actor(self, notification) -> str | None:
        return notification.actor.get_username() if notification.actor else None

    def get_link(self, notification) -> str:
        """The claim's card in its article's workspace; for news of an article's new text,
        the page listing what it changes."""
        return notifications.claim_link(notification)


class MarkReadSerializer(RefusesUnknownFields, serializers.Serializer):
    ids = serializers.ListField(child=IdField(), required=False, max_length=1000)
    # "yes" marked every notification read: only true or false are taken.
    all = StrictBooleanField(required=False, default=False)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("ids") and not attrs.get("all"):
            raise serializers.ValidationError({"ids": ['Send "ids" or "all": true.']})
        if attrs.get("ids") and attrs.get("all"):
            # Which was meant? Marking every one read when a few were named, or the reverse,
            # would be a guess.
            raise serializers.ValidationError({"all": ['Send "ids" or "all": true, not both.']})
        return attrs


# `?unread=` as it may be written; anything else ("maybe", "yes") is a 400, not "all".
UNREAD_VALUES = {"1": True, "true": True, "0": False, "false": False}


class NotificationList(generics.GenericAPIView):
    """GET your notifications, newest first, in pages; `?unread=1` for the unread ones only."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationPages

    @extend_schema(
        tags=TAGS,
        summary="Your notifications, newest first",
        parameters=[
            OpenApiParameter(
                "unread", bool, description="Only the unread ones: 1 or true (0 or false: all)."
            ),
            OpenApiParameter(
                "page",
                {"type": "integer", "minimum": 1},
                description="A page number from 1 (or `last`).",
            ),
        ],
        responses={
            200: inline_serializer(
                "NotificationList",
                {
                    "count": serializers.IntegerField(),
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "unread_count": serializers.IntegerField(),
                    "results": NotificationSerializer(many=True),
                },
            ),
            **problem_responses(400, 401, 403, 404),
        },
    )
    def get(self, request):
        known = {"unread", "page", api_settings.URL_FORMAT_OVERRIDE}
        refuse_unknown_parameters(request, known, of="this list")
        refuse_repeated_parameters(request, known)
        raw = request.query_params.get("unread", "0")
        if raw not in UNREAD_VALUES:
            raise exceptions.ValidationError({"unread": ["1 or true, 0 or false."]})
        rows = queries.notifications_for(request.user, unread=UNREAD_VALUES[raw])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)


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
