"""Newsrooms, their verdict scales and their members."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations import permissions
from annotations.models import (
    Membership,
    Organization,
    Rating,
    RatingScale,
)

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
    permissions.require_manage_members(actor, organization)
    membership, _ = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    admins = Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
    if (
        membership.role == Membership.Role.ADMIN
        and role != Membership.Role.ADMIN
        and admins.count() == 1
    ):
        raise ValidationError("The organization needs at least one admin.")
    membership.role = role
    membership.full_clean()
    membership.save()
    return membership


# Members


@transaction.atomic
def member_invite(
    *, organization: Organization, actor, username: str, email: str, role: str, request=None
) -> Membership:
    """Add a new member with `role`; they choose their password from the emailed reset link."""
    permissions.require_manage_members(
        actor, organization, "Only an organization admin can invite members."
    )
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, email=email)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError({"username": f"{username} is already a member."})
    membership = membership_set(organization=organization, user=user, role=role, actor=actor)

    def send_invitation():
        from django.contrib.auth.tokens import default_token_generator
        from django.core.mail import send_mail
        from django.template.loader import render_to_string
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        context = {
            "organization": organization.name,
            "user": user,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
            "protocol": "https" if request is not None and request.is_secure() else "http",
            "domain": request.get_host() if request is not None else "localhost",
        }
        subject = render_to_string("registration/invitation_subject.txt", context).strip()
        body = render_to_string("registration/invitation_email.txt", context)
        send_mail(subject, body, None, [email])

    transaction.on_commit(send_invitation)
    return membership


@transaction.atomic
def member_remove(*, organization: Organization, actor, user) -> None:
    """Take `user` out of the organization; the last admin cannot be removed."""
    permissions.require_manage_members(
        actor, organization, "Only an organization admin can remove members."
    )
    admins = Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN)
    if admins.filter(user=user).exists() and admins.count() == 1:
        raise ValidationError("The organization needs at least one admin.")
    Membership.objects.filter(organization=organization, user=user).delete()
