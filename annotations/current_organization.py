"""The organization a member works in: chosen in the header, remembered in the session.

A member of one organization always works in it. A member of several chooses with the
header's switcher, or by following a link that names one (`?org=<slug>`, an organization's
settings pages); until they do, they work in the organization they joined first. The desk,
Members, Settings and Add an article follow the choice. Only the user's own organizations
(`queries.organizations_of`) can be chosen: any other is a 404 and changes nothing.
"""

from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.http import Http404

from annotations import permissions, queries
from annotations.models import Organization

SESSION_KEY = "current_organization"


def current(request) -> Organization | None:
    """The organization the request works in; None for someone who belongs to none.

    `?org=<slug>` names one of the user's organizations, which is remembered from then on;
    a slug that is not one of theirs is a 404 and the remembered choice stays.
    """
    slug = request.GET.get("org")
    if slug:
        organization = queries.organizations_of(request.user).filter(slug=slug).first()
        if organization is None:
            raise Http404("You are not a member of this organization.")
        remember(request, organization)
        return organization
    return _remembered(request)


def remember(request, organization: Organization) -> None:
    """Work in `organization` from now on; the caller has checked that the user belongs to it."""
    if request.session.get(SESSION_KEY) != organization.pk:
        request.session[SESSION_KEY] = organization.pk
    request._current_organization = organization


def administered(
    request, slug: str, refusal: str, allowed=permissions.can_manage_members
) -> Organization:
    """The organization an admin page's address names, which the user then works in.

    404 for someone who is not a member (the organization's existence is not confirmed),
    403 with `refusal` for a member `allowed` refuses; neither changes the choice.
    """
    organization = queries.organizations_of(request.user).filter(slug=slug).first()
    if organization is None:
        raise Http404("You are not a member of this organization.")
    if not allowed(request.user, organization):
        raise PermissionDenied(refusal)
    remember(request, organization)
    return organization


def _remembered(request) -> Organization | None:
    """The organization remembered for the session, while the user still belongs to it, else
    the one they joined first."""
    cached = getattr(request, "_current_organization", None)
    if cached is not None:
        return cached
    remembered = request.session.get(SESSION_KEY)
    organization = None
    if isinstance(remembered, int):
        organization = queries.organizations_of(request.user).filter(pk=remembered).first()
        if organization is None:
            # Removed from it (or it was deleted) since: forget it rather than ask each time.
            del request.session[SESSION_KEY]
    if organization is None:
        organization = queries.first_joined_organization(request.user)
    request._current_organization = organization
    return organization


class OrganizationMenu:
    """The header's view of the user's organizations, read only when a page shows them."""

    def __init__(self, request):
        self._request = request

    @cached_property
    def current(self) -> Organization | None:
        """The organization the page works in (as the view chose it, `?org=` included)."""
        return _remembered(self._request)

    @cached_property
    def choices(self) -> list[Organization]:
        """The user's organizations to switch between; empty when there is only one."""
        organizations = list(queries.organizations_of(self._request.user).only("slug", "name"))
        return organizations if len(organizations) > 1 else []

    @cached_property
    def settings_organization(self) -> Organization | None:
        """The current organization when the user may change its settings, else None."""
        organization = self.current
        user = self._request.user
        if organization is None or not permissions.can_manage_members(user, organization):
            return None
        return organization


def organization_menu(request) -> dict:
    """Template context: the header's organization switcher and Settings link."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"organization_menu": OrganizationMenu(request)}
