"""A member's notifications: marking them read, and choosing which kinds arrive by email."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotations import permissions
from annotations.models import Membership, Notification
from annotations.rows import locked


@transaction.atomic
def notifications_mark_read(*, actor, ids: list[int] | None = None, every: bool = False) -> int:
    """Mark the actor's own notifications read: those with `ids`, or `every` unread one.

    Returns how many changed; ids of other people's notifications, and through an
    organization token those of other organizations, are ignored.
    """
    permissions.require_self(actor, actor)
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    # An organization token acts within its organization: another's notifications stay unread.
    within = permissions.acting_within(actor)
    if within is not None:
        unread = unread.filter(organization_id=within)
    if not every:
        unread = unread.filter(pk__in=list(ids or []))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def notification_email_kinds_set(*, actor, membership: Membership, kinds: list[str]) -> Membership:
    """Choose which kinds of notification from one organization reach the actor by email."""
    permissions.require_self(actor, membership.user)
    within = permissions.acting_within(actor)
    if within is not None and membership.organization_id != within:
        raise PermissionDenied("This token acts within another organization.")
    unknown = set(kinds) - set(Notification.Kind.values)
    if unknown:
        raise ValidationError({"email_kinds": f"Unknown kinds: {', '.join(sorted(unknown))}"})
    # Read again, locked: the member may have been removed since the form was drawn.
    membership = locked(Membership.objects, "membership", pk=membership.pk)
    membership.email_kinds = [kind for kind in Notification.Kind.values if kind in kinds]
    membership.full_clean()
    membership.save(update_fields=["email_kinds"])
    return membership
