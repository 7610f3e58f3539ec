"""Verdict scales: an organization's ratings, edited by its admins."""

from __future__ import annotations

from django.db import transaction

from annotations import permissions
from annotations.models import Rating, RatingScale

SCALE_FIELDS = ("name", "worst_value", "best_value", "is_default")
RATING_FIELDS = ("label", "value", "position", "colour", "description")


@transaction.atomic
def rating_scale_save(*, scale: RatingScale, actor) -> RatingScale:
    """Create or change a verdict scale; only the organization's admins may."""
    permissions.require_manage_members(
        actor, scale.organization, "Only an organization admin can edit its rating scales."
    )
    scale.full_clean()
    scale.save()
    return scale


@transaction.atomic
def rating_save(*, rating: Rating, actor) -> Rating:
    """Create or change one rating of a scale; only the organization's admins may."""
    permissions.require_manage_members(
        actor, rating.scale.organization, "Only an organization admin can edit its ratings."
    )
    rating.full_clean()
    rating.save()
    return rating


@transaction.atomic
def rating_delete(*, rating: Rating, actor) -> None:
    """Remove a rating no claim uses; a rating on a verdict is protected by the database."""
    permissions.require_manage_members(
        actor, rating.scale.organization, "Only an organization admin can edit its ratings."
    )
    rating.delete()
