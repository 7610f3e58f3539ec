"""API token authentication: knox's hashed tokens, with expiry, scope and organization limits."""

from __future__ import annotations

import re
from hmac import compare_digest

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from annotations import services
from annotations.models import ApiToken, Membership

# The shape of what knox hands out (its prefix, then hexadecimal), with room to spare.
_KEY = re.compile(r"[A-Za-z0-9_]{16,300}", re.ASCII)


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>` and nothing else: never a query parameter or a cookie.

    A request without a `Token` header is left to the next authenticator (the session).
    With one, the key must be whole, known, unexpired and its user active, or the answer
    is 401.
    The request then acts as the token's user (`request.auth` is the `ApiToken`):

    - an organization token works only while its maker is an admin of its organization,
      and marks the user so that `permissions.role_in` and `queries.organizations_of`
      see no other organization (`permissions.acting_within`);
    - `permissions.TokenScope` (annotations.api.permissions) refuses writes to read tokens.

    Unlike knox's own class, an expired token is kept (its owner sees it listed as expired,
    and the 401 says when it expired) rather than deleted on first use, and the lookup
    costs one query instead of loading every token of the user.
    """

    def authenticate(self, request):
        header = get_authorization_header(request)
        if not header:
            return None
        parts = header.split()
        scheme = self.authenticate_header(request).encode()
        # Another scheme is not ours to judge: a site behind a proxy that asks for Basic
        # credentials gets them sent with every request of its signed-in browsers. A program
        # that sends one gets the 401 of any request without credentials, naming `Token`.
        if (
            len(parts) == 2
            and parts[0].lower() == b"bearer"
            and _KEY.fullmatch(parts[1].decode("ascii", "replace"))
        ):
            # The scheme most APIs use, with what looks like one of our keys: say which
            # scheme this one expects rather than that no credentials came.
            raise exceptions.AuthenticationFailed(
                "Send the key as `Authorization: Token <key>`: this API does not use Bearer."
            )
        if not parts or parts[0].lower() != scheme.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Malformed token header: expected `Authorization: Token <key>`, one key, no spaces."
            )
        return self.authenticate_credentials(parts[1])

    def authenticate_credentials(self, token):
        try:
            key = token.decode("ascii")
        except UnicodeDecodeError:
            key = ""
        if not _KEY.fullmatch(key):
            raise exceptions.AuthenticationFailed("Malformed token: this is not an API key.")
        digest = hash_token(key)
        candidates = ApiToken.objects.filter(
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user", "organization")
        api_token = next((t for t in candidates if compare_digest(t.digest, digest)), None)
        if api_token is None:
            raise exceptions.AuthenticationFailed(
                "Invalid token: it was revoked, or never existed."
            )
        now = timezone.now()
        if api_token.expiry is not None and api_token.expiry <= now:
            raise exceptions.AuthenticationFailed(
                f"This token expired at {api_token.expiry:%Y-%m-%d %H:%M} UTC; make a new one."
            )
        user = api_token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is inactive.")
        if not user.has_usable_password():
            # Signing in with a password was turned off for the account (the admin's answer
            # to one taken over): its tokens stop with it. A new password revokes them for
            # good (annotations.password_tokens).
            raise exceptions.AuthenticationFailed(
                "The token's account has signing in turned off; its tokens no longer work."
            )
        if api_token.organization_id is not None:
            _limit_to_organization(user, api_token)
        services.token_used(token=api_token, now=now)
        return user, api_token

    def authenticate_header(self, request):
        return knox_settings.AUTH_HEADER_PREFIX


def _limit_to_organization(user, api_token: ApiToken) -> None:
    """Refuse an organization token whose maker left its admins; else confine the user to it."""
    organization = api_token.organization
    role = (
        Membership.objects.filter(organization=organization, user=user)
        .values_list("role", flat=True)
        .first()
    )
    if role != Membership.Role.ADMIN:
        raise exceptions.AuthenticationFailed(
            f"This organization token stopped working: the person who made it is no longer "
            f"an admin of {organization.name}."
        )
    user.token_organization_id = organization.pk
    # The role predicates read this cache; it holds the one organization the token may act in.
    user._roles_by_org = {organization.pk: role}
