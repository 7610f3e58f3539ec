"""API permission classes: what a token's scope allows, on top of the roles services check."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from annotations.models import ApiToken


class TokenScope(BasePermission):
    """A read token may read (GET, HEAD, OPTIONS); writes need a read-write token.

    Requests signed in by session are not a token's and pass here; what anyone may do to
    an organization's data is then up to the services' `permissions.require_*` checks.
    """

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        if request.method in SAFE_METHODS or token.scope == ApiToken.Scope.READ_WRITE:
            return True
        # DRF reads the refusal's detail from the instance, per request.
        self.message = (
            f'This token\'s scope is "{token.scope}": it may only read. {request.method} needs '
            f'a token with the "{ApiToken.Scope.READ_WRITE}" scope.'
        )
        return False
