"""Newsroom API for claim-spotting suggestions: list an article's, accept or dismiss one."""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response

from annotations import jobs, queries, services, spotting
from annotations.api.errors import problem_responses
from annotations.models import Article, Claim, Job, Suggestion

TAGS = ["Newsroom: suggestions"]
ACCESS_PROBLEMS = (401, 403, 404)


class SuggestionSerializer(serializers.ModelSerializer):
    probability = serializers.SerializerMethodField(
        help_text="The score mapped to 0..1; the panel shows those at or above `threshold`."
    )

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "start",
            "end",
            "sentence",
            "score",
            "probability",
            "has_number",
            "state",
            "claim",
            "covered_by",
            "decided_at",
            "model_version",
        ]
        extra_kwargs = {
            "start": {"help_text": "Code points into the article's current text."},
            "end": {"help_text": "Exclusive."},
            "claim": {"help_text": "The draft claim an accept made."},
        }

    covered_by = serializers.SerializerMethodField(
        help_text="A claim already on this sentence or part of it (made by hand, or from "
        "another suggestion), else null: the panel does not offer such a sentence again. "
        "Given in the list; null in the answer to a decision."
    )

    def get_covered_by(self, suggestion) -> int | None:
        return getattr(suggestion, "covered_by", None)

    def get_probability(self, suggestion) -> float:
        return round(spotting.probability(suggestion.score), 4)


class SuggestionListSerializer(serializers.Serializer):
    article = serializers.IntegerField()
    revision = serializers.IntegerField(
        allow_null=True, help_text="The revision of the text whose code points the offsets count."
    )
    pending = serializers.BooleanField(
        help_text="Whether suggestions are still to come: the text is being scored, or imported."
    )
    importing = serializers.BooleanField(
        help_text="Whether the article's text is still being imported (it is scored after)."
    )
    waiting_for_worker = serializers.BooleanField(
        help_text=f"Whether the scoring was sent over {jobs.WORKER_PICKUP_SECONDS} s ago and no "
        "worker has started it: suggestions come once one does."
    )
    threshold = serializers.FloatField()
    stored_limit = serializers.IntegerField(
        help_text="At most this many of an article's sentences are suggested, its highest "
        "scored: a long article may have more worth checking."
    )
    cut_at_limit = serializers.BooleanField(
        help_text="Whether the article's last scoring found more sentences worth suggesting "
        "than `stored_limit`: the list holds the best of them."
    )
    suggestions = SuggestionSerializer(many=True)


class SuggestionActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["accept", "dismiss", "restore"],
        help_text="`restore` takes back a dismissal: the sentence is suggested again.",
    )
    start = serializers.IntegerField(
        required=False, min_value=0, help_text="Accept only a part of the sentence: from here…"
    )
    end = serializers.IntegerField(required=False, min_value=1, help_text="…to here (exclusive).")
    exact = serializers.CharField(
        required=False,
        trim_whitespace=False,
        max_length=20000,
        help_text=(
            "The words of the part accepted. With them, offsets into an older text are not "
            "trusted: the words are found in the sentence, or the answer is a 409."
        ),
    )

    def validate(self, data):
        if ("start" in data) != ("end" in data):
            raise serializers.ValidationError({"end": "Send both start and end, or neither."})
        return data


class TextChanged(exceptions.APIException):
    """The article's text changed under the editor's selection, or someone else accepted
    the suggestion as a claim on other words."""

    status_code = 409
    default_code = "conflict"


class Gone(exceptions.NotFound):
    """Scoring the article's new text removed the suggestion while this request waited."""

    default_detail = (
        "This suggestion is gone: the article's new text was scored meanwhile. Load the list again."
    )


class SuggestionResultSerializer(serializers.Serializer):
    suggestion = SuggestionSerializer()
    claim = serializers.IntegerField(allow_null=True, help_text="The new draft claim's id.")


