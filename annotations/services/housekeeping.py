"""Housekeeping: finished background history older than the retention period is deleted."""

# Every import, search, fetch, link check and webhook delivery leaves rows behind: the job
# that ran it, the delivery's log line, each "Search again". Nothing reads them once they
# are old, and an instance that runs for years would otherwise keep every one. What is
# still in flight, and what the interface shows as current, is never touched.

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from annotations import permissions
from annotations.models import EvidenceRequest, IdempotentRequest, Job, WebhookDelivery


@dataclass
class PruneReport:
    """How many rows of each kind one pruning deleted."""

    jobs: int = 0
    webhook_deliveries: int = 0
    evidence_requests: int = 0
    idempotency_keys: int = 0


def history_prune(*, actor, now: datetime | None = None, batch: int = 1000) -> PruneReport:
    """Delete finished jobs, finished webhook deliveries and superseded evidence requests
    that ended more than FACTCHECK_HISTORY_DAYS ago, and Idempotency-Keys older than
    FACTCHECK_IDEMPOTENCY_HOURS (the system only; run by Celery beat).

    Deletes in batches of `batch` rows, each in a transaction of its own, so a first run on
    a large backlog never holds a long lock on tables that workers write all the time.
    """
    permissions.require_system(actor)
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.FACTCHECK_HISTORY_DAYS)
    finished_jobs = Job.objects.filter(
        state__in=(Job.State.DONE, Job.State.FAILED), finished_at__lt=cutoff
    )
    # A delivery waiting for its next attempt is pending, whatever its age: it stays.
    # One that failed before any attempt (its webhook switched off, or no longer subscribed)
    # has no attempt time: its age is its creation's (review R23).
    finished_deliveries = WebhookDelivery.objects.filter(
        Q(state=WebhookDelivery.State.DELIVERED, delivered_at__lt=cutoff)
        | Q(state=WebhookDelivery.State.FAILED, last_attempt_at__lt=cutoff)
        | Q(
            state=WebhookDelivery.State.FAILED,
            last_attempt_at__isnull=True,
            created_at__lt=cutoff,
        )
    )
    # The evidence panel shows each provider's newest request for a claim: only the ones a
    # newer request replaced go. Their items stay (their `request` becomes empty).
    newer = EvidenceRequest.objects.filter(
        claim=OuterRef("claim"), provider=OuterRef("provider"), pk__gt=OuterRef("pk")
    )
    superseded_requests = EvidenceRequest.objects.filter(
        Exists(newer),
        state__in=(
            EvidenceRequest.State.DONE,
            EvidenceRequest.State.FAILED,
            EvidenceRequest.State.REFUSED,
        ),
        created_at__lt=cutoff,
    )
    # An Idempotency-Key is kept as long as its retries may come (hours, not days).
    remembered = timedelta(hours=settings.FACTCHECK_IDEMPOTENCY_HOURS)
    expired_keys = IdempotentRequest.objects.filter(created_at__lt=now - remembered)
    return PruneReport(
        jobs=_delete_in_batches(finished_jobs, batch),
        idempotency_keys=_delete_in_batches(expired_keys, batch),
        webhook_deliveries=_delete_in_batches(finished_deliveries, batch),
        evidence_requests=_delete_in_batches(superseded_requests, batch),
    )


def _delete_in_batches(rows: QuerySet, batch: int) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(rows.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return deleted
            # Filtered again by the same conditions: a row picked up again since (a
            # delivery resent from its page) is no longer finished and stays.
            _, by_model = rows.filter(pk__in=ids).delete()
        gone = by_model.get(rows.model._meta.label, 0)
        if not gone:
            return deleted
        deleted += gone
