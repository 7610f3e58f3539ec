"""Newsrooms, their verdict scales and their members."""

from __future__ import annotations

import hashlib
import io
import secrets
import unicodedata
import warnings
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from annotations import lookalikes, permissions, queries
from annotations.models import (
    METHODOLOGY_MAX,
    ApiToken,
    Invitation,
    Membership,
    Organization,
    Rating,
    RatingScale,
    ReplacedInvitationLink,
)
from annotations.rows import locked
from annotations.services.claims import claims_unassign_departed, public_versions_touch

# The default verdict scale: label, value (None = outside the numeric range), colour, description.
# Colours are dark enough for white text at WCAG AA contrast.
DEFAULT_SCALE = [
    ("True", 5, "#1a7f37", "The claim is accurate and nothing significant is missing."),
    ("Mostly true", 4, "#4d7c0f", "Accurate, but needs clarification or additional information."),
    ("Half true", 3, "#9a6700", "Partially accurate; leaves out important details."),
    ("Mostly false", 2, "#bc4c00", "Contains an element of truth but ignores critical facts."),
    ("False", 1, "#cf222e", "The claim is not accurate."),
    ("Misleading", None, "#8250df", "Accurate in its parts, but gives a false impression."),
    ("Unverifiable", None, "#57606a", "Available evidence can neither prove nor disprove it."),
]


# Organizations, members and scales


@transaction.atomic
def organization_create(*, actor, name: str, slug: str, url: str = "", admin=None) -> Organization:
    """Create a newsroom with the default verdict scale, and make `admin` its first admin."""
    permissions.require_create_organization(actor)
    organization = Organization(name=name, slug=slug, url=url)
    organization.full_clean()
    organization.save()
    rating_scale_create_default(organization=organization, actor=actor)
    if admin is not None:
        membership_set(
            organization=organization, user=admin, role=Membership.Role.ADMIN, actor=actor
        )
    return organization


ORGANIZATION_EDITABLE_FIELDS = ("name", "url", "requires_two_person_review", "methodology")


