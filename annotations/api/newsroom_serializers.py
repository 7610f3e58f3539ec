"""Serializers of the newsroom API: validate what members send, present working copies."""

import re
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import dateformat, timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations import history, jobs, models, queries, services, versions
from annotations.api.fields import (
    ArticleTextField,
    OrganizationRefField,
    RevisionField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictListField,
    StrictPrimaryKeyRelatedField,
    VersionField,
    WebAddressField,
)
from annotations.models import (
    ARTICLE_TEXT_MAX,
    Article,
    ArticleImport,
    Claim,
    PublishedVersion,
    Rating,
    Source,
)
from annotations.rendering import markdown_to_safe_html
from annotations.services.claims import (
    TextHistory,
    article_details_hold,
    publish_readiness,
)

# Figures as the anchoring compares them: digits with their separators ("160,000", "22.8").
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class RefusesUnknownFields:
    """A write whose body names a field this endpoint does not take is refused, not read
    without it: a misspelt field ("revison") would otherwise be dropped in silence, and the
    client would believe what it sent was used."""

    unknown_field_message = "Not a field here."

    def validate(self, attrs):
        attrs = super().validate(attrs)
        data = getattr(self, "initial_data", None)
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else []
        if unknown:
            raise serializers.ValidationError(
                {name: [self.unknown_field_message] for name in unknown[:20]}
            )
        return attrs


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class RatingSerializer(serializers.ModelSerializer):
    worst_value = serializers.IntegerField(source="scale.worst_value", read_only=True)
    best_value = serializers.IntegerField(source="scale.best_value", read_only=True)

    class Meta:
        model = Rating
        fields = [
            "id", "label", "value", "worst_value", "best_value", "colour", "description",
            "is_hidden",
        ]  # fmt: skip
        extra_kwargs = {"is_hidden": {"help_text": "Kept on claims that have it; not offered."}}


class PublishedRatingSerializer(serializers.Serializer):
    """A published version's rating as readers see it: frozen with the version, so it may
    differ from the scale's rating since renamed, recoloured or revalued."""

    id = serializers.IntegerField(source="pk", read_only=True)
    label = serializers.CharField(read_only=True)
    value = serializers.IntegerField(read_only=True, allow_null=True)
    worst_value = serializers.IntegerField(source="scale.worst_value", read_only=True)
    best_value = serializers.IntegerField(source="scale.best_value", read_only=True)
    colour = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)


class SnapshotRefSerializer(serializers.Serializer):
    fetched_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="Download of the WARC record (members only).")
    sha256 = serializers.CharField()
    http_status = serializers.IntegerField()


class SourceSerializer(serializers.ModelSerializer):
    added_by = UserRefSerializer(read_only=True)
    snapshot = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "id", "url", "title", "publisher", "quote", "stance", "added_by", "created_at",
            "fetch_state", "fetch_error", "http_status", "final_url", "content_type",
            "fetched_at", "archive_url", "snapshot", "link_state", "link_checked_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(SnapshotRefSerializer(allow_null=True))
    def get_snapshot(self, source) -> dict | None:
        # The newest snapshot: what the newsroom keeps of the page (issue 10, evidence).
        # `queries.workspace_claims` prefetches them; other callers pay one query.
        if hasattr(source, "snapshots_newest_first"):
            snapshot = next(
                (s for s in source.snapshots_newest_first if s.requested_url == source.url), None
            )
        else:
            snapshot = (
                source.snapshots_of_cited_page()
                .only("pk", "fetched_at", "sha256", "http_status", "source_id")
                .first()
            )
        if snapshot is None:
            return None
        return {
            "fetched_at": snapshot.fetched_at,
            "url": reverse("snapshot-warc", args=[snapshot.pk]),
            "sha256": snapshot.sha256,
            "http_status": snapshot.http_status,
        }


