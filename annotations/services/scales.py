"""Verdict scales: an organization's ratings, edited by its admins."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from annotations import permissions
from annotations.models import Rating, RatingScale
from annotations.services.claims import public_versions_touch

SCALE_FIELDS = ("name", "worst_value", "best_value", "is_default")
RATING_FIELDS = ("label", "value", "position", "colour", "description")


@transaction.atomic
def rating_scale_save(*, scale: RatingScale, actor) -> RatingScale:
    """Create or change a verdict scale; only the organization's admins may."""
    stored = RatingScale.objects.filter(pk=scale.pk).select_related("organization").first()
    # Moving a scale takes it from one newsroom and gives it to another: both must allow it.
    for organization in {scale.organization, *([stored.organization] if stored else [])}:
        permissions.require_manage_members(
            actor, organization, "Only an organization admin can edit its rating scales."
        )
    scale.full_clean()
    scale.save()
    public_versions_touch(rating__scale=scale)
    return scale


@transaction.atomic
def rating_save(*, rating: Rating, actor) -> Rating:
    """Create or change one rating of a scale; only the organization's admins may."""
    permissions.require_manage_members(
        actor, rating.scale.organization, "Only an organization admin can edit its ratings."
    )
    rating.full_clean()
    rating.save()
    public_versions_touch(rating=rating)
    return rating


@transaction.atomic
def rating_delete(*, rating: Rating, actor) -> None:
    """Remove a rating no claim uses; a rating on a verdict is refused with the reason."""
    permissions.require_manage_members(
        actor, rating.scale.organization, "Only an organization admin can edit its ratings."
    )
    try:
        rating.delete()
    except ProtectedError as error:
        raise ValidationError(
            f"“{rating.label}” is the verdict of claims or published versions; it stays."
        ) from error
