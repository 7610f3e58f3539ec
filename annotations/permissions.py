"""Who may do what: small named predicates, and the `require_*` checks every service calls."""

from django.core.exceptions import PermissionDenied

from annotations.models import Membership

Role = Membership.Role

EDITING_ROLES = {Role.ADMIN, Role.EDITOR, Role.REVIEWER}
PUBLISHING_ROLES = {Role.ADMIN, Role.REVIEWER}


class SystemActor:
    """The product acting on its own (workers, re-anchoring, demo data, setup commands).

    Services require an actor on every call; background work passes `SYSTEM` explicitly
    instead of None, so a forgotten actor is an error and never a silent bypass.
    """

    is_authenticated = True
    is_system = True
    pk = None

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def is_system(actor) -> bool:
    return isinstance(actor, SystemActor)


def as_user(actor):
    """The user to record as author of a change: None for the system actor."""
    return None if is_system(actor) else actor


def acting_within(user) -> int | None:
    """The one organization's id a request may act in, when it came with an organization token.

    `annotations.api.authentication` marks the user of such a request; every role check
    and `queries.organizations_of` then see no other organization. None: no such limit.
    """
    return getattr(user, "token_organization_id", None)


def role_in(user, organization) -> str | None:
    """The user's role in the organization, or None when they are not a member."""
    if user is None or not user.is_authenticated or is_system(user):
        return None
    limit = acting_within(user)
    if limit is not None and limit != organization.pk:
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
    return is_system(user) or role_in(user, organization) in EDITING_ROLES


def can_publish(user, organization) -> bool:
    """Publish, send back and retract claims."""
    return is_system(user) or role_in(user, organization) in PUBLISHING_ROLES


def is_site_admin(user) -> bool:
    """The site's operator: may run any organization's setup from the admin."""
    if acting_within(user) is not None:
        return False
    return bool(getattr(user, "is_superuser", False)) and user.is_active


def can_manage_members(user, organization) -> bool:
    """Invite members, set roles and edit rating scales."""
    return is_system(user) or is_site_admin(user) or role_in(user, organization) == Role.ADMIN


def invitation_sender_stands_behind(invitation) -> bool:
    """Whether whoever sent the invitation could still send it: the system, or an account
    still active, able to sign in, and an admin of the organization (or the site's operator).

    A new password withdraws the invitations sent with the old one
    (`services.invitations_withdraw_sent`); an account the operator deactivated, or whose
    password sign-in was turned off, changes no password, and its invitations made by
    whoever held it (an admin invited as themselves, review R22) must not open either.
    """
    sender = invitation.invited_by
    if sender is None:
        return True
    if not sender.is_active or not sender.has_usable_password():
        return False
    return can_manage_members(sender, invitation.organization)


def _require_actor(actor) -> None:
    if actor is None:
        # A programming error, not a user's: every service call names who acts.
        raise TypeError("A service was called without an actor; pass a user or SYSTEM.")


def require_edit(actor, organization, message: str = "") -> None:
    """Raise PermissionDenied unless `actor` may change the organization's articles and claims."""
    _require_actor(actor)
    if not can_edit(actor, organization):
        raise PermissionDenied(
            message or "Only editors of this organization can change its articles and claims."
        )


class RoleRefused(PermissionDenied):
    """Refused for the actor's role, which the answer names: a page opened under an earlier
    role (a reviewer since made an editor) learns the role it now acts in."""

    def __init__(self, message: str, *, role: str | None):
        super().__init__(message)
        self.role = role


def require_publish(actor, organization, message: str = "") -> None:
    """Raise RoleRefused unless `actor` may publish, send back or retract claims."""
    _require_actor(actor)
    if not can_publish(actor, organization):
        raise RoleRefused(
            message or "Your role does not allow this step.", role=role_in(actor, organization)
        )


def require_manage_members(actor, organization, message: str = "") -> None:
    """Raise PermissionDenied unless `actor` is an admin of the organization."""
    _require_actor(actor)
    if not can_manage_members(actor, organization):
        raise PermissionDenied(message or "Only an organization admin can manage members.")


def require_system(actor) -> None:
    """Raise PermissionDenied unless the product itself is acting (setup, demo data)."""
    _require_actor(actor)
    if not is_system(actor):
        raise PermissionDenied("Only the system may do this.")


def require_create_organization(actor) -> None:
    """Raise PermissionDenied unless the system or a site superuser is creating a newsroom."""
    _require_actor(actor)
    if not (is_system(actor) or is_site_admin(actor)):
        raise PermissionDenied("Only a site administrator can create organizations.")


def can_revoke_token(user, token) -> bool:
    """The token's maker may revoke it; so may any admin of an organization token's organization."""
    if user is None or not user.is_authenticated:
        return False
    if is_system(user) or token.user_id == user.pk:
        return True
    return token.organization_id is not None and can_manage_members(user, token.organization)


def can_manage_organization_tokens(user, organization) -> bool:
    """See and make the organization's API tokens: its admins only. A token acts as the
    person who made it, within the organization; a site superuser who is no admin of it
    would make one that acts as no admin there."""
    return user is not None and role_in(user, organization) == Role.ADMIN


def require_create_token(actor, organization=None) -> None:
    """Raise PermissionDenied unless `actor` is a person who may make this API token.

    Anyone signed in may make a personal token; an organization token only that
    organization's admins. The system has no tokens: a token always acts as a person.
    """
    _require_actor(actor)
    if is_system(actor) or not actor.is_authenticated:
        raise PermissionDenied("Only a signed-in person can create an API token.")
    if organization is not None and not can_manage_organization_tokens(actor, organization):
        raise PermissionDenied("Only an admin of the organization can create its tokens.")


def require_revoke_token(actor, token) -> None:
    """Raise PermissionDenied unless `actor` made the token or administers its organization."""
    _require_actor(actor)
    if not can_revoke_token(actor, token):
        raise PermissionDenied("Only the token's maker or its organization's admins can revoke it.")


def require_own_account(actor, user, message: str = "") -> None:
    """Raise PermissionDenied unless `actor` is `user` (or the system acting for them)."""
    _require_actor(actor)
    if not (is_system(actor) or (actor.is_authenticated and actor.pk == user.pk)):
        raise PermissionDenied(message or "Only the account's holder can do this.")


def can_accept_invitation(user, invitation) -> bool:
    """Whether `user` may join through `invitation`.

    Only the account invited may, or for an invitation to a newcomer, an account that has
    the invited address.
    """
    if user is None or not user.is_authenticated or is_system(user):
        return False
    if invitation.invited_user_id is not None:
        return invitation.invited_user_id == user.pk
    return bool(user.email) and user.email.casefold() == invitation.email.casefold()


def require_accept_invitation(actor, invitation) -> None:
    """Raise PermissionDenied unless `actor` is the person `invitation` was sent to."""
    _require_actor(actor)
    if not can_accept_invitation(actor, invitation):
        raise PermissionDenied("This invitation is for another account.")


def require_own_comment(actor, comment) -> None:
    """Raise PermissionDenied unless `actor` wrote `comment` and may still edit in its newsroom."""
    _require_actor(actor)
    if is_system(actor) or comment.author_id != actor.pk:
        raise PermissionDenied("Only its author can change or delete a comment.")
    require_edit(actor, comment.claim.article.organization)


def require_self(actor, user) -> None:
    """Raise PermissionDenied unless `actor` is `user` (their own settings, their own inbox)."""
    _require_actor(actor)
    if is_system(actor) or actor.pk != user.pk:
        raise PermissionDenied("Only you can change your own settings.")