class SourceCreateSerializer(RefusesUnknownFields, serializers.Serializer):
    url = WebAddressField(max_length=2000)
    title = StrictCharField(
        max_length=models.TITLE_MAX, required=False, allow_blank=True, default=""
    )
    publisher = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    quote = StrictCharField(
        max_length=models.QUOTE_MAX, required=False, allow_blank=True, default=""
    )
    stance = StrictChoiceField(choices=Source.Stance.choices, default=Source.Stance.CONTEXT)
    version = VersionField()


class SourceUpdateSerializer(RefusesUnknownFields, serializers.Serializer):
    """A change to a cited source; send only the fields that change."""

    url = WebAddressField(max_length=2000, required=False)
    title = StrictCharField(max_length=models.TITLE_MAX, required=False, allow_blank=True)
    publisher = StrictCharField(max_length=200, required=False, allow_blank=True)
    quote = StrictCharField(max_length=models.QUOTE_MAX, required=False, allow_blank=True)
    stance = StrictChoiceField(choices=Source.Stance.choices, required=False)
    version = VersionField()


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()
    diff = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        required=False,
        help_text='Text fields only: [["equal"|"insert"|"delete", "text"], ...].',
    )


class HistoryEntrySerializer(serializers.Serializer):
    """One entry of a claim's history, as a sentence a newsroom reads."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(help_text="The username, or 'system'.")
    action = serializers.CharField()
    sentence = serializers.CharField(
        help_text='E.g. "Rating changed from Mostly true to True by rita, 2 Dec 10:14".'
    )
    changes = HistoryChangeSerializer(many=True)


class ChecklistItemSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=[
            "rating", "conclusion", "source", "sources_loaded", "second_person",
            "article_details",
        ]
    )  # fmt: skip
    label = serializers.CharField()
    met = serializers.BooleanField()
    advisory = serializers.BooleanField(
        required=False,
        help_text="Present and true on an item that asks for a look without stopping the "
        "publication (a cited page that did not load).",
    )
    detail = serializers.CharField()


class PublishedVersionSerializer(serializers.ModelSerializer):
    """A claim's published version as the workspace shows it beside the working copy."""

    rating = PublishedRatingSerializer(source="verdict", read_only=True)
    conclusion_html = serializers.SerializerMethodField()
    published_by = UserRefSerializer(read_only=True, allow_null=True)
    revision_number = serializers.IntegerField(source="revision.number", read_only=True)

    class Meta:
        model = PublishedVersion
        fields = [
            "number", "kind", "is_anchored", "claim_reviewed", "claimant", "claim_date",
            "rating", "conclusion", "conclusion_html", "tags", "sources", "exact", "start",
            "end", "revision_number", "correction_note", "correction", "published_by",
            "published_at",
        ]  # fmt: skip
        read_only_fields = fields

    correction = serializers.SerializerMethodField()

    def get_conclusion_html(self, version) -> str:
        return markdown_to_safe_html(version.conclusion)

    def get_correction(self, version) -> str:
        """The public line readers see: "3 Dec 2026: rating changed from … because …"."""
        if not version.correction_note:
            return ""
        earlier = self.context.get("earlier_versions")
        if earlier is not None:
            previous = next((v for v in earlier if v.number < version.number), None)
        else:
            previous = (
                PublishedVersion.objects.filter(
                    claim_id=version.claim_id, number__lt=version.number
                )
                .select_related("rating", "revision")
                .order_by("-number")
                .first()
            )
        changes = []
        if previous is not None and version.kind == PublishedVersion.Kind.PUBLISHED:
            changes = versions.changes_between(
                versions.version_snapshot(previous), versions.version_snapshot(version)
            )
        return versions.correction_line(
            kind=version.kind,
            when=timezone.localtime(version.published_at),
            note=version.correction_note,
            changes=changes,
        )


