"""Who may do what: small named predicates over a user's role in an organization."""

from annotations.models import Membership

Role = Membership.Role

EDITING_ROLES = {Role.ADMIN, Role.EDITOR, Role.REVIEWER}
PUBLISHING_ROLES = {Role.ADMIN, Role.REVIEWER}


def role_in(user, organization) -> str | None:
    """The user's role in the organization, or None when they are not a member."""
    if user is None or not user.is_authenticated:
        return None
    # Views prefetch memberships onto the user once per request; fall back to a query.
    cached = getattr(user, "_roles_by_org", None)
    if cached is not None:
        return cached.get(organization.pk)
    membership = Membership.objects.filter(organization=organization, user=user).first()
    return membership.role if membership else None


def is_member(user, organization) -> bool:
    return role_in(user, organization) is not None


def can_edit(user, organization) -> bool:
    """Create and change articles, claims and sources."""
    return role_in(user, organization) in EDITING_ROLES


def can_publish(user, organization) -> bool:
    """Publish, send back and retract claims."""
    return role_in(user, organization) in PUBLISHING_ROLES


def can_manage_members(user, organization) -> bool:
    """Invite members, set roles and edit rating scales."""
    return role_in(user, organization) == Role.ADMIN
