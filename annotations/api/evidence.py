"""Newsroom API for a claim's evidence: requests per provider, ranked items, add or dismiss."""

from __future__ import annotations

from django.db.models import OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from annotations import jobs, queries, services
from annotations.api import preconditions
from annotations.api.errors import problem_responses
from annotations.evidence.providers import base as providers
from annotations.evidence.providers import factchecks
from annotations.models import EvidenceItem, EvidenceRequest, Job, Snapshot, Source

TAGS = ["Newsroom: evidence"]
ACCESS_PROBLEMS = (401, 403, 404)
WHEN = "2026-12-01T16:52:54.403104Z"
PASSAGE = "More than 160,000 listeners tuned in at once at the peak."
EXAMPLE = {
    "claim": 3,
    "pending": False,
    "waiting_for_worker": False,
    "sources_fetching": 0,
    "requests": [
        {
            "id": 7,
            "provider": "factchecks",
            "label": "Earlier fact-checks",
            "state": "done",
            "error": "",
            "attempts": 1,
            "created_at": WHEN,
            "started_at": WHEN,
            "finished_at": WHEN,
        },
        {
            "id": 8,
            "provider": "mediawiki",
            "label": "Wikipedia",
            "state": "failed",
            "error": "gave up after 5 attempts: the connection to en.wikipedia.org timed out",
            "attempts": 5,
            "created_at": WHEN,
            "started_at": WHEN,
            "finished_at": WHEN,
        },
    ],
    "items": [
        {
            "id": 12,
            "provider": "factchecks",
            "url": "https://factcheck.example/2022/04/imran-khan-twitter-spaces-record",
            "title": "Over 160,000 people listened to Imran Khan's Twitter Spaces session",
            "publisher": "Example Fact Check",
            "published_on": "2022-04-15",
            "passage": "Over 160,000 people listened to Imran Khan's Twitter Spaces session",
            "highlights": [{"start": 5, "end": 12, "kind": "number"}],
            "numbers": [
                {
                    "text": "160,000",
                    "value": 160000.0,
                    "unit": "",
                    "start": 5,
                    "end": 12,
                    "agreement": "agrees",
                }
            ],
            "agreement": "agrees",
            "score": 0.93,
            "rating": "Mostly true",
            "is_fact_check": True,
            "state": "new",
            "source": None,
        },
        {
            "id": 13,
            "provider": "sources",
            "url": "https://dailyledger.example/spaces-record",
            "title": "Imran Khan sets a Twitter Spaces record",
            "publisher": "Daily Ledger",
            "published_on": None,
            "passage": PASSAGE,
            "highlights": [
                {"start": 10, "end": 17, "kind": "number"},
                {"start": 18, "end": 27, "kind": "term"},
            ],
            "numbers": [
                {
                    "text": "160,000",
                    "value": 160000.0,
                    "unit": "",
                    "start": 10,
                    "end": 17,
                    "agreement": "agrees",
                }
            ],
            "agreement": "agrees",
            "score": 1.28,
            "rating": "",
            "is_fact_check": False,
            "state": "added",
            "source": 5,
        },
    ],
}


class EvidenceRequestSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceRequest
        fields = [
            "id",
            "provider",
            "label",
            "state",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_label(self, request) -> str:
        provider = providers.get_provider(request.provider)
        return (provider.label or provider.name) if provider else request.provider


class EvidenceNumberSerializer(serializers.Serializer):
    text = serializers.CharField()
    value = serializers.FloatField()
    unit = serializers.CharField(required=False)
    start = serializers.IntegerField(help_text="Code points into `passage`.")
    end = serializers.IntegerField()
    agreement = serializers.ChoiceField(choices=["agrees", "disagrees", "unrelated"])


class EvidenceHighlightSerializer(serializers.Serializer):
    start = serializers.IntegerField(help_text="Code points into `passage`.")
    end = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["term", "number"])