class ClaimSerializer(serializers.ModelSerializer):
    """A claim's working copy, with its current published version and how they differ."""

    selectors = serializers.ListField(read_only=True)
    rating = RatingSerializer(read_only=True)
    conclusion_html = serializers.SerializerMethodField()
    creator = UserRefSerializer(read_only=True)
    reviewer = UserRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    sources = SourceSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()
    # The article's revision *number*, as everywhere else in the API (the article's
    # `revision`, a new claim's `revision`), never the revision row's id.
    revision = serializers.IntegerField(
        source="revision.number",
        read_only=True,
        help_text="The number of the article revision whose text the claim is anchored in, "
        "as in the article's `revision`.",
    )
    revision_number = serializers.IntegerField(
        source="revision.number", read_only=True, help_text="Same as `revision`."
    )
    published_version = serializers.SerializerMethodField()
    has_unpublished_changes = serializers.SerializerMethodField()
    unpublished_changes = serializers.SerializerMethodField()
    wording_warning = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    viewer_can_publish = serializers.SerializerMethodField()
    publish_blocked_reason = serializers.SerializerMethodField()
    comment_count = serializers.SerializerMethodField()
    open_thread_count = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id", "article", "revision", "revision_number", "selectors", "exact", "prefix",
            "suffix", "start", "end",
            "claim_reviewed", "claimant", "claim_date", "rating", "conclusion", "conclusion_html",
            "correction_note", "status", "anchor_state", "orphan_reason", "creator", "reviewer",
            "assignee", "tags", "sources", "history", "published_at", "created_at", "updated_at",
            "version", "published_version", "has_unpublished_changes", "unpublished_changes",
            "wording_warning", "checklist", "viewer_can_publish", "publish_blocked_reason",
            "review_note", "changes_requested_at", "comment_count", "open_thread_count",
        ]  # fmt: skip
        read_only_fields = fields

    def get_conclusion_html(self, claim) -> str:
        return markdown_to_safe_html(claim.conclusion)

    @extend_schema_field(HistoryEntrySerializer(many=True))
    def get_history(self, claim) -> list[dict]:
        """The claim's history as sentences, newest first."""
        events = sorted(claim.events.all(), key=lambda event: (event.created_at, event.id))
        return [
            history.entry(
                event,
                actor=event.actor.get_username() if event.actor else "system",
                when=dateformat.format(timezone.localtime(event.created_at), "j M H:i"),
            )
            for event in reversed(events)
        ]

    def _readiness(self, claim) -> dict:
        cache = self.context.setdefault("_readiness", {})
        if claim.pk not in cache:
            request = self.context.get("request")
            viewer = getattr(request, "user", None) or AnonymousUser()
            cache[claim.pk] = publish_readiness(
                claim,
                viewer,
                details_hold=self._details_hold(claim),
                history=self._text_history(claim),
            )
        return cache[claim.pk]

    def _text_history(self, claim) -> TextHistory | None:
        """Who saved each revision of the claim's article and what it changed, read once per
        article for all its cards; None, read when needed, without the two-person rule."""
        if not claim.article.organization.requires_two_person_review:
            return None
        cache = self.context.setdefault("_text_history", {})
        if claim.article_id not in cache:
            cache[claim.article_id] = TextHistory(claim.article_id)
        return cache[claim.article_id]

    def _details_hold(self, claim):
        """Why the claim's publication waits for its article's changed details or text (see
        `article_details_hold`), the hold read once per article for all its cards, and
        only for a claim in review (the one Publish is offered for)."""
        if claim.status != Claim.Status.IN_REVIEW:
            return None
        cache = self.context.setdefault("_details_hold", {})
        if claim.article_id not in cache:
            cache[claim.article_id] = article_details_hold(claim.article)
        return cache[claim.article_id]

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, claim) -> list[dict]:
        return self._readiness(claim)["checklist"]

    def get_viewer_can_publish(self, claim) -> bool:
        return self._readiness(claim)["viewer_can_publish"]

    def get_publish_blocked_reason(self, claim) -> str:
        return self._readiness(claim)["publish_blocked_reason"]

    def get_comment_count(self, claim) -> int:
        """Comments not deleted; `queries.workspace_claims` counts them in its query."""
        if hasattr(claim, "live_comment_count"):
            return claim.live_comment_count
        return claim.comments.filter(deleted_at__isnull=True).count()

    def get_open_thread_count(self, claim) -> int:
        """Threads (first comments) not resolved."""
        if hasattr(claim, "open_threads"):
            return claim.open_threads
        return claim.comments.filter(
            parent__isnull=True, resolved_at__isnull=True, deleted_at__isnull=True
        ).count()

    def get_wording_warning(self, claim) -> str:
        """Advice (not a refusal) on the wording readers see: a number the quoted words no
        longer give (the article was corrected, the claim re-attached), or more characters
        than ClaimReview recommends."""
        advice = []
        quoted = set(_NUMBER.findall(claim.exact))
        stale = [n for n in dict.fromkeys(_NUMBER.findall(claim.claim_reviewed)) if n not in quoted]
        if stale and claim.claim_reviewed != claim.exact:
            given = ", ".join(sorted(quoted, key=claim.exact.index)) or "no number"
            advice.append(
                f"The wording gives {', '.join(stale)}, which the quoted words do not (they "
                f"give {given}): check the wording before it is published."
            )
        length = len(claim.claim_reviewed)
        if length > models.CLAIM_WORDING_ADVISED:
            advice.append(
                f"The wording has {length} characters; ClaimReview advises at most "
                f"{models.CLAIM_WORDING_ADVISED}, and search results may cut it short."
            )
        return " ".join(advice)

    def _current_version(self, claim) -> PublishedVersion | None:
        # `queries.workspace_claims` prefetches it; other callers pay one query.
        if hasattr(claim, "current_versions"):
            return claim.current_versions[0] if claim.current_versions else None
        return claim.published_versions.filter(is_current=True).first()

    @extend_schema_field(PublishedVersionSerializer(allow_null=True))
    def get_published_version(self, claim) -> dict | None:
        version = self._current_version(claim)
        if version is None:
            return None
        # Prefetched by `queries.workspace_claims`, so its correction line needs no query.
        context = {"earlier_versions": getattr(claim, "earlier_versions", None)}
        return PublishedVersionSerializer(version, context=context).data

    def get_has_unpublished_changes(self, claim) -> bool:
        """Whether readers would see something else if the working copy were published now."""
        return bool(self.get_unpublished_changes(claim))

    def get_unpublished_changes(self, claim) -> list[str]:
        version = self._current_version(claim)
        if version is None:
            return []
        before = versions.version_snapshot(version)
        changes = versions.changes_between(before, versions.claim_snapshot(claim))
        if version.kind == PublishedVersion.Kind.RETRACTED or not version.is_anchored:
            # Readers see nothing of it now; republishing would show it again.
            return changes or ["not shown to readers until republished"]
        return changes