@transaction.atomic
def organization_update(*, organization: Organization, actor, **fields) -> Organization:
    """Change a newsroom's name, home page, review rule or public methodology; its admins may."""
    unknown = set(fields) - set(ORGANIZATION_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    permissions.require_manage_members(
        actor, organization, "Only an organization admin can change its settings."
    )
    # A TextField's max_length is not a validator: the methodology's limit is checked here.
    length = len(fields.get("methodology") or "")
    if length > METHODOLOGY_MAX:
        raise ValidationError(
            {"methodology": f"At most {METHODOLOGY_MAX:,} characters ({length:,} given)."}
        )
    organization = locked(Organization.objects, "organization", pk=organization.pk)
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean()
    organization.save()
    if {"name", "slug", "url"} & set(fields):
        public_versions_touch(publisher=organization)
    return organization


LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
LOGO_MAX_SIDE = 4096


@transaction.atomic
def organization_logo_set(*, organization: Organization, actor, data: bytes | None) -> Organization:
    """Give the newsroom a logo (PNG, JPEG or WebP), or take it away with `data=None`.

    The image is checked by decoding it with Pillow, whatever its name says; its size is
    limited by FACTCHECK_LOGO_MAX_BYTES and its sides by LOGO_MAX_SIDE pixels. Raises
    ValidationError keyed "logo" with the reason.
    """
    permissions.require_manage_members(
        actor, organization, "Only an organization admin can change its settings."
    )
    organization = locked(Organization.objects, "organization", pk=organization.pk)
    old = organization.logo.name
    if data is None:
        organization.logo = ""
    else:
        extension = _checked_logo(data)
        digest = hashlib.sha256(data).hexdigest()[:32]
        organization.logo.save(
            f"{organization.slug}-{digest}.{extension}", ContentFile(data), save=False
        )
    organization.full_clean()
    organization.save(update_fields=["logo"])
    # Reader pages show the logo: their validators follow the published versions' stamp.
    public_versions_touch(publisher=organization)
    if old and old != organization.logo.name:
        storage = organization.logo.storage
        transaction.on_commit(lambda: storage.delete(old))
    return organization


def _checked_logo(data: bytes) -> str:
    """The file extension for a logo's bytes, after decoding them; ValidationError if bad."""
    from PIL import Image, UnidentifiedImageError

    limit = settings.FACTCHECK_LOGO_MAX_BYTES
    if len(data) > limit:
        raise ValidationError(
            {"logo": f"The logo is {len(data) // 1024:,} KB; the limit is {limit // 1024:,} KB."}
        )
    try:
        with warnings.catch_warnings():
            # A header claiming a huge image is refused, not decoded with a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                width, height = image.size
                # Sizes come from the header: huge images are refused before decoding.
                if kind in LOGO_FORMATS and max(width, height) <= LOGO_MAX_SIDE:
                    image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses such a header while opening it, before the size can be read.
        raise ValidationError(
            {"logo": f"The logo is too large to open: at most {LOGO_MAX_SIDE} pixels a side."}
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ValidationError(
            {"logo": "The file is not a readable PNG, JPEG or WebP image."}
        ) from None
    if kind not in LOGO_FORMATS:
        raise ValidationError({"logo": f"A {kind} image is not accepted: use PNG, JPEG or WebP."})
    if max(width, height) > LOGO_MAX_SIDE:
        size = f"{width} by {height} pixels"
        raise ValidationError(
            {"logo": f"The logo is {size}: at most {LOGO_MAX_SIDE} pixels a side."}
        )
    return LOGO_FORMATS[kind]


@transaction.atomic
def rating_scale_create_default(*, organization: Organization, actor) -> RatingScale:
    """Give the organization the shipped five-point scale plus Misleading and Unverifiable."""
    permissions.require_manage_members(actor, organization)
    scale = RatingScale(organization=organization, name="Default", worst_value=1, best_value=5)
    scale.full_clean()
    scale.save()
    for position, (label, value, colour, description) in enumerate(DEFAULT_SCALE, start=1):
        rating = Rating(
            scale=scale,
            label=label,
            value=value,
            position=position,
            colour=colour,
            description=description,
        )
        rating.full_clean()
        rating.save()
    return scale


@transaction.atomic
def membership_set(*, organization: Organization, user, role: str, actor) -> Membership:
    """Add `user` to the organization with `role`, or change their role."""
    _lock_members(organization)
    permissions.require_manage_members(actor, organization)
    membership = Membership.objects.filter(organization=organization, user=user).first()
    if membership is None:
        # People join an organization by accepting an invitation as themselves; only the
        # product (setup, demo data) or the site's operator adds someone directly.
        if not (permissions.is_system(actor) or permissions.is_site_admin(actor)):
            raise PermissionDenied("New members join by accepting an invitation.")
        membership = Membership(organization=organization, user=user, role=role)
    admins = Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
    if (
        membership.role == Membership.Role.ADMIN
        and role != Membership.Role.ADMIN
        and admins.count() == 1
    ):
        raise ValidationError("The organization needs at least one admin.")
    was_admin = membership.role == Membership.Role.ADMIN and membership.pk is not None
    membership.role = role
    membership.full_clean()
    membership.save()
    if was_admin and role != Membership.Role.ADMIN:
        _revoke_organization_tokens(organization, user)
        _withdraw_invitations_sent(organization, user)
    return membership


def _revoke_organization_tokens(organization: Organization, user) -> None:
    """Revoke the organization tokens `user` made, now that they are no longer its admin.

    Left in place, such a token was refused while its maker was not an admin, yet still
    listed as if it worked, and it came back to life unannounced were they made admin again.
    """
    ApiToken.objects.filter(organization=organization, user=user).delete()


def _withdraw_invitations_sent(organization: Organization, user) -> None:
    """Withdraw the pending invitations `user` sent, now that they are no longer its admin.

    Left open, an invitation (to a second account of theirs, as an admin) let them back in
    with the role they had just lost; the admins who remain may send it again.
    """
    queries.pending_invitations_sent(organization, user).update(
        state=Invitation.State.REVOKED, finished_at=timezone.now()
    )


def invitations_withdraw_sent(*, user, actor) -> int:
    """Withdraw every pending invitation `user` sent, in every organization; how many.

    Called when their password changes, as their tokens are revoked: whoever held the
    account before (a stolen session or password) may have invited an address of their
    own, as an admin, and the link would outlive the new password (review R22).
    """
    permissions.require_own_account(actor, user)
    return queries.open_invitations_sent_by(user).update(
        state=Invitation.State.REVOKED, finished_at=timezone.now()
    )


# Members and invitations


def _lock_members(organization: Organization) -> None:
    """Serialise changes to an organization's members on its row, then check the actor.

    Two admins removing or demoting each other at once must not both see the other one
    left, and one who lost the role meanwhile must not act on a check made before.
    """
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()


@transaction.atomic
def member_remove(*, organization: Organization, actor, user) -> int:
    """Take `user` out of the organization: an admin removes anyone, a member leaves; the
    last admin cannot be removed.

    Returns how many claims they were assigned, which are now assigned to nobody.
    """
    _lock_members(organization)
    leaving = (
        not permissions.is_system(actor)
        and permissions.as_user(actor).pk == user.pk
        and permissions.is_member(actor, organization)
    )
    if not leaving:
        permissions.require_manage_members(
            actor, organization, "Only an organization admin can remove members."
        )
    admins = Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
    if admins.filter(user=user).exists() and admins.count() == 1:
        raise ValidationError("The organization needs at least one admin.")
    Membership.objects.filter(organization=organization, user=user).delete()
    _revoke_organization_tokens(organization, user)
    _withdraw_invitations_sent(organization, user)
    return claims_unassign_departed(organization=organization, user=user, actor=actor)


class InvitationUnavailable(Exception):
    """The token opens no pending invitation; `reason` says why, `str()` says it in words."""

    MESSAGES = {
        "unknown": "This invitation link is not valid. Check that you copied all of it.",
        "replaced": "This invitation was sent again, and this link was replaced by a newer "
        "one: use the link in the latest invitation email.",
        Invitation.State.ACCEPTED: "This invitation has already been used.",
        Invitation.State.REVOKED: "This invitation was withdrawn by the organization.",
        Invitation.State.EXPIRED: "This invitation has expired. Ask the organization's admin "
        "to send it again.",
        Invitation.State.SUPERSEDED: "You joined the organization through another invitation, "
        "so this one is closed. To change your role, ask the organization's admin.",
    }

    def __init__(self, reason: str, *, sent_at=None):
        self.reason = reason
        message = self.MESSAGES[reason]
        if reason == "replaced" and sent_at is not None:
            when = timezone.localtime(sent_at)
            message = message.replace(
                "a newer one", f"a newer one, sent on {when.day} {when:%b %Y}"
            )
        super().__init__(message)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _is_due(invitation: Invitation) -> bool:
    return invitation.expires_at <= timezone.now()


@transaction.atomic
def invitation_create(*, organization: Organization, actor, invitee: str, role: str) -> Invitation:
    """Invite someone to the organization by username or email address, and email them a link.

    An existing account (found by username, else by email in any case) is invited at the
    address already on it, never at one the admin typed; a newcomer at the address given.
    Nobody joins until they accept. A pending invitation for the same person is sent again,
    with the role now chosen, instead of a second one being made.
    """
    _lock_members(organization)  # a double submit finds the first one's invitation
    permissions.require_manage_members(
        actor, organization, "Only an organization admin can invite members."
    )
    if role not in Membership.Role.values:
        raise ValidationError({"role": "Choose one of the roles."})
    invitee = invitee.strip()
    user = _account_for(invitee)
    pending = organization.invitations.select_for_update(no_key=True).filter(
        state=Invitation.State.PENDING
    )
    named = user is not None and invitee.casefold() == user.get_username().casefold()
    if user is not None and not named and not user.is_active:
        # Found by address, a deactivated account is answered as a newcomer's address would
        # be: telling the admin it cannot be invited would say an account has it. Its owner
        # finds the address taken and cannot sign in to accept.
        user = None
    if user is not None:
        # Found by address, the account is never named: that would tell an admin of any
        # newsroom whose address it is (a member's username, their own admins see anyway).
        name = user.get_username()
        # Already a member comes first: it is the answer whatever else holds of the account.
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise ValidationError({"invitee": f"{name if named else invitee} is already a member."})
        if not user.is_active:
            raise ValidationError({"invitee": f"{name}'s account is deactivated."})
        if not user.email:
            raise ValidationError(
                {
                    "invitee": f"{name} has no email address on their account, so the "
                    "invitation cannot be sent. A site administrator can add one."
                }
            )
        # An invitation by address and one by username are kept apart even for one account:
        # resending one when the other was asked for would tell whose the address is. By
        # address, the admins are shown the address as typed, spelled as a newcomer's would
        # be: the account's own spelling ("Editor-B@" typed, "editor-b@" shown) told an admin
        # of any newsroom that an account has it (review R22). The email still goes to the
        # account's address (`_send`).
        email = user.email if named else BaseUserManager.normalize_email(invitee)
        pending = pending.filter(invited_user=user, named_by_username=named)
    else:
        email = BaseUserManager.normalize_email(invitee)
        pending = pending.filter(invited_user=None, email__iexact=email)
    invitation = pending.first()
    if invitation is None:
        invitation = Invitation(
            organization=organization,
            email=email,
            invited_user=user,
            invited_by=permissions.as_user(actor),
        )
    # For an account, always its current address, whatever it was when first invited.
    invitation.email = email if user is not None else invitation.email
    invitation.named_by_username = named
    invitation.role = role
    return _send(invitation, sender=actor)


# Letters of category Lo that show nothing: the Hangul fillers, placeholders in a syllable.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")


def _has_a_visible_letter_or_digit(name: str) -> bool:
    """Whether `name` has a letter or digit of its own, not only modifier letters (the
    tatweel, which stretches the letters beside it) or fillers."""
    return any(
        unicodedata.category(character) in ("Lu", "Ll", "Lt", "Lo", "Nd")
        and character not in _FILLERS
        for character in name
    )


def _account_for(invitee: str):
    """The account `invitee` names: by email when it is an address, else by username (in
    any case); None for a newcomer."""
    users = get_user_model().objects
    try:
        validate_email(invitee)
    except ValidationError:
        pass
    else:
        # An address names whoever has it, never an account that merely took it as its
        # name: a username "jane@paper.test" would otherwise receive, at its own address,
        # the invitation the admin meant for Jane.
        # Several accounts with the address are answered as a newcomer's address is (saying
        # so told whose it is, review R22): whichever of them signs in with it may accept.
        matches = list(users.filter(email__iexact=invitee)[:2])
        return matches[0] if len(matches) == 1 else None
    user = users.filter(username=invitee).first()
    if user is not None:
        return user
    # Sign-up keeps usernames apart in any case, so "Demo-Editor" names demo-editor; two
    # older accounts that differ in case alone are left to the exact spelling.
    named = list(users.filter(username__iexact=invitee)[:2])
    if len(named) == 1:
        return named[0]
    # Shown without invisible characters, which would garble or reverse the message.
    shown = "".join(c for c in invitee if unicodedata.category(c) != "Cf")[:120]
    if "@" in invitee:
        message = (
            f"“{shown}” is not an email address an invitation can be sent to: check it, "
            "or invite them by username."
        )
    else:
        message = (
            f"No account is called “{shown}”. To invite someone new, enter their email address."
        )
    raise ValidationError({"invitee": message})


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor) -> Invitation:
    """Send a pending or expired invitation again with a new link, for the full number of
    days; the old link stops working."""
    permissions.require_manage_members(
        actor, invitation.organization, "Only an organization admin can send invitations."
    )
    invitation = locked(Invitation.objects, "invitation", pk=invitation.pk)
    if invitation.state not in (Invitation.State.PENDING, Invitation.State.EXPIRED):
        raise ValidationError("Only a pending or expired invitation can be sent again.")
    invitation.state, invitation.finished_at = Invitation.State.PENDING, None
    if invitation.invited_user is not None:
        # Always sent to the account's current address (`_send`), whatever it was when
        # first invited; the admins go on seeing the address they typed, or the username.
        if not invitation.invited_user.email:
            whom = (
                invitation.invited_user.get_username()
                if invitation.named_by_username
                else invitation.email
            )
            raise ValidationError(f"{whom} can no longer be sent an invitation.")
        if invitation.named_by_username:
            invitation.email = invitation.invited_user.email
    return _send(invitation, sender=actor)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    """Withdraw a pending invitation (its link stops working), or an expired one from the
    admins' list."""
    permissions.require_manage_members(
        actor, invitation.organization, "Only an organization admin can withdraw invitations."
    )
    invitation = locked(Invitation.objects, "invitation", pk=invitation.pk)
    if invitation.state not in (Invitation.State.PENDING, Invitation.State.EXPIRED):
        raise ValidationError("Only a pending or expired invitation can be withdrawn.")
    invitation.state = Invitation.State.REVOKED
    invitation.finished_at = timezone.now()
    invitation.save(update_fields=["state", "finished_at"])
    return invitation


def _public_link(path: str) -> str:
    """`path`, as reverse() gives it in this request, on the site's public address.

    In a request reverse() starts with the prefix the server mounts the site under (its
    SCRIPT_NAME), which FACTCHECK_PUBLIC_URL already ends with: kept, a site at /desk/
    mailed links to /desk/desk/ (review R17).
    """
    return f"{settings.PUBLIC_BASE_URL}/{path.removeprefix(get_script_prefix())}"


def _send(invitation: Invitation, *, sender) -> Invitation:
    """Give the invitation a fresh token and expiry, save it, and email the link on commit.

    A link sent before (Resend, or the same person invited again) then says it was
    replaced by a newer one, rather than that it is not valid. `sender` becomes its sender:
    the email names them, and their leaving the admin role withdraws it. The link is on the
    site's configured address (FACTCHECK_PUBLIC_URL), never on the Host the request named:
    a forged Host would have sent the invitee's token to another site.
    """
    invitation.invited_by = permissions.as_user(sender)
    if invitation.pk is not None and invitation.token_hash:
        ReplacedInvitationLink.objects.create(
            invitation=invitation, token_hash=invitation.token_hash
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = now + timedelta(days=settings.FACTCHECK_INVITATION_DAYS)
    invitation.last_sent_at = now
    invitation.send_count += 1
    invitation.full_clean()
    invitation.save()
    context = {
        "invitation": invitation,
        "organization": invitation.organization.name,
        "role": invitation.get_role_display(),
        "inviter": invitation.invited_by.get_username() if invitation.invited_by else "",
        "account": invitation.invited_user.get_username() if invitation.invited_user else "",
        "link": _public_link(reverse("invitation", args=[token])),
    }
    # An account's invitation goes to its address now, whatever was typed or stored.
    recipient = invitation.invited_user.email if invitation.invited_user else invitation.email

    def send():
        # One line, whatever an organization's name held before names had to be one.
        subject = " ".join(render_to_string("registration/invitation_subject.txt", context).split())
        body = render_to_string("registration/invitation_email.txt", context)
        send_mail(subject, body, None, [recipient])

    transaction.on_commit(send)
    return invitation


def invitation_open(*, token: str) -> Invitation:
    """The pending invitation `token` opens; raise InvitationUnavailable saying why not.

    An invitation found past its expiry is recorded as expired here. This is deliberately
    not atomic with a caller's later failure: the expiry is a fact, whatever happens next.
    """
    invitation = (
        Invitation.objects.select_related("organization", "invited_user", "invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None:
        replaced = (
            ReplacedInvitationLink.objects.filter(token_hash=_token_hash(token))
            .select_related("invitation")
            .first()
        )
        if replaced is None:
            raise InvitationUnavailable("unknown")
        if replaced.invitation.state in (Invitation.State.ACCEPTED, Invitation.State.REVOKED):
            raise InvitationUnavailable(replaced.invitation.state)  # whichever link was used
        raise InvitationUnavailable("replaced", sent_at=replaced.invitation.last_sent_at)
    if invitation.state == Invitation.State.PENDING and _is_due(invitation):
        Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.PENDING).update(
            state=Invitation.State.EXPIRED, finished_at=timezone.now()
        )
        invitation.state = Invitation.State.EXPIRED
    if invitation.state == Invitation.State.EXPIRED and (newer := _newer_pending(invitation)):
        # "Ask the admin to send it again" would be wrong: they did, as another invitation
        # (the same account invited by its address after its name, or the other way round).
        raise InvitationUnavailable("replaced", sent_at=newer.last_sent_at)
    if invitation.state != Invitation.State.PENDING:
        raise InvitationUnavailable(invitation.state)
    if not permissions.invitation_sender_stands_behind(invitation):
        raise InvitationUnavailable(Invitation.State.REVOKED)
    return invitation


def _newer_pending(invitation: Invitation) -> Invitation | None:
    """A pending invitation of the same person to the same organization sent after it."""
    return (
        Invitation.objects.filter(
            queries.same_person_invited(invitation.email, invitation.invited_user_id),
            organization_id=invitation.organization_id,
            state=Invitation.State.PENDING,
            created_at__gt=invitation.created_at,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def _pending_locked(token: str) -> Invitation:
    """The pending invitation for `token`, locked until the transaction ends, after its
    newsroom: joining takes the newsroom (the new membership's key), and the newsroom's
    admins lock it before the invitations (`member_remove` withdraws those its admin sent).
    """
    hashed = _token_hash(token)
    organization_id = (
        Invitation.objects.filter(token_hash=hashed)
        .values_list("organization_id", flat=True)
        .first()
    )
    if organization_id is not None:
        Organization.objects.select_for_update(no_key=True).filter(pk=organization_id).first()
    invitation = (
        # Lock the invitation row only: the accounts it names are outer joins.
        Invitation.objects.select_for_update(no_key=True, of=("self",))
        .select_related("organization", "invited_user", "invited_by")
        .filter(token_hash=hashed)
        .first()
    )
    if invitation is None:
        raise InvitationUnavailable("unknown")
    if invitation.state != Invitation.State.PENDING:
        raise InvitationUnavailable(invitation.state)
    if _is_due(invitation):
        raise InvitationUnavailable(Invitation.State.EXPIRED)
    if not permissions.invitation_sender_stands_behind(invitation):
        raise InvitationUnavailable(Invitation.State.REVOKED)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, actor) -> Membership:
    """Join the organization through the invitation `token` opens, as the account invited."""
    invitation = _pending_locked(token)
    permissions.require_accept_invitation(actor, invitation)
    return _join(invitation, actor)


@transaction.atomic
def invitation_signup(*, token: str, username: str, password: str):
    """Create an account for the newcomer invited by `token`, at the invited address, and join.

    The email address is the invitation's and cannot be chosen; the password must pass the
    site's password validators. Raises ValidationError keyed by "username" or "password".
    """
    invitation = _pending_locked(token)
    user_model = get_user_model()
    if invitation.invited_user_id is not None:
        raise PermissionDenied(
            f"This invitation is for the account {invitation.invited_user.get_username()}: "
            "sign in to accept it."
        )
    if user_model.objects.filter(email__iexact=invitation.email).exists():
        raise PermissionDenied(
            "An account with this email address already exists: sign in to accept."
        )
    user = user_model(username=username, email=invitation.email)
    errors = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        errors.update(error.message_dict)
    # A name of only the Arabic tatweel ("ـــ") reads as a dash, and one of Hangul fillers as
    # nothing at all, in every list of members.
    if "username" not in errors and not _has_a_visible_letter_or_digit(user.get_username()):
        errors["username"] = [
            "A username needs at least one letter or digit that shows: this one has none."
        ]
    # A name with "@" reads as an email address (where an invitation typed as that address
    # would seem to go) or as a mention of someone else in a comment.
    if "username" not in errors and "@" in user.get_username():
        errors["username"] = [
            "A username cannot contain “@”: it would read as an email address or a mention."
        ]
    # Names that differ only in case ("DEMO-editor" beside "demo-editor") look like the same
    # person on every page: refused as taken, as Django's own sign-up form does.
    if "username" not in errors and (
        user_model.objects.filter(username__iexact=user.get_username()).exists()
    ):
        errors["username"] = ["A user with that username already exists."]
    # Letters of two scripts that look alike ("demo-reviewer" typed with a Cyrillic e) make a name
    # that reads as another member's in lists, history and mentions.
    if "username" not in errors and lookalikes.mixes_scripts(user.get_username()):
        errors["username"] = [
            "This name mixes letters of different alphabets that look alike, so it could be "
            "read as someone else's: write it in one alphabet."
        ]
    # Wholly in another alphabet, every letter a look-alike ("pace" typed in Cyrillic):
    # refused only when it reads as an account's name, since many real names are written
    # so (the Russian Vera reads "Bepa").
    if "username" not in errors:
        as_latin = lookalikes.read_as_latin(user.get_username())
        taken = (
            user_model.objects.filter(username__iexact=as_latin)
            .values_list("username", flat=True)
            .first()
            if as_latin != user.get_username()
            else None
        )
        if taken is not None:
            errors["username"] = [
                f"This name reads as the name {taken}, which someone already has: choose another."
            ]
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    _join(invitation, user)
    return user


def _join(invitation: Invitation, user) -> Membership:
    """Make `user` a member with the invited role (unless they already are); close it."""
    membership = Membership.objects.filter(organization=invitation.organization, user=user).first()
    if membership is None:
        membership = Membership(
            organization=invitation.organization, user=user, role=invitation.role
        )
        membership.full_clean()
        membership.save()
    invitation.state = Invitation.State.ACCEPTED
    invitation.accepted_by = user
    invitation.finished_at = timezone.now()
    invitation.save(update_fields=["state", "accepted_by", "finished_at"])
    # An admin may have invited the same person twice, by address and by username, perhaps
    # in two roles: once they have joined, the other link must not still offer its role.
    Invitation.objects.filter(
        queries.same_person_invited(user.email, user),
        organization=invitation.organization,
        state=Invitation.State.PENDING,
    ).exclude(pk=invitation.pk).update(
        state=Invitation.State.SUPERSEDED, finished_at=invitation.finished_at
    )
    return membership
