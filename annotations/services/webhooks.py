"""Webhook endpoints (register, edit, rotate the secret, delete) and their deliveries' record."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations import fetching, jobs, permissions, urlnorm
from annotations.models import Job, Membership, Organization, WebhookDelivery, WebhookEndpoint
from annotations.rows import locked
from annotations.webhooks import events, signing

# Endpoints one organization may register: well above real use, below a runaway script's.
ENDPOINTS_PER_ORGANIZATION_MAX = 20
ADMINS_ONLY = "Only an organization admin can manage webhooks."


def _require_admin(actor, organization: Organization) -> None:
    permissions.require_manage_members(actor, organization, ADMINS_ONLY)


def _clean_events(chosen) -> list[str]:
    chosen = list(dict.fromkeys(chosen or []))
    unknown = [name for name in chosen if name not in events.EVENT_NAMES]
    if unknown:
        raise ValidationError({"events": f"Unknown events: {', '.join(map(str, unknown))}."})
    if not chosen:
        raise ValidationError({"events": "Choose at least one event."})
    # Stored in the order the events are listed everywhere else.
    return [name for name in events.EVENT_NAMES if name in chosen]


def _checked_url(url: str) -> str:
    """The receiver's URL in one spelling, after refusing one the fetcher would never post to
    (an internal address).

    Scheme and host in lower case, without the default port or a fragment (which is never
    sent): "HTTP://Example.org:80/hook#x" is the receiver at "http://example.org/hook", and
    a second webhook to it would get every event twice.
    """
    try:
        checked = fetching.check_url(url.strip(), fetching.policy_from_settings())
    except fetching.FetchRefused as error:
        raise ValidationError({"url": str(error)}) from error
    parts = urlsplit(checked)
    netloc = parts.netloc
    if parts.port is not None and parts.port == urlnorm.DEFAULT_PORTS.get(parts.scheme):
        netloc = netloc.rsplit(":", 1)[0]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def _require_new_url(endpoint: WebhookEndpoint) -> None:
    """Refuse a second endpoint of the organization at the same URL: the receiver would get
    every event it subscribes to twice."""
    same = WebhookEndpoint.objects.filter(
        organization_id=endpoint.organization_id, url=endpoint.url
    ).exclude(pk=endpoint.pk)
    if same.exists():
        raise ValidationError(
            {"url": "A webhook to this URL is registered already: change its events on its page."}
        )


@transaction.atomic
def webhook_register(
    *, actor, organization: Organization, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """Register `url` for `events`; return the endpoint and its signing secret.

    The caller shows the secret now: pages never show it again (rotate to get a new one).
    """
    _require_admin(actor, organization)
    # One registration at a time per organization: two at once would pass both checks below.
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
    if organization.webhook_endpoints.count() >= ENDPOINTS_PER_ORGANIZATION_MAX:
        raise ValidationError(
            f"An organization may have at most {ENDPOINTS_PER_ORGANIZATION_MAX} webhooks."
        )
    endpoint = WebhookEndpoint(
        organization=organization,
        url=_checked_url(url),
        description=description.strip(),
        events=_clean_events(events),
        secret=signing.new_secret(),
        created_by=permissions.as_user(actor),
    )
    endpoint.full_clean()
    _require_new_url(endpoint)
    endpoint.save()
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_update(
    *,
    actor,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL, events, description, or switch it on and off.

    Switching a disabled endpoint back on clears its failure count and reason.
    """
    _require_admin(actor, endpoint.organization)
    if url is not None:
        # The organization first, as a registration takes it: two endpoints moved to one URL
        # at once (or one moved while another is registered there) would each pass the check.
        Organization.objects.select_for_update(no_key=True).filter(
            pk=endpoint.organization_id
        ).first()
    endpoint = locked(WebhookEndpoint.objects, "webhook", pk=endpoint.pk)
    if url is not None:
        endpoint.url = _checked_url(url)
    if events is not None:
        endpoint.events = _clean_events(events)
    if description is not None:
        endpoint.description = description.strip()
    if is_active is not None:
        if is_active and not endpoint.is_active:
            endpoint.consecutive_failures = 0
            endpoint.disabled_reason = ""
        endpoint.is_active = is_active
    endpoint.full_clean()
    if url is not None:
        _require_new_url(endpoint)
    endpoint.save()
    return endpoint