class MergedClaimSerializer(ClaimSerializer):
    """A claim after a merged save: `merged_fields` others changed that you did not send."""

    merged_fields = serializers.ListField(child=serializers.CharField(), read_only=True)
    merged_by = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Usernames of who changed `merged_fields` (yours: another window of yours); "
        '"system" for a change no member made.',
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "merged_fields", "merged_by"]
        read_only_fields = fields


class RatingBadgeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["id", "label", "value", "colour"]


class ClaimSummarySerializer(serializers.ModelSerializer):
    """What the workspace needs to draw highlights and closed cards; details load on opening."""

    rating = RatingBadgeSerializer(read_only=True)
    source_count = serializers.IntegerField(read_only=True)
    revision_number = serializers.IntegerField(source="revision.number", read_only=True)
    published_number = serializers.IntegerField(read_only=True, allow_null=True, default=None)
    published_kind = serializers.CharField(read_only=True, allow_null=True, default=None)
    published_is_anchored = serializers.BooleanField(read_only=True, allow_null=True, default=None)
    published_rating_label = serializers.CharField(read_only=True, allow_null=True, default=None)
    published_rating_colour = serializers.CharField(read_only=True, allow_null=True, default=None)

    class Meta:
        model = Claim
        fields = [
            "id", "start", "end", "exact", "claim_reviewed", "status", "anchor_state",
            "orphan_reason", "rating", "version", "source_count", "revision_number",
            "published_number", "published_kind", "published_is_anchored",
            "published_rating_label", "published_rating_colour",
        ]  # fmt: skip
        read_only_fields = fields


