"""Claim events for webhooks: the payload of each, and one delivery per subscribed endpoint."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from django.conf import settings

from annotations import jobs
from annotations.api.public_serializers import Links, claim_item
from annotations.models import Claim, PublishedVersion, WebhookDelivery, WebhookEndpoint
from annotations.timestamps import timestamp

PUBLISHED = "claim.published"
CORRECTED = "claim.corrected"
RETRACTED = "claim.retracted"
ORPHANED = "claim.orphaned"
EVENT_TYPES = (
    (PUBLISHED, "A claim is published"),
    (CORRECTED, "A published claim is corrected, or its rating changed"),
    (RETRACTED, "A claim is retracted"),
    (ORPHANED, "A published claim is hidden: its words changed or left the article"),
)
EVENT_NAMES = tuple(name for name, _label in EVENT_TYPES)
# Sent only when an admin asks, from the webhook's page: nobody subscribes to it.
TEST = "webhook.test"


def still_wanted(endpoint, event_type: str) -> bool:
    """Whether `endpoint` takes `event_type` now: a test event always, a claim event while
    its box is ticked (unticked since a delivery was queued, it is not sent)."""
    return event_type == TEST or event_type in endpoint.events


def max_attempts() -> int:
    """One first try, then one retry per delay of the schedule (about a day in all)."""
    return len(settings.FACTCHECK_WEBHOOK_RETRY_DELAYS) + 1


def new_message_id() -> str:
    """A webhook-id: unique per message, the same for every attempt of it."""
    return "msg_" + secrets.token_urlsafe(18)


def public_version(version: PublishedVersion) -> dict:
    """The published version as the public API shows it (`annotations.api.public_serializers`).

    Only what readers were shown: the frozen version, never the working copy.
    """
    from annotations import queries

    rows = queries.public_claim_context(list(queries.public_claim_feed().filter(pk=version.pk)))
    return claim_item(rows[0], Links.for_base(settings.PUBLIC_BASE_URL))


def payload(
    claim: Claim,
    event_type: str,
    version: PublishedVersion,
    previous_rating: str | None = None,
    reason: str | None = None,
) -> dict:
    """The event as Standard Webhooks frames it: `type`, `timestamp` and `data`."""
    shown = public_version(version)
    data = {
        "claim_id": claim.pk,
        # The claim's page while readers can open it; null while it is suspended, as the
        # public API's `url` (every address given must answer).
        "permalink": shown["url"],
        "version": shown,
    }
    if previous_rating is not None:
        data["previous_rating"] = previous_rating
    if reason is not None:
        data["reason"] = reason
    return {"type": event_type, "timestamp": timestamp(datetime.now(UTC)), "data": data}


def test_payload(endpoint: WebhookEndpoint) -> dict:
    """A test event: framed and signed as the others are, carrying no claim."""
    organization = endpoint.organization
    return {
        "type": TEST,
        "timestamp": timestamp(datetime.now(UTC)),
        "data": {
            "organization": {"slug": organization.slug, "name": organization.name},
            "message": "A test event, sent from the webhook's page: no claim changed.",
        },
    }


def claim_event(
    claim: Claim,
    event_type: str,
    version: PublishedVersion | None = None,
    *,
    previous_rating: str | None = None,
    reason: str | None = None,
) -> list[WebhookDelivery]:
    """Record a delivery of the event to each active endpoint of the claim's organization
    that subscribed to it; each is sent by a "webhook" job once the caller's transaction
    commits. `version` defaults to the claim's current published version; a claim never
    published has no event.
    """
    if event_type not in EVENT_NAMES:
        raise ValueError(f"unknown webhook event: {event_type!r}")
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            organization_id=claim.article.organization_id, is_active=True
        )
        if event_type in endpoint.events
    ]
    if not endpoints:
        return []
    if version is None:
        version = PublishedVersion.objects.filter(claim=claim, is_current=True).first()
        if version is None:
            return []
    body = payload(claim, event_type, version, previous_rating, reason)
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(
            endpoint=endpoint, event_type=event_type, message_id=new_message_id(), payload=body
        )
        delivery.full_clean()
        delivery.save()
        jobs.enqueue(kind="webhook", subject_id=delivery.pk, max_attempts=max_attempts())
        deliveries.append(delivery)
    return deliveries


def version_written(version: PublishedVersion, previous: PublishedVersion | None) -> list:
    """The event for a new published or retracted version: published the first time, a
    correction on republishing (with the rating before, when it changed), or a retraction."""
    claim = version.claim
    if version.kind == PublishedVersion.Kind.RETRACTED:
        return claim_event(claim, RETRACTED, version)
    if previous is None or previous.kind == PublishedVersion.Kind.RETRACTED:
        return claim_event(claim, PUBLISHED, version)
    # Another rating, or a new value of it, is another verdict; a rating only renamed on the
    # scale is not.
    same = (previous.rating_id, previous.rating_value) == (version.rating_id, version.rating_value)
    before = None if same else previous.rating_label
    return claim_event(claim, CORRECTED, version, previous_rating=before)


def orphaned(version: PublishedVersion, reason: str) -> list:
    """The event for a published version readers no longer see because its words changed or
    left the article. The caller hides it first, so that the payload shows what the public
    API shows now ("suspended"); `reason` says why, for the receiver's log."""
    if version.kind != PublishedVersion.Kind.PUBLISHED:
        return []  # a retraction hidden with its words was taken down when it was retracted
    return claim_event(version.claim, ORPHANED, version, reason=reason)
