"""Retried API writes: the record of a request sent with an Idempotency-Key, and its answer."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from annotations import permissions
from annotations.models import IdempotentRequest


class KeyReused(Exception):
    """The key was sent before with another request (another body, address or method)."""


class KeyInUse(Exception):
    """The key's first request is still being answered."""


def idempotent_request_begin(
    *, actor, credential: str, key: str, fingerprint: str
) -> tuple[IdempotentRequest, bool]:
    """Record that `actor` sends the request `fingerprint` under `key`, with `credential`
    (their session, or one of their tokens: each has keys of its own).

    Returns the record and True when this request is to be carried out, or the earlier
    request's record, answered, and False: answer with it. Raises KeyReused when the key
    came with another request, KeyInUse while the first one is still being answered.

    The record is committed before the request is carried out (its own transaction), so
    that a second request with the key, sent while the first runs, finds it.
    """
    permissions.require_own_account(actor, actor)
    now = timezone.now()
    # A key older than the retention names nothing any more: it may be used again.
    expired = now - timedelta(hours=settings.FACTCHECK_IDEMPOTENCY_HOURS)
    # A first request whose process died before it recorded its answer: after this long
    # (a request's longest life), the key is free to be tried again.
    abandoned = now - timedelta(seconds=settings.FACTCHECK_IDEMPOTENCY_ABANDONED_SECONDS)
    for _ in range(3):
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    user=actor, credential=credential, key=key, fingerprint=fingerprint
                )
            return record, True
        except IntegrityError:
            pass
        earlier = IdempotentRequest.objects.filter(
            user=actor, credential=credential, key=key
        ).first()
        if earlier is None:
            continue  # deleted meanwhile (abandoned, or expired): try again
        if earlier.created_at < expired:
            IdempotentRequest.objects.filter(pk=earlier.pk, created_at=earlier.created_at).delete()
            continue
        if earlier.fingerprint != fingerprint:
            raise KeyReused()
        if earlier.status is not None:
            return earlier, False
        if earlier.created_at < abandoned:
            taken = IdempotentRequest.objects.filter(
                pk=earlier.pk, status__isnull=True, created_at=earlier.created_at
            ).update(created_at=now)
            if taken:
                earlier.created_at = now
                return earlier, True
        raise KeyInUse()
    raise KeyInUse()


def idempotent_request_answered(
    *, actor, record: IdempotentRequest, status: int, body, headers: dict
) -> None:
    """Keep the answer the request got, to give it again to the key's retries."""
    permissions.require_own_account(actor, record.user)
    IdempotentRequest.objects.filter(pk=record.pk, status__isnull=True).update(
        status=status, body=body, headers=headers
    )


def idempotent_request_abandon(*, actor, record: IdempotentRequest) -> None:
    """Forget a request that was not carried out (refused, or failed): a retry with its key
    is carried out afresh."""
    permissions.require_own_account(actor, record.user)
    IdempotentRequest.objects.filter(pk=record.pk, status__isnull=True).delete()