# A selected passage may be long, but not a whole book; its context a sentence or two.
SELECTION_MAX = 20_000
SELECTION_CONTEXT_MAX = 1_000


# The W3C selectors a client sends for a passage, as OpenAPI describes them.
SELECTORS_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": 4,
    "description": (
        "W3C Web Annotation selectors for the passage, offsets in Unicode code points of "
        "the article's current text: a TextQuoteSelector, a TextPositionSelector, or both."
    ),
    "items": {
        "oneOf": [
            {
                "type": "object",
                "title": "TextQuoteSelector",
                "properties": {
                    "type": {"type": "string", "enum": ["TextQuoteSelector"]},
                    "exact": {"type": "string", "maxLength": SELECTION_MAX},
                    "prefix": {"type": "string", "maxLength": SELECTION_CONTEXT_MAX},
                    "suffix": {"type": "string", "maxLength": SELECTION_CONTEXT_MAX},
                },
                "required": ["type", "exact"],
            },
            {
                "type": "object",
                "title": "TextPositionSelector",
                "properties": {
                    "type": {"type": "string", "enum": ["TextPositionSelector"]},
                    "start": {"type": "integer", "minimum": 0},
                    "end": {"type": "integer", "minimum": 1},
                },
                "required": ["type", "start", "end"],
            },
        ]
    },
    "example": [
        {"type": "TextQuoteSelector", "exact": "160,000 people", "prefix": "Over ", "suffix": ""},
        {"type": "TextPositionSelector", "start": 5, "end": 19},
    ],
}


@extend_schema_field(SELECTORS_SCHEMA)
class SelectorField(serializers.ListField):
    """A list of W3C selector objects with text and whole-number values.

    The anchoring engine checks the selectors against the text; this refuses what no
    selector can be first: nested values, huge quotes, and an empty position span.
    """

    child = serializers.DictField()
    min_length = 1
    max_length = 4
    default_error_messages = {
        "not_a_list": "Expected a list of selector objects.",
        "nested": "Selector values are text or numbers, not lists or objects.",
        "quote_too_long": "At most {max_length:,} characters for '{part}'; this has {length:,}.",
        "empty_span": "A selection must not be empty: start must come before end.",
    }

    def to_internal_value(self, data):
        selectors = super().to_internal_value(data)
        for selector in selectors:
            if any(isinstance(value, list | dict) for value in selector.values()):
                self.fail("nested")
            for key, limit in (
                ("exact", SELECTION_MAX),
                ("prefix", SELECTION_CONTEXT_MAX),
                ("suffix", SELECTION_CONTEXT_MAX),
            ):
                value = selector.get(key)
                if isinstance(value, str) and len(value) > limit:
                    self.fail("quote_too_long", max_length=limit, part=key, length=len(value))
            start, end = selector.get("start"), selector.get("end")
            if (
                selector.get("type") == "TextPositionSelector"
                and isinstance(start, int)
                and isinstance(end, int)
                and start >= end
            ):
                self.fail("empty_span")
        return selectors


