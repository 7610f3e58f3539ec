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


# The header pages send with every write: the id of the user the page was made for.
PAGE_USER_HEADER = "X-Factcheck-Page-User"


class SameUserAsThePage(BasePermission):
    """A write from a page made for another user is refused: after signing out in one tab
    and in as someone else in another, an open page would otherwise save its first user's
    unsaved input under the second user's name. Requests without the header (API clients,
    tokens) pass here."""

    message = (
        "You are signed in as someone else now (in another tab, perhaps) than when this page "
        "was opened: nothing was saved. What you typed is still in this page, and this browser "
        "offers it back only to the account you opened the page with, never to another: to "
        "keep it, sign in again as that account and save here, or copy it now."
    )

    def has_permission(self, request, view):
        page_user = request.headers.get(PAGE_USER_HEADER, "")
        if not page_user or request.method in SAFE_METHODS:
            return True
        return str(request.user.pk) == page_user