class EvidenceItemSerializer(serializers.ModelSerializer):
    numbers = EvidenceNumberSerializer(many=True)
    highlights = EvidenceHighlightSerializer(many=True)
    is_fact_check = serializers.SerializerMethodField()
    agreement = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "provider",
            "url",
            "title",
            "publisher",
            "published_on",
            "passage",
            "highlights",
            "numbers",
            "agreement",
            "score",
            "rating",
            "is_fact_check",
            "state",
            "source",
        ]

    def get_is_fact_check(self, item) -> bool:
        return _is_fact_check(item.provider)

    def get_agreement(self, item) -> str:
        """The passage's overall verdict on the claim's numbers."""
        kinds = {number.get("agreement") for number in item.numbers}
        if "disagrees" in kinds:
            return "disagrees"
        return "agrees" if "agrees" in kinds else "unrelated"


class EvidenceSerializer(serializers.Serializer):
    claim = serializers.IntegerField()
    pending = serializers.BooleanField(
        help_text="Whether a request is queued or running, or a source is still being fetched."
    )
    waiting_for_worker = serializers.BooleanField(
        help_text=f"Whether all that is pending was sent over {jobs.WORKER_PICKUP_SECONDS} s ago "
        "and no worker has started it: workers are stopped, or busy with other jobs."
    )
    sources_fetching = serializers.IntegerField(
        help_text="How many of the claim's sources are still being fetched and archived."
    )
    requests = EvidenceRequestSerializer(many=True)
    items = EvidenceItemSerializer(many=True)


class EvidenceItemActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["add", "dismiss"])
    stance = serializers.ChoiceField(
        choices=Source.Stance.choices, required=False, default=Source.Stance.CONTEXT
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="For `add`, which writes to the claim: its version (or send If-Match).",
    )


def _is_fact_check(name: str) -> bool:
    provider = providers.get_provider(name)
    return bool(provider and provider.is_fact_check)


def _still_standing(claim, items) -> list[EvidenceItem]:
    """`items` without the earlier fact-checks withdrawn since they were found (retracted,
    or no longer shown to readers), each other one with the rating it shows now (review
    R20: a verdict retracted after the search stayed in the panel as "Mostly true"). One
    the editor added as a source stays, as the source does."""
    items = list(items)
    earlier = {item.earlier_claim_id for item in items if item.earlier_claim_id}
    ratings = factchecks.standing(claim, earlier)
    kept = []
    for item in items:
        if item.earlier_claim_id is None:
            kept.append(item)
        elif item.earlier_claim_id in ratings:
            item.rating = ratings[item.earlier_claim_id]
            kept.append(item)
        elif item.state == EvidenceItem.State.ADDED:
            item.rating = ""  # what it rated was withdrawn; the source stays the editor's
            kept.append(item)
    return kept