class ClaimCreateSerializer(RefusesUnknownFields, serializers.Serializer):
    selectors = SelectorField()
    claim_reviewed = StrictCharField(
        max_length=models.CLAIM_WORDING_MAX, required=False, allow_blank=True, default=""
    )
    claimant = StrictCharField(max_length=300, required=False, allow_blank=True, default="")
    claim_date = StrictDateField(required=False, allow_null=True, default=None)
    revision = RevisionField(
        help_text=(
            "The revision of the text the selection was made on. If the article has a newer "
            "one, the selection is followed into it; if its words are gone or changed, the "
            "answer is 400 and nothing is made. Without it, the selectors must match the "
            "current text."
        ),
    )
    allow_same_words = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Make the claim although a claim (not retracted) has exactly these words. "
            "Without it, that is a 409 `already-claimed` naming the claim, and nothing is made."
        ),
    )


class ClaimReattachSerializer(RefusesUnknownFields, serializers.Serializer):
    selectors = SelectorField()
    version = VersionField()


class ClaimUpdateSerializer(RefusesUnknownFields, serializers.Serializer):
    """Editable fields; `version` is the version the editor opened (or send If-Match)."""

    # A field that can't be changed here (status, creator, selectors) is refused rather than
    # ignored, so a client never believes a change was made.
    unknown_field_message = "Not editable here."

    version = VersionField()
    claim_reviewed = StrictCharField(max_length=models.CLAIM_WORDING_MAX, required=False)
    claimant = StrictCharField(max_length=300, required=False, allow_blank=True)
    claim_date = StrictDateField(required=False, allow_null=True)
    # An id of no row says what the service says of another organization's row, so that the
    # answer tells no caller which ids exist elsewhere.
    rating = StrictPrimaryKeyRelatedField(
        queryset=Rating.objects.select_related("scale"),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": services.NOT_OUR_RATING},
    )
    conclusion = StrictCharField(max_length=models.CONCLUSION_MAX, required=False, allow_blank=True)
    assignee = StrictPrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
        error_messages={"does_not_exist": services.NOT_A_MEMBER},
    )
    tags = StrictListField(
        # Only the type is checked here: the model says what is wrong with a tag, naming
        # it, where this list's validation would say "tags[1]".
        child=StrictCharField(),
        required=False,
        max_length=models.TAGS_MAX,
    )


class ClaimTransitionSerializer(RefusesUnknownFields, serializers.Serializer):
    # No default: "" is no status, and the schema's default must be one of its choices.
    to = StrictChoiceField(choices=Claim.Status.choices, required=False)
    status = StrictChoiceField(
        choices=Claim.Status.choices, required=False, help_text="Same as `to`."
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("to") and not attrs.get("status"):
            raise serializers.ValidationError({"to": ["Say which status the claim moves to."]})
        if attrs.get("to") and attrs.get("status") and attrs["to"] != attrs["status"]:
            raise serializers.ValidationError({"status": ["Differs from `to`: send one."]})
        return attrs

    note = StrictCharField(max_length=models.NOTE_MAX, required=False, allow_blank=True, default="")
    version = VersionField()


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


class ImportRetrySerializer(serializers.Serializer):
    failed_attempts = serializers.IntegerField(help_text="Attempts that failed so far.")
    max_attempts = serializers.IntegerField(help_text="Attempts made before giving up.")
    reason = serializers.CharField(help_text="Why the last failed attempt failed.")
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="When the next attempt starts; null while it runs."
    )