@transaction.atomic
def webhook_rotate_secret(*, actor, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new secret; return it with the endpoint.

    The old secret keeps signing beside the new one for FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS,
    so the receiver can switch without missing an event.
    """
    _require_admin(actor, endpoint.organization)
    endpoint = locked(WebhookEndpoint.objects, "webhook", pk=endpoint.pk)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(
        hours=settings.FACTCHECK_WEBHOOK_SECRET_GRACE_HOURS
    )
    endpoint.secret = signing.new_secret()
    endpoint.full_clean()
    endpoint.save()
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    """Delete an endpoint and its delivery log; deliveries still queued are dropped."""
    _require_admin(actor, endpoint.organization)
    endpoint.delete()


@transaction.atomic
def webhook_resend(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with its message id (receivers deduplicate on it), now: a
    retry already scheduled is brought forward rather than joined by another."""
    endpoint = delivery.endpoint
    _require_admin(actor, endpoint.organization)
    if not endpoint.is_active:
        raise ValidationError("Switch the webhook on before resending to it.")
    if not events.still_wanted(endpoint, delivery.event_type):
        raise ValidationError(
            f"This webhook no longer subscribes to {delivery.event_type}: tick it again "
            "before resending."
        )
    delivery = locked(WebhookDelivery.objects, "webhook delivery", pk=delivery.pk)
    # One job per delivery: another beside a retry already scheduled sent the receiver the
    # same event several times in one second, each job keeping its own schedule (G14).
    waiting = jobs.waiting_for("webhook", delivery.pk)
    if waiting is not None and waiting.state == Job.State.RUNNING:
        raise ValidationError(
            "This delivery is being sent right now: its result shows in the log in a moment."
        )
    delivery.state = WebhookDelivery.State.PENDING
    delivery.last_error = ""
    delivery.save(update_fields=["state", "last_error"])
    if waiting is not None:
        jobs.run_now(waiting)
    else:
        jobs.enqueue(kind="webhook", subject_id=delivery.pk, max_attempts=events.max_attempts())
    return delivery


@transaction.atomic
def webhook_send_test(*, actor, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Send the endpoint one signed test event, tried once: its result shows in the log.

    A receiver being set up is checked on the spot, with no claim to publish first.
    """
    _require_admin(actor, endpoint.organization)
    endpoint = locked(WebhookEndpoint.objects, "webhook", pk=endpoint.pk)
    if not endpoint.is_active:
        raise ValidationError("Switch the webhook on before sending it a test event.")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_type=events.TEST,
        message_id=events.new_message_id(),
        payload=events.test_payload(endpoint),
    )
    jobs.enqueue(kind="webhook", subject_id=delivery.pk, max_attempts=1)
    return delivery


# Bookkeeping of the delivery job (annotations.webhooks.tasks), as the system


@transaction.atomic
def delivery_attempt_started(*, actor, delivery_id: int, url: str) -> None:
    """Count an attempt to `url` as it starts: one cut short (the worker killed while sending,
    after the receiver may have got it) is still an attempt the admins see."""
    permissions.require_system(actor)
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        attempts=F("attempts") + 1, last_attempt_at=timezone.now(), last_attempt_url=url
    )


def delivery_attempted(*, actor, delivery_id: int, status: int | None, ms: int, error: str) -> None:
    """Record how the attempt begun by `delivery_attempt_started` ended: a 2xx `status` with
    no `error` delivers it, anything else failed."""
    permissions.require_system(actor)
    now = timezone.now()
    delivered = not error and status is not None and 200 <= status < 300
    fields = {
        "response_status": status,
        "response_ms": ms,
        "last_error": error[:1000],
        "last_attempt_at": now,
    }
    if delivered:
        fields.update(state=WebhookDelivery.State.DELIVERED, delivered_at=now)
    WebhookDelivery.objects.filter(pk=delivery_id).update(**fields)
    endpoint = WebhookDelivery.objects.filter(pk=delivery_id).values("endpoint_id")
    if delivered:
        WebhookEndpoint.objects.filter(pk__in=endpoint).update(consecutive_failures=0)
    else:
        WebhookEndpoint.objects.filter(pk__in=endpoint).update(
            consecutive_failures=F("consecutive_failures") + 1
        )


def delivery_gave_up(*, actor, delivery_id: int, reason: str) -> None:
    """Fail a delivery for good; disable its endpoint if every attempt since the last success
    failed (it kept failing for the whole retry schedule), and tell the admins by email.

    Runs in the transaction that fails the job.
    """
    permissions.require_system(actor)
    delivery = (
        WebhookDelivery.objects.select_related("endpoint__organization")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        state=WebhookDelivery.State.FAILED, last_error=reason[:1000]
    )
    if delivery.event_type == events.TEST:
        # Tried once, on an admin's request: a receiver still being set up is not switched off.
        return
    endpoint = locked(WebhookEndpoint.objects, "webhook", pk=delivery.endpoint_id)
    if not endpoint.is_active or endpoint.consecutive_failures < events.max_attempts():
        return
    endpoint.is_active = False
    endpoint.disabled_reason = (
        f"Disabled on {timezone.now():%Y-%m-%d %H:%M} UTC after "
        f"{endpoint.consecutive_failures} failed attempts in a row: {reason}"
    )[:500]
    endpoint.save(update_fields=["is_active", "disabled_reason"])
    transaction.on_commit(lambda: _tell_admins(endpoint), robust=True)


def _tell_admins(endpoint: WebhookEndpoint) -> None:
    """Email the organization's admins that the endpoint was disabled, and how to fix it."""
    organization = endpoint.organization
    admins = Membership.objects.filter(
        organization=organization, role=Membership.Role.ADMIN
    ).select_related("user")
    recipients = [m.user.email for m in admins if m.user.email and m.user.is_active]
    if not recipients:
        return
    page = f"{settings.PUBLIC_BASE_URL}/settings/organizations/{organization.slug}/webhooks/"
    send_mail(
        f"Webhook disabled: {endpoint.url}"[:200],
        (
            f"The webhook {endpoint.url} of {organization.name} kept failing and was "
            f"disabled.\n\n{endpoint.disabled_reason}\n\nEvents are no longer sent to it. "
            f"Fix the receiver, then switch the webhook back on and resend what it missed:\n"
            f"{page}\n"
        ),
        None,
        recipients,
    )
