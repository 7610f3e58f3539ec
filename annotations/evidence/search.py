"""Evidence search: requests per provider as jobs, one request run, items stored once per URL."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from annotations import jobs, urlnorm
from annotations.evidence import numbers as quantities
from annotations.evidence import passages
from annotations.evidence import query as evidence_query
from annotations.evidence.providers import base as providers
from annotations.models import (
    Claim,
    EvidenceItem,
    EvidenceRequest,
    Source,
    without_direction_overrides,
)

logger = logging.getLogger(__name__)

SOURCES = providers.SourcesProvider.name
PENDING = (EvidenceRequest.State.QUEUED, EvidenceRequest.State.RUNNING)
FINISHED = (
    EvidenceRequest.State.DONE,
    EvidenceRequest.State.FAILED,
    EvidenceRequest.State.REFUSED,
)
MAX_PASSAGE = 1200  # characters shown per item


def request_evidence(claim: Claim, *, actor, providers_named=None) -> list[EvidenceRequest]:
    """Ask every enabled provider about the claim: one request and one "evidence" job each.

    Only services call this, once they have checked that `actor` may work on the claim.

    Runs in the caller's transaction (the jobs are sent once it commits). A provider that
    is already queued for the same question is not asked twice. The claim's fetched
    sources are ranked again at once (no network).
    """
    query = evidence_query.for_claim(claim)
    asked = query.as_dict()
    created = []
    user = actor if getattr(actor, "is_authenticated", False) else None
    for provider in providers.enabled_providers():
        if providers_named is not None and provider.name not in providers_named:
            continue
        waiting = EvidenceRequest.objects.filter(
            claim=claim, provider=provider.name, state=EvidenceRequest.State.QUEUED
        ).first()
        if waiting is not None and waiting.query == asked:
            continue
        request = EvidenceRequest(
            claim=claim, provider=provider.name, query=asked, requested_by=user
        )
        request.full_clean()
        request.save()
        jobs.enqueue(kind="evidence", subject_id=request.pk)
        created.append(request)
    wanted = providers_named is None or SOURCES in providers_named
    if wanted and claim.pk and claim.sources.exists():
        rank_sources(claim)
    return created


def run_request(request_id: int) -> EvidenceRequest | None:
    """Run one request: ask its provider, rank the passages, store the items. Idempotent.

    Errors from the provider propagate to the job (which retries transient ones); the
    request row is marked by the task.
    """
    request = EvidenceRequest.objects.filter(pk=request_id).first()
    if request is None:
        return None
    provider = providers.get_provider(request.provider)
    if provider is None:
        raise jobs.PermanentError(f"the provider {request.provider!r} is no longer configured")
    started = timezone.now()
    if _superseded(request):
        return _done_unasked(request, started)
    EvidenceRequest.objects.filter(pk=request.pk).update(
        state=EvidenceRequest.State.RUNNING,
        attempts=F("attempts") + 1,  # in the database: two deliveries count twice
        started_at=started,
        error="",
    )
    query = evidence_query.Query.from_dict(request.query)
    # Loaded only for a provider that looks at the claim (the database one): web APIs are
    # asked from the stored query, and joining claim, article and organization for every
    # request was a large share of a job's CPU on the I/O worker.
    claim = SimpleLazyObject(
        lambda: Claim.objects.select_related("article__organization").get(pk=request.claim_id)
    )
    found = provider.search(query, claim=claim)
    items = [item for item in (_to_item(f, query, provider) for f in found) if item]
    finished = timezone.now()
    with transaction.atomic():
        # The claim is held while its items are stored: one deleted meanwhile (a draft
        # thrown away during the search) has nothing to store them on; the foreign key
        # failed at commit before.
        claim_row = Claim.objects.select_for_update(no_key=True).filter(pk=request.claim_id)
        if claim_row.values_list("pk", flat=True).first() is None:
            return None
        if _superseded(request):
            # Asked for an older wording and answered after the newer question was: its
            # items would replace those that fit the claim as it reads now.
            return _done_unasked(request, started)
        kept = _store(request.claim_id, request, items)
        # Items this provider found earlier for an older wording, untouched since, go.
        EvidenceItem.objects.filter(
            claim_id=request.claim_id, provider=provider.name, state=EvidenceItem.State.NEW
        ).exclude(pk__in=kept).delete()
        EvidenceRequest.objects.filter(pk=request.pk).update(
            state=EvidenceRequest.State.DONE, finished_at=finished, error=""
        )
    # What the two updates wrote, without reading the row back.
    request.state = EvidenceRequest.State.DONE
    request.attempts += 1
    request.started_at, request.finished_at, request.error = started, finished, ""
    return request


def _superseded(request: EvidenceRequest) -> bool:
    """Whether the claim's provider was asked again since: only the newest answer counts."""
    return EvidenceRequest.objects.filter(
        claim_id=request.claim_id, provider=request.provider, pk__gt=request.pk
    ).exists()