class LatestImportSerializer(serializers.ModelSerializer):
    retry = serializers.SerializerMethodField(
        help_text="While a pending import waits to try again after a failed attempt (the "
        "page did not answer, say), what failed and when it tries again; null otherwise."
    )

    waiting_for_worker = serializers.SerializerMethodField(
        help_text=f"Whether the pending import was sent over {jobs.WORKER_PICKUP_SECONDS} s ago "
        "and no worker has started it: workers are stopped, or busy with other jobs."
    )

    class Meta:
        model = ArticleImport
        fields = [
            "id", "kind", "state", "error", "created_at", "finished_at", "retry",
            "waiting_for_worker",
        ]  # fmt: skip
        read_only_fields = fields

    def get_waiting_for_worker(self, article_import) -> bool:
        if article_import.state != ArticleImport.State.PENDING:
            return False
        return jobs.waiting_for_worker(queries.import_jobs_in_flight(article_import))

    @extend_schema_field(ImportRetrySerializer(allow_null=True))
    def get_retry(self, article_import) -> dict | None:
        if article_import.state != ArticleImport.State.PENDING:
            return None
        status = jobs.retry_status(queries.import_job(article_import))
        return ImportRetrySerializer(status).data if status else None


class TextWaitingSerializer(serializers.Serializer):
    shown = serializers.IntegerField(help_text="The revision readers see.")
    newest = serializers.IntegerField(help_text="The revision waiting for a second look.")
    by = serializers.ListField(
        child=serializers.CharField(), help_text="Who made the revisions readers have not seen."
    )


class ArticleDetailSerializer(ArticleSerializer):
    """One article with its text and latest revision number (the list's claim count aside)."""

    revision = serializers.SerializerMethodField()
    latest_import = serializers.SerializerMethodField(
        help_text="The newest import of this article (upload or URL): a re-import of a ready "
        "article runs while the article stays ready, so follow its `state` here."
    )
    details_tag = serializers.SerializerMethodField(
        help_text="The details as they are now, also the ETag: send it as If-Match with a "
        "PATCH to change them only if nobody has since (else 412)."
    )
    text_waiting = serializers.SerializerMethodField(
        help_text="When the newest text waits for a second person before readers see it: "
        "the revision readers see (`shown`), the one waiting (`newest`) and who changed it "
        "(`by`); null when readers see the newest. A member other than the newest "
        "revision's author (a reviewer or admin when an editor wrote it) shows it with "
        "`show-text/`."
    )

    class Meta(ArticleSerializer.Meta):
        fields = [
            *(name for name in ArticleSerializer.Meta.fields if name != "claim_count"),
            "text",
            "revision",
            "latest_import",
            "details_tag",
            "text_waiting",
        ]
        read_only_fields = fields

    def get_revision(self, article) -> int | None:
        return article.latest_revision_number()

    @extend_schema_field(TextWaitingSerializer(allow_null=True))
    def get_text_waiting(self, article) -> dict | None:
        waiting = queries.article_text_waiting(article)
        if waiting is None:
            return None
        return {"shown": waiting.shown.number, "newest": waiting.newest.number, "by": waiting.names}

    def get_details_tag(self, article) -> str:
        return article.details_tag

    @extend_schema_field(LatestImportSerializer(allow_null=True))
    def get_latest_import(self, article) -> dict | None:
        newest = queries.latest_import(article)
        return LatestImportSerializer(newest).data if newest else None


def require_some_text(value: str) -> None:
    """Refuse an article text with nothing to read, with the request's other field checks
    (the service refuses it too, once canonicalised, but only after they all pass)."""
    # `is_visible` stops at the first letter: no second pass over two megabytes.
    if not models.is_visible(value):
        raise serializers.ValidationError("The article has no text.")


class ArticleCreateSerializer(RefusesUnknownFields, serializers.Serializer):
    """A pasted article: title and text, the rest optional."""

    organization = OrganizationRefField(required=False)
    title = StrictCharField(
        max_length=models.TITLE_MAX, validators=models.article_detail_checks("title")
    )
    text = ArticleTextField(
        max_length=ARTICLE_TEXT_MAX, trim_whitespace=False, validators=[require_some_text]
    )
    byline = StrictCharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        validators=models.article_detail_checks("byline"),
    )
    publisher = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        validators=models.article_detail_checks("publisher"),
    )
    canonical_url = WebAddressField(max_length=2000, required=False, allow_blank=True, default="")
    published_on = StrictDateField(
        required=False,
        allow_null=True,
        default=None,
        validators=models.article_detail_checks("published_on"),
    )
    language = StrictCharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        validators=models.article_detail_checks("language"),
    )


