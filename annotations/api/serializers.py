"""Serializers: validate API input and present rows as JSON."""

from django.contrib.auth import get_user_model
from rest_framework import serializers

from annotations.models import Article, Claim, ClaimEvent, Rating, Source
from annotations.rendering import markdown_to_safe_html


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class RatingSerializer(serializers.ModelSerializer):
    worst_value = serializers.IntegerField(source="scale.worst_value", read_only=True)
    best_value = serializers.IntegerField(source="scale.best_value", read_only=True)

    class Meta:
        model = Rating
        fields = ["id", "label", "value", "worst_value", "best_value", "colour", "description"]


class SourceSerializer(serializers.ModelSerializer):
    added_by = UserRefSerializer(read_only=True)

    class Meta:
        model = Source
        fields = [
            "id", "url", "title", "publisher", "quote", "stance", "added_by", "created_at",
            "fetch_state", "fetch_error", "http_status", "final_url", "content_type",
            "fetched_at", "archive_url",
        ]  # fmt: skip
        read_only_fields = fields


class SourceCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    quote = serializers.CharField(required=False, allow_blank=True, default="")
    stance = serializers.ChoiceField(choices=Source.Stance.choices, default=Source.Stance.CONTEXT)


class ClaimEventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ClaimEvent
        fields = ["id", "action", "actor", "changes", "created_at"]


class ClaimSerializer(serializers.ModelSerializer):
    selectors = serializers.ListField(read_only=True)
    rating = RatingSerializer(read_only=True)
    conclusion_html = serializers.SerializerMethodField()
    creator = UserRefSerializer(read_only=True)
    reviewer = UserRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    sources = SourceSerializer(many=True, read_only=True)
    history = ClaimEventSerializer(source="events", many=True, read_only=True)
    revision_number = serializers.IntegerField(source="revision.number", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "article", "revision", "revision_number", "selectors", "exact", "prefix",
            "suffix", "start", "end",
            "claim_reviewed", "claimant", "claim_date", "rating", "conclusion", "conclusion_html",
            "correction_note", "status", "anchor_state", "orphan_reason", "creator", "reviewer",
            "assignee", "tags", "sources", "history", "published_at", "created_at", "updated_at",
            "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_conclusion_html(self, claim) -> str:
        return markdown_to_safe_html(claim.conclusion)


class RatingBadgeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "label", "value", "colour"]


class ClaimSummarySerializer(serializers.ModelSerializer):
    """What the workspace needs to draw highlights and closed cards; details load on opening."""

    rating = RatingBadgeSerializer(read_only=True)
    source_count = serializers.IntegerField(read_only=True)
    revision_number = serializers.IntegerField(source="revision.number", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "start", "end", "exact", "claim_reviewed", "status", "anchor_state",
            "orphan_reason", "rating", "version", "source_count", "revision_number",
        ]  # fmt: skip
        read_only_fields = fields


class SelectorField(serializers.ListField):
    """A list of W3C selector dicts; the anchoring engine checks their shape."""

    child = serializers.DictField()
    min_length = 1
    max_length = 4


class ClaimCreateSerializer(serializers.Serializer):
    selectors = SelectorField()
    claim_reviewed = serializers.CharField(required=False, allow_blank=True, default="")
    claimant = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    claim_date = serializers.DateField(required=False, allow_null=True, default=None)


class ClaimReattachSerializer(serializers.Serializer):
    selectors = SelectorField()
    version = serializers.IntegerField(required=False)


class ClaimUpdateSerializer(serializers.Serializer):
    """Editable fields; `version` is the version the editor opened (or send If-Match)."""

    version = serializers.IntegerField(required=False)
    claim_reviewed = serializers.CharField(required=False)
    claimant = serializers.CharField(max_length=300, required=False, allow_blank=True)
    claim_date = serializers.DateField(required=False, allow_null=True)
    rating = serializers.PrimaryKeyRelatedField(
        queryset=Rating.objects.select_related("scale"), required=False, allow_null=True
    )
    conclusion = serializers.CharField(required=False, allow_blank=True)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(), required=False, allow_null=True
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=20
    )


class ClaimTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Claim.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)


class ArticleSerializer(serializers.ModelSerializer):
    claim_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Article
        fields = [
            "id", "organization", "title", "byline", "publisher", "canonical_url",
            "published_on", "language", "status", "import_error", "created_at", "updated_at",
            "claim_count",
        ]  # fmt: skip
        read_only_fields = fields


class ArticleDetailSerializer(ArticleSerializer):
    revision = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text", "revision"]
        read_only_fields = fields

    def get_revision(self, article) -> int | None:
        return article.revisions.order_by("-number").values_list("number", flat=True).first()


class ArticleCreateSerializer(serializers.Serializer):
    """A pasted article: title and text, the rest optional."""

    organization = serializers.IntegerField(required=False)
    title = serializers.CharField(max_length=500)
    text = serializers.CharField(max_length=2_000_000, trim_whitespace=False)
    byline = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    canonical_url = serializers.URLField(
        max_length=2000, required=False, allow_blank=True, default=""
    )
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    language = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class ArticleUploadSerializer(serializers.Serializer):
    """A document upload (multipart): the API reads the file itself, under the ingest limits."""

    file = serializers.FileField()
    title = serializers.CharField(max_length=500, required=False, allow_blank=True)
    organization = serializers.IntegerField(required=False)


class ArticleUrlImportSerializer(serializers.Serializer):
    organization = serializers.IntegerField(required=False)
    url = serializers.CharField(max_length=2000)
    title = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ArticleTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2_000_000, trim_whitespace=False)
    reason = serializers.CharField(max_length=200, required=False, default="text edited")
