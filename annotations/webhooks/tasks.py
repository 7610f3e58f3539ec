"""Celery task that delivers one webhook event to one endpoint."""

from __future__ import annotations

import logging
import time

from django.conf import settings

from annotations import fetching, jobs
from annotations.models import Job, WebhookDelivery
from annotations.permissions import SYSTEM
from annotations.services import webhooks as webhook_services
from annotations.webhooks import events, signing

logger = logging.getLogger(__name__)

# One POST is bounded by FACTCHECK_WEBHOOK_TIMEOUT; the limits leave room for the bookkeeping.
SOFT_TIME_LIMIT = 60
TIME_LIMIT = 90


def retry_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1 for the first)."""
    delays = settings.FACTCHECK_WEBHOOK_RETRY_DELAYS
    return float(delays[min(attempt, len(delays)) - 1])


def _delivery_failed(job: Job, reason: str) -> None:
    """The delivery gave up: record it, and disable an endpoint that failed all along."""
    webhook_services.delivery_gave_up(actor=SYSTEM, delivery_id=job.subject_id, reason=reason)


@jobs.job_task(
    "webhook",
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    on_failure=_delivery_failed,
    retry_delays=retry_delay,
)
def deliver_webhook(job: Job) -> None:
    """POST one signed event to its endpoint through the safe fetcher.

    A 2xx answer delivers it. Any other answer, a timeout or a connection failure is tried
    again on the FACTCHECK_WEBHOOK_RETRY_DELAYS schedule; an address the fetcher refuses
    (an internal one) fails at once, and nothing is sent to it.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=job.subject_id).first()
    if delivery is None or delivery.state == WebhookDelivery.State.DELIVERED:
        return
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        raise jobs.PermanentError("the endpoint is disabled")
    if not events.still_wanted(endpoint, delivery.event_type):
        raise jobs.PermanentError(f"the endpoint no longer subscribes to {delivery.event_type}")
    body = signing.body(delivery.payload)
    headers = signing.headers(endpoint, delivery.message_id, body)
    # One slow receiver must not hold every thread of the I/O worker (`jobs.host_slot`).
    with jobs.host_slot(endpoint.url):
        webhook_services.delivery_attempt_started(
            actor=SYSTEM, delivery_id=delivery.pk, url=endpoint.url
        )
        started = time.monotonic()
        try:
            result = fetching.post(
                endpoint.url,
                content=body,
                content_type="application/json",
                headers=headers,
                policy=signing.policy(),
            )
        except fetching.FetchError as error:
            raise _recorded_failure(delivery.pk, error, started) from error
    webhook_services.delivery_attempted(
        actor=SYSTEM, delivery_id=delivery.pk, status=result.status, ms=_ms(started), error=""
    )


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _recorded_failure(delivery_id: int, error: fetching.FetchError, started: float) -> Exception:
    """Record the failed attempt; return what the job mechanism should be raised with."""
    webhook_services.delivery_attempted(
        actor=SYSTEM,
        delivery_id=delivery_id,
        status=getattr(error, "status", None),
        ms=_ms(started),
        error=str(error),
    )
    if isinstance(error, fetching.FetchRefused):
        return jobs.PermanentError(str(error))
    # Every other failure may pass: a receiver that is down, restarting or answering 4xx
    # while it is being fixed. The schedule bounds the retries.
    return jobs.TransientError(str(error))
