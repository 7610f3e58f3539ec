"""Standard Webhooks signing: endpoint secrets, the body, the three webhook-* headers."""

from __future__ import annotations

import base64
import dataclasses
import json
import secrets
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from annotations import fetching

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
# 32 random bytes: the HMAC-SHA256 key, as long as its output.
SECRET_BYTES = 32
# The answer of a receiver is recorded, not read: a few kilobytes are plenty.
RESPONSE_MAX_BYTES = 64 * 1024


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` and base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def body(payload: dict) -> bytes:
    """The exact bytes sent and signed: compact JSON, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def active_secrets(endpoint, now: datetime | None = None) -> list[str]:
    """The secrets that sign now: the current one, and a rotated-out one in its grace period."""
    now = now or timezone.now()
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        found.append(endpoint.previous_secret)
    return found


def headers(endpoint, message_id: str, content: bytes, at: datetime | None = None) -> dict:
    """webhook-id, webhook-timestamp and webhook-signature for `content` sent `at` (now).

    The signature is HMAC-SHA256 over "id.timestamp.body", one `v1,<base64>` per active
    secret, space-separated, so that a receiver still holding the previous secret verifies
    during the grace period after a rotation.
    """
    at = (at or datetime.now(UTC)).astimezone(UTC)
    text = content.decode()
    signatures = [
        Webhook(secret).sign(msg_id=message_id, timestamp=at, data=text)
        for secret in active_secrets(endpoint, at)
    ]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


WEBHOOK_USER_AGENT = "factcheck-annotator/0.1 (webhook delivery; Standard Webhooks)"


def policy() -> fetching.FetchPolicy:
    """The safe fetcher's policy from settings, with the webhook timeout and a small answer.

    Redirects are not followed: one would turn the signed POST into a bodiless GET whose
    2xx passed for a delivery, or carry the signature to a host the endpoint names.
    """
    return dataclasses.replace(
        fetching.policy_from_settings(
            timeout=settings.FACTCHECK_WEBHOOK_TIMEOUT, max_bytes=RESPONSE_MAX_BYTES
        ),
        max_redirects=0,
        # A receiver answering at length (echoing the payload) still took the delivery.
        cut_long_answers=True,
        # Said in the receiver's logs: these are webhook deliveries, not page fetches.
        user_agent=WEBHOOK_USER_AGENT,
        content_types=("application/json",),
    )