class ArticleDetailsUpdateSerializer(RefusesUnknownFields, serializers.Serializer):
    """A change to an article's title and metadata; its text changes through `text/` only."""

    unknown_field_message = "Not editable here."

    title = StrictCharField(
        max_length=models.TITLE_MAX,
        required=False,
        validators=models.article_detail_checks("title"),
    )
    byline = StrictCharField(
        max_length=300,
        required=False,
        allow_blank=True,
        validators=models.article_detail_checks("byline"),
    )
    publisher = StrictCharField(
        max_length=200,
        required=False,
        allow_blank=True,
        validators=models.article_detail_checks("publisher"),
    )
    canonical_url = WebAddressField(max_length=2000, required=False, allow_blank=True)
    published_on = StrictDateField(
        required=False, allow_null=True, validators=models.article_detail_checks("published_on")
    )
    language = StrictCharField(
        max_length=20,
        required=False,
        allow_blank=True,
        validators=models.article_detail_checks("language"),
    )


class ReanchorReportSerializer(serializers.Serializer):
    """What replacing an article's text did to its claims."""

    moved = serializers.IntegerField(help_text="Claims found again at another place.")
    unchanged = serializers.IntegerField(help_text="Claims whose passage did not move.")
    orphaned = serializers.IntegerField(help_text="Claims whose passage is gone.")
    sent_to_review = serializers.IntegerField(help_text="Published claims sent back to review.")
    deferred = serializers.BooleanField(help_text="Re-anchoring continues in the background.")
    restored = serializers.IntegerField(
        help_text="Orphaned claims whose very words the new text has again, anchored again."
    )
    waits = serializers.BooleanField(
        help_text="The new text waits for a second look: readers keep the text they see, and "
        "its verdicts, until another member shows it (`POST show-text/`)."
    )


class ArticleUploadFieldsSerializer(serializers.Serializer):
    """The form fields sent with an uploaded document."""

    title = StrictCharField(
        max_length=models.TITLE_MAX,
        required=False,
        allow_blank=True,
        default="",
        validators=models.article_detail_checks("title"),
    )
    organization = OrganizationRefField(required=False, allow_null=True, default=None)


class ArticleUploadSerializer(ArticleUploadFieldsSerializer):
    """A document upload (multipart): the API reads the file itself, under the ingest limits."""

    file = serializers.FileField()


class ArticleUrlImportSerializer(RefusesUnknownFields, serializers.Serializer):
    """Import a web page by its address; the worker fetches it."""

    organization = OrganizationRefField(required=False)
    url = StrictCharField(max_length=2000)
    title = StrictCharField(
        max_length=models.TITLE_MAX,
        required=False,
        allow_blank=True,
        default="",
        validators=models.article_detail_checks("title"),
    )
    revise_existing = StrictBooleanField(
        required=False,
        default=False,
        help_text=(
            "If the page is already an article of the organization with claims (by its "
            "address, or found after the fetch by its canonical link or redirects), replace "
            "that article's text with the page: a new revision, claims re-anchored, published "
            "verdicts whose words changed back to review. Without it such an address is a 409 "
            "`already-imported` naming the article, or an import that fails saying so."
        ),
    )


class ArticleTextSerializer(RefusesUnknownFields, serializers.Serializer):
    text = ArticleTextField(max_length=ARTICLE_TEXT_MAX, trim_whitespace=False)
    reason = StrictCharField(max_length=200, required=False, default="text edited")
    base_revision = RevisionField(
        help_text=(
            "The revision number your text was edited from. If someone saved a newer one "
            "since, the answer is 409 and nothing changes; without it, the text replaces "
            "whatever is current."
        ),
    )
