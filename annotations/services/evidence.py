"""Evidence for claims: search again, add an item as a source, dismiss it; imported ClaimReview."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotations import permissions, queries, urlnorm
from annotations.evidence import search
from annotations.models import (
    Claim,
    EvidenceItem,
    EvidenceRequest,
    ImportedFactCheck,
    Source,
)
from annotations.rows import locked
from annotations.services.sources import source_add

QUOTE_LIMIT = 1000


@transaction.atomic
def evidence_request(*, claim: Claim, actor) -> list[EvidenceRequest]:
    """Ask every enabled provider about the claim again (a "search again")."""
    permissions.require_edit(actor, claim.article.organization)
    return search.request_evidence(claim, actor=actor)


@transaction.atomic
def evidence_item_add(
    *,
    item: EvidenceItem,
    actor,
    stance: str = Source.Stance.CONTEXT,
    expected_version: int | None = None,
) -> Source:
    """Cite an evidence item as a source of its claim, with the stance the editor chose, on
    the claim's `expected_version` (see `source_add`)."""
    claim = item.claim
    permissions.require_edit(actor, claim.article.organization)
    # The claim before its item, as a source added by hand locks them (`source_add` marks
    # the items its address matches): two editors citing one page at once wait in turn.
    Claim.objects.select_for_update(no_key=True).filter(pk=claim.pk).first()
    item = locked(EvidenceItem.objects, "evidence item", pk=item.pk)
    if stance not in Source.Stance.values:
        raise ValidationError({"stance": "Choose supports, refutes or context."})
    if item.state == EvidenceItem.State.ADDED and item.source_id:
        return item.source
    if item.earlier_claim_id and not _shown_to_readers(item.earlier_claim_id):
        # Its address is the newsroom's workspace: readers could not follow it, and the
        # worker archiving it would fetch this app (review R20).
        raise ValidationError(
            "This earlier check is your newsroom's and not published: readers could not open "
            "it. Cite the sources it cites instead."
        )
    existing = next(
        (s for s in claim.sources.all() if urlnorm.url_key(s.url) == item.url_key), None
    )
    source = existing or source_add(
        claim=claim,
        actor=actor,
        url=item.url,
        title=item.title[:500],
        publisher=item.publisher[:200],
        quote=item.passage[:QUOTE_LIMIT],
        stance=stance,
        expected_version=expected_version,
    )
    item.state = EvidenceItem.State.ADDED
    item.source = source
    item.full_clean()
    item.save(update_fields=["state", "source", "updated_at"])
    return source


@transaction.atomic
def evidence_item_dismiss(*, item: EvidenceItem, actor) -> EvidenceItem:
    """Put an item out of the editor's way; searching again will not bring it back."""
    permissions.require_edit(actor, item.claim.article.organization)
    item = locked(EvidenceItem.objects, "evidence item", pk=item.pk)
    if item.state != EvidenceItem.State.ADDED:
        item.state = EvidenceItem.State.DISMISSED
        item.save(update_fields=["state", "updated_at"])
    return item


@transaction.atomic
def imported_fact_checks_save(*, reviews: list[dict], actor, imported_from: str = "") -> int:
    """Store ClaimReview records (as `evidence.claimreview.normalise` gives them); one row
    per review URL, updated when imported again. Returns how many were stored."""
    if not (permissions.is_system(actor) or permissions.is_site_admin(actor)):
        raise PermissionDenied("Only a site administrator can import fact-checks.")
    stored = 0
    for review in reviews:
        key = urlnorm.url_key(review["url"])
        if not key:
            continue
        row = ImportedFactCheck.objects.filter(url_key=key).first() or ImportedFactCheck(
            url_key=key
        )
        row.url = review["url"][:2000]
        row.claim_reviewed = review["claim_reviewed"]
        row.rating = review.get("rating", "")[:200]
        row.rating_value = review.get("rating_value")
        row.publisher = review.get("publisher", "")[:300]
        row.publisher_url = review.get("publisher_url", "")[:2000]
        row.claimant = review.get("claimant", "")[:300]
        published = review.get("date_published")
        row.date_published = published if isinstance(published, dt.date) else None
        row.language = review.get("language", "")[:20]
        row.raw = review.get("raw", {})
        row.imported_from = imported_from[:2000]
        row.full_clean()
        row.save()
        stored += 1
    return stored


def _shown_to_readers(claim_id: int) -> bool:
    return queries.published_claims().filter(claim_id=claim_id).exists()