def evidence_data(claim) -> dict:
    """The claim's evidence: the latest request per provider, items fact-checks first."""
    # Only each provider's newest row is read: every "Search again" adds one per provider,
    # and the panel asks for this every few seconds while work is on its way.
    newest = (
        EvidenceRequest.objects.filter(claim=claim, provider=OuterRef("provider"))
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    latest = {
        request.provider: request for request in claim.evidence_requests.filter(pk=Subquery(newest))
    }
    items = sorted(
        _still_standing(claim, claim.evidence_items.exclude(state=EvidenceItem.State.DISMISSED)),
        key=lambda item: (not _is_fact_check(item.provider), -item.score, item.pk),
    )
    requests = sorted(latest.values(), key=lambda request: request.created_at)
    # A source's snapshot arrives by itself: the panel keeps polling until it has, then
    # asks the card to show the source's new fetch state.
    fetching = claim.sources.filter(
        fetch_state__in=(Source.FetchState.PENDING, Source.FetchState.FETCHING)
    ).count()
    # A fetched snapshot is then read and ranked in a job of its own, which is what brings
    # in the "Cited sources" provider: the panel keeps polling until that job ends too.
    reading = Job.objects.about(
        "snapshot_extract", Snapshot.objects.filter(source__claim=claim).values("pk")
    ).in_flight()
    searching = [request.pk for request in requests if request.state in ("queued", "running")]
    # What the panel waits on: searches, fetches of the cited pages, readings of them.
    work = Job.objects.in_flight().filter(
        Q(kind="evidence", subject_id__in=searching)
        | Q(kind="snapshot", subject_id__in=claim.sources.values("pk"))
        | Q(pk__in=reading.values("pk"))
    )
    return {
        "claim": claim.pk,
        "pending": bool(fetching) or bool(searching) or reading.exists(),
        "waiting_for_worker": jobs.waiting_for_worker(work),
        "sources_fetching": fetching,
        "requests": EvidenceRequestSerializer(requests, many=True).data,
        "items": EvidenceItemSerializer(items, many=True).data,
    }


class ClaimEvidence(generics.GenericAPIView):
    """GET the claim's evidence; POST to search again."""

    serializer_class = EvidenceSerializer

    def _claim(self, request, pk: int):
        return get_object_or_404(queries.claims_for(request.user), pk=pk)

    @extend_schema(
        tags=TAGS,
        summary="The claim's evidence: provider states and ranked items",
        description=(
            "Members of the claim's organization only. `requests` holds the latest request "
            "per provider (state queued, running, done, failed or refused, with the reason "
            "in `error`); `items` are ranked passages, earlier fact-checks first. `numbers` "
            "marks each quantity in the passage as agreeing with, disagreeing with or "
            "unrelated to the claim's; offsets are code points into `passage`."
        ),
        responses={200: EvidenceSerializer, **problem_responses(*ACCESS_PROBLEMS)},
        examples=[OpenApiExample("Evidence", value=EXAMPLE, response_only=True)],
    )
    def get(self, request, pk: int):
        return Response(evidence_data(self._claim(request, pk)))

    @extend_schema(
        tags=TAGS,
        summary="Search again",
        description="Asks every enabled provider again; answers 202 with the evidence.",
        request=None,
        responses={202: EvidenceSerializer, **problem_responses(*ACCESS_PROBLEMS)},
        examples=[
            OpenApiExample(
                "Searching again",
                value={**EXAMPLE, "pending": True},
                response_only=True,
                status_codes=["202"],
            )
        ],
    )
    def post(self, request, pk: int):
        claim = self._claim(request, pk)
        services.evidence_request(claim=claim, actor=request.user)
        return Response(evidence_data(claim), status=status.HTTP_202_ACCEPTED)


class ClaimEvidenceItem(generics.GenericAPIView):
    """POST {"action": "add", "stance": ...} or {"action": "dismiss"} for one item."""

    serializer_class = EvidenceItemActionSerializer

    @extend_schema(
        tags=TAGS,
        summary="Add an evidence item as a source, or dismiss it",
        request=EvidenceItemActionSerializer,
        responses={
            200: EvidenceSerializer,
            **problem_responses(400, *ACCESS_PROBLEMS, 412, 428),
        },
        examples=[
            OpenApiExample(
                "Add as a source",
                value={"action": "add", "stance": "supports", "version": 3},
                request_only=True,
            ),
            OpenApiExample("Dismiss", value={"action": "dismiss"}, request_only=True),
            OpenApiExample("Evidence", value=EXAMPLE, response_only=True),
        ],
    )
    def post(self, request, pk: int, item_pk: int):
        claim = get_object_or_404(queries.claims_for(request.user), pk=pk)
        item = get_object_or_404(claim.evidence_items.select_related("claim__article"), pk=item_pk)
        data = EvidenceItemActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["action"] == "add":
            # Citing it writes to the claim (a correction, if published): like every write
            # to a claim, it names the version it was made on.
            services.evidence_item_add(
                item=item,
                actor=request.user,
                stance=data.validated_data["stance"],
                expected_version=preconditions.expected_version(request, data.validated_data),
            )
        else:
            services.evidence_item_dismiss(item=item, actor=request.user)
        return Response(evidence_data(claim))