def _done_unasked(request: EvidenceRequest, started) -> EvidenceRequest:
    """Close a superseded request without storing anything: the newer one answers."""
    finished = timezone.now()
    EvidenceRequest.objects.filter(pk=request.pk).update(
        state=EvidenceRequest.State.DONE, started_at=started, finished_at=finished, error=""
    )
    request.state, request.started_at, request.finished_at = (
        EvidenceRequest.State.DONE, started, finished,
    )  # fmt: skip
    return request


def mark(request_id: int, state: str, error: str = "") -> None:
    """Record a request's state and, for a failure, its reason in words."""
    finished = timezone.now() if state in FINISHED else None
    EvidenceRequest.objects.filter(pk=request_id).exclude(state=EvidenceRequest.State.DONE).update(
        state=state, error=error[:1000], finished_at=finished
    )


def source_fetched(source_id: int) -> None:
    """Rank the passages of a freshly stored source snapshot against its claim.

    Called by the snapshot task once a source's snapshot is saved (and committed). Stores
    the best passage as an EvidenceItem of provider "sources". Idempotent; never raises for
    a source that is gone.
    """
    source = Source.objects.select_related("claim__article").filter(pk=source_id).first()
    if source is None:
        return
    rank_sources(source.claim, only=[source])


def rank_sources(claim: Claim, *, only: list[Source] | None = None) -> EvidenceRequest:
    """Rank the claim's fetched sources (or `only` those) and store their best passages."""
    query = evidence_query.for_claim(claim)
    now = timezone.now()
    with transaction.atomic():
        request = (
            EvidenceRequest.objects.select_for_update(no_key=True)
            .filter(claim=claim, provider=SOURCES)
            .order_by("-created_at", "-id")
            .first()
        )
        if request is None:
            request = EvidenceRequest.objects.create(
                claim=claim, provider=SOURCES, query=query.as_dict(), started_at=now
            )
        sources = only if only is not None else list(claim.sources.all())
        items = []
        for source in sources:
            text = providers.source_text(source)
            if not text:
                continue
            found = providers.Found(
                url=source.url,
                title=source.title,
                publisher=source.publisher,
                published_on=source.published_on,
                text=text,
                extra={"source_id": source.pk},
            )
            item = _to_item(found, query, providers.SourcesProvider())
            if item is not None:
                item.update(state=EvidenceItem.State.ADDED, source_id=source.pk)
                items.append(item)
        _store(claim.pk, request, items)
        EvidenceRequest.objects.filter(pk=request.pk).update(
            state=EvidenceRequest.State.DONE,
            query=query.as_dict(),
            attempts=F("attempts") + 1,  # in the database: two deliveries count twice
            finished_at=timezone.now(),
            error="",
        )
    request.refresh_from_db()
    return request


def _to_item(found: providers.Found, query: evidence_query.Query, provider) -> dict | None:
    """The fields of an EvidenceItem for what a provider found; None if nothing bears."""
    key = urlnorm.url_key(found.url)
    if not key:
        return None
    if found.passage:
        passage = _no_nul(found.passage[:MAX_PASSAGE], " ")
        details = passages.annotate(passage, query)
        score = found.score
    else:
        # A space for each NUL keeps offsets; PostgreSQL cannot store NUL in text.
        ranked = passages.rank_text(_no_nul(found.text, " "), query, limit=5)
        if not ranked:
            return None
        best = ranked[0]
        passage, details = _with_a_disagreement(best, ranked[1:])
        score = best.score
    spans = [span for span in details["highlights"] if span["end"] <= len(passage)]
    numbers = [
        {key: item[key] for key in ("text", "value", "unit", "start", "end", "agreement")}
        for item in details["numbers"]
        if item["end"] <= len(passage)
    ]
    return {
        "provider": provider.name,
        "url": _no_nul(found.url)[:2000],
        "url_key": key[:2000],
        # As a fetched page's title (evidence.snapshots): a provider's text, nobody's typing.
        "title": without_direction_overrides(_no_nul(found.title or found.url))[:500],
        "publisher": without_direction_overrides(_no_nul(found.publisher))[:200],
        "published_on": found.published_on,
        "passage": passage,
        "highlights": spans,
        "numbers": numbers,
        "score": float(score),
        "rating": _no_nul(found.rating)[:200],
        "earlier_claim_id": found.extra.get("id") if found.extra.get("table") == "claim" else None,
    }


# Between the best passage and a disagreeing one shown after it.
PASSAGE_GAP = " \u2026 "