def suggestions_data(article) -> dict:
    """The article's stored suggestions still found in its text, in document order.

    Until the text of a new revision is scored, a sentence that only moved is listed at
    its new place; one edited away, or now there twice, is left out.
    """
    text = article.text
    stored = list(article.suggestions.order_by("start", "id"))
    copies = Counter(row.sentence_key for row in stored)
    rows = []
    for row in stored:
        at = spotting.find_sentence(
            text, row.sentence, row.start, repeated=copies[row.sentence_key] > 1
        )
        if at is not None:
            row.start, row.end = at, at + len(row.sentence)
            rows.append(row)
    rows.sort(key=lambda row: (row.start, row.pk))
    spans = list(
        article.claims.exclude(anchor_state=Claim.AnchorState.ORPHANED).values_list(
            "pk", "start", "end"
        )
    )
    for row in rows:
        row.covered_by = next(
            (
                pk
                for pk, start, end in spans
                if start < row.end and end > row.start and pk != row.claim_id
            ),
            None,
        )
    importing = article.status == Article.Status.IMPORTING
    scoring = Job.objects.about("spot", article.pk).in_flight()
    waiting = jobs.waiting_for_worker(scoring)
    return {
        "article": article.pk,
        "revision": article.latest_revision_number(),
        "pending": importing or scoring.exists(),
        "importing": importing,
        "waiting_for_worker": waiting,
        "threshold": settings.FACTCHECK_SPOTTING_SHOW_THRESHOLD,
        "stored_limit": settings.FACTCHECK_SPOTTING_MAX_STORED,
        "cut_at_limit": article.suggestions_cut,
        "suggestions": SuggestionSerializer(rows, many=True).data,
    }


class ArticleSuggestions(generics.GenericAPIView):
    """GET the article's check-worthy sentences."""

    serializer_class = SuggestionListSerializer

    @extend_schema(
        tags=TAGS,
        summary="The article's suggested check-worthy sentences",
        description=(
            "Members of the article's organization only. Sentences the claim spotter scored "
            "as check-worthy, in document order, with their decision (`new`, `accepted`, "
            "`dismissed`). Offsets are code points into the article's current text. "
            "`pending` is true while a new revision is being scored."
        ),
        responses={200: SuggestionListSerializer, **problem_responses(*ACCESS_PROBLEMS)},
    )
    def get(self, request, pk: int):
        article = get_object_or_404(queries.articles_for(request.user), pk=pk)
        return Response(suggestions_data(article))


class ArticleSuggestion(generics.GenericAPIView):
    """POST {"action": "accept", "start"?, "end"?} or {"action": "dismiss"}."""

    serializer_class = SuggestionActionSerializer

    @extend_schema(
        tags=TAGS,
        summary="Accept a suggestion as a draft claim, dismiss it, or take a dismissal back",
        description=(
            "`accept` makes a draft claim on the sentence, or on the part of it from `start` "
            "to `end` (code points in the article's text, within the sentence). `dismiss` "
            "records that the newsroom will not check it, and `restore` takes that back (a "
            "stray key press). Decisions survive revisions that "
            "keep the sentence, and train the newsroom's own spotter. Accepting an accepted "
            "suggestion again returns its claim; asking then for other words is a 409 naming "
            "that claim, as is a sentence no longer in the text. A 404 also answers when "
            "scoring a new revision removed the suggestion meanwhile: load the list again."
        ),
        request=SuggestionActionSerializer,
        responses={
            200: SuggestionResultSerializer,
            **problem_responses(400, *ACCESS_PROBLEMS, 409),
        },
    )
    def post(self, request, pk: int, suggestion_pk: int):
        article = get_object_or_404(queries.articles_for(request.user), pk=pk)
        suggestion = get_object_or_404(
            article.suggestions.select_related("article__organization"), pk=suggestion_pk
        )
        data = SuggestionActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = None
        if data.validated_data["action"] == "accept":
            try:
                claim = services.suggestion_accept(
                    suggestion=suggestion,
                    actor=request.user,
                    start=data.validated_data.get("start"),
                    end=data.validated_data.get("end"),
                    exact=data.validated_data.get("exact"),
                )
            except ValidationError as error:
                if getattr(error, "code", None) in ("text_changed", "already_accepted"):
                    raise TextChanged(error.messages[0]) from error
                raise
            except Suggestion.DoesNotExist as error:
                raise Gone() from error
        else:
            decide = (
                services.suggestion_dismiss
                if data.validated_data["action"] == "dismiss"
                else services.suggestion_restore
            )
            try:
                decide(suggestion=suggestion, actor=request.user)
            except ValidationError as error:
                if getattr(error, "code", None) == "already_accepted":
                    raise TextChanged(error.messages[0]) from error
                raise
            except Suggestion.DoesNotExist as error:
                raise Gone() from error
        suggestion.refresh_from_db()
        return Response(
            {
                "suggestion": SuggestionSerializer(suggestion).data,
                "claim": claim.pk if claim else suggestion.claim_id,
            }
        )
