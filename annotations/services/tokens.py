"""API tokens: made with their key shown once, revoked by deletion (django-rest-knox)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from annotations import permissions
from annotations.models import ApiToken, Organization

# Tokens one person may hold at once (personal, or made for one organization): a limit
# well above any real use that keeps a runaway script from filling the table.
TOKENS_PER_OWNER_MAX = 50
# How stale `last_used_at` may get: at most one write per token per minute, however busy.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@transaction.atomic
def token_create(
    *,
    actor,
    name: str,
    scope: str,
    expires_at: datetime | None = None,
    organization: Organization | None = None,
) -> tuple[ApiToken, str]:
    """Make an API token acting as `actor`; return it with its key, which is never stored.

    Only knox's digest of the key is kept, so the caller must show the key now or never.
    `expires_at` None makes a token that works until it is revoked. With `organization`,
    the token acts only within that organization, and only while `actor` is an admin there.
    """
    permissions.require_create_token(actor, organization)
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expiry": ["Choose an expiry in the future."]})
    held = ApiToken.objects.filter(user=actor, organization=organization).count()
    if held >= TOKENS_PER_OWNER_MAX:
        raise ValidationError(
            f"You already have {held} tokens here; revoke one you no longer use first."
        )
    name = name.strip()
    # A list of tokens is read by name when one has to be revoked: two alike can't be told
    # apart. Personal tokens are listed per person, an organization's for all its admins.
    # Compared here rather than by the database, whose case folding differs (SQLite folds
    # ASCII only); two made at the same instant may still share a name, which is harmless.
    listed = (
        ApiToken.objects.filter(user=actor, organization=None)
        if organization is None
        else ApiToken.objects.filter(organization=organization)
    )
    same = [n for n in listed.values_list("name", flat=True) if _name_key(n) == _name_key(name)]
    if name and same:
        raise ValidationError(
            {"name": [f"A token named “{same[0]}” already exists here; choose another name."]}
        )
    digest, key = get_digest_token()
    token = ApiToken(
        digest=digest,
        token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
        user=actor,
        expiry=expires_at,
        name=name,
        scope=scope,
        organization=organization,
    )
    token.full_clean()
    token.save()
    return token, key


def _name_key(name: str) -> str:
    """A token's name as people tell names apart: case and runs of spaces aside."""
    return " ".join(name.split()).casefold()


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> None:
    """Revoke a token: it is deleted, and the next request that sends it is refused (401)."""
    permissions.require_revoke_token(actor, token)
    ApiToken.objects.filter(pk=token.pk).delete()


@transaction.atomic
def tokens_revoke_all(*, user, actor) -> int:
    """Revoke every token `user` made, personal or for an organization; how many there were.

    Called when their password changes: whoever held the account before (a stolen session
    or password) may have made a token, and a token, unlike a session, would outlive the
    new password.
    """
    permissions.require_own_account(actor, user)
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def token_used(*, token: ApiToken, now: datetime) -> None:
    """Record that `token` just authenticated a request, writing at most once a minute.

    The actor is the token itself, checked by the authentication that calls this (known,
    unexpired, its user active). The row loaded for that check says whether a write is due,
    so most requests write nothing; the conditional UPDATE keeps concurrent requests from
    writing twice.
    """
    since = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > since:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=since), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now