def _with_a_disagreement(best, others) -> tuple[str, dict]:
    """The best passage, and after it the best other that disagrees with the claim when the
    best does not: one passage a source, and a claim of two numbers saw only the passage
    agreeing with one ("950 buses") and never the one denying the other ("not 40 percent").
    """
    text = best.text[:MAX_PASSAGE]
    details = {"highlights": list(best.highlights), "numbers": list(best.numbers)}
    disagrees = [n for n in best.numbers if n["agreement"] == quantities.DISAGREES]
    if disagrees:
        return text, details
    other = next(
        (o for o in others if any(n["agreement"] == quantities.DISAGREES for n in o.numbers)),
        None,
    )
    if other is None or len(text) + len(PASSAGE_GAP) >= MAX_PASSAGE:
        return text, details
    shift = len(text) + len(PASSAGE_GAP)
    text = f"{text}{PASSAGE_GAP}{other.text}"[:MAX_PASSAGE]
    for name, spans in (("highlights", other.highlights), ("numbers", other.numbers)):
        details[name] += [
            {**span, "start": span["start"] + shift, "end": span["end"] + shift} for span in spans
        ]
    return text, details


def _no_nul(text: str, replacement: str = "") -> str:
    """`text` without NUL characters, which a provider's answer may hold and PostgreSQL not."""
    return text.replace("\x00", replacement)


def _store(claim_id: int, request: EvidenceRequest, items: list[dict]) -> list[int]:
    """Create or refresh each item, one per normalised URL per claim; return their ids.

    An item the editor already added or dismissed keeps that state; a URL found by two
    providers stays one item (the first provider's).
    """
    kept = []
    # The items already stored at these URLs, in one query rather than one per item.
    stored = (
        {
            item.url_key: item
            for item in EvidenceItem.objects.filter(
                claim_id=claim_id, url_key__in={fields["url_key"] for fields in items}
            )
        }
        if items
        else {}
    )
    # The earlier claims the items show, locked as the searched claim is: one deleted since
    # the provider read it (a draft thrown away) is named by none (review R21: the item's
    # foreign key failed the whole request's commit).
    named = {fields["earlier_claim_id"] for fields in items if fields.get("earlier_claim_id")}
    still_there = set(
        Claim.objects.select_for_update(no_key=True)
        .filter(pk__in=named)
        .values_list("pk", flat=True)
    )
    for fields in items:
        fields = dict(fields)
        if fields.get("earlier_claim_id") not in still_there:
            fields["earlier_claim_id"] = None
        state = fields.pop("state", None)
        source_id = fields.pop("source_id", None)
        existing = stored.get(fields["url_key"])
        if existing is None:
            try:
                with transaction.atomic():
                    existing = EvidenceItem.objects.create(
                        claim_id=claim_id,
                        request=request,
                        state=state or EvidenceItem.State.NEW,
                        source_id=source_id,
                        **fields,
                    )
                kept.append(existing.pk)
                stored[existing.url_key] = existing
                continue
            except IntegrityError:
                # Another run stored the same URL a moment ago: refresh that one.
                existing = EvidenceItem.objects.get(claim_id=claim_id, url_key=fields["url_key"])
        if existing.provider != fields["provider"] and fields["provider"] != SOURCES:
            kept.append(existing.pk)
            continue
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.request = request
        refreshed = [*fields, "request", "updated_at"]
        if source_id:
            existing.source_id = source_id
            refreshed.append("source_id")
        # Only the provider's own fields: the state is the editor's, read before the
        # providers were asked, and an Add or Dismiss made meanwhile must stand. The
        # provider's state applies only to an item still new, checked as it is written.
        existing.save(update_fields=refreshed)
        if state:
            EvidenceItem.objects.filter(pk=existing.pk, state=EvidenceItem.State.NEW).update(
                state=state
            )
        kept.append(existing.pk)
    return kept


def source_moved(source: Source) -> None:
    """The source cites another address now: its old page's passages are no longer evidence.

    Passages read from the source itself go; a search result it was added from stays a
    result, but is no longer "cited as a source".
    """
    key = urlnorm.url_key(source.url)
    _uncite(
        EvidenceItem.objects.filter(claim_id=source.claim_id, source=source).exclude(url_key=key)
    )


def source_removed(source: Source) -> None:
    """The claim no longer cites the source: a search result it was added from is offered
    again ("Add as source"), and passages read from the source itself go with it."""
    _uncite(EvidenceItem.objects.filter(claim_id=source.claim_id, source=source))


def _uncite(items) -> None:
    """Passages read from a source go; search results it was added from are results again."""
    items.filter(provider="sources").delete()
    items.update(state=EvidenceItem.State.NEW, source=None, updated_at=timezone.now())


def source_added(source: Source) -> None:
    """Mark the claim's evidence item at the source's URL, if any, as added (now cited)."""
    key = urlnorm.url_key(source.url)
    if key:
        EvidenceItem.objects.filter(
            claim_id=source.claim_id, url_key=key, state=EvidenceItem.State.NEW
        ).update(state=EvidenceItem.State.ADDED, source=source, updated_at=timezone.now())
