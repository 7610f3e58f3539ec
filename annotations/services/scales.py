"""Verdict scales: an organization's ratings, edited by its admins."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import CharField, F, ProtectedError, Value
from django.db.models.functions import Cast, Concat

from annotations import lookalikes, permissions
from annotations.models import PublishedVersion, Rating, RatingScale
from annotations.rows import locked
from annotations.services.claims import public_versions_touch


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


def clean_label(label: str) -> str:
    """A rating label as readers will see it: composed (NFC), without invisible characters
    (zero-width spaces, joiners, direction marks) and with single spaces.

    "Café" typed with a combining accent, or "True" with a hidden zero-width space, would
    otherwise sit on the scale beside the label it looks exactly like.
    """
    composed = unicodedata.normalize("NFC", label or "")
    visible = "".join(c for c in composed if unicodedata.category(c) != "Cf")
    return " ".join(visible.split())


@transaction.atomic
def rating_save(*, rating: Rating, actor) -> Rating:
    """Create or change one rating of a scale; only the organization's admins may."""
    permissions.require_manage_members(
        actor, rating.scale.organization, "Only an organization admin can edit its ratings."
    )
    rating.label = clean_label(rating.label)
    # Said by name before the model's own check, whose message cannot name the other one.
    same = rating.scale.ratings.filter(label__iexact=rating.label.strip()).exclude(pk=rating.pk)
    if (other := same.first()) is not None:
        if other.label == rating.label.strip():
            raise ValidationError({"label": f"A rating “{other.label}” already exists."})
        raise ValidationError(
            {"label": f"“{rating.label}” differs from “{other.label}” only in case."}
        )
    # The whole scale as it would be, checked as the settings page's edit is (the admin
    # saves a rating at a time): a lookalike label, no rating offered, values out of order.
    RatingScale.objects.select_for_update(no_key=True).filter(pk=rating.scale_id).first()
    others = [_as_entry(other) for other in rating.scale.ratings.exclude(pk=rating.pk)]
    scale = sorted([*others, _as_entry(rating)], key=lambda entry: entry["position"])
    if problems := _scale_problems(scale):
        raise ValidationError(problems)
    rating.full_clean()
    rating.save()
    public_versions_touch(rating=rating)
    return rating


def _as_entry(rating: Rating) -> dict:
    """A rating as one of `scale_update`'s entries, with its position."""
    return {
        "id": rating.pk,
        "label": rating.label,
        "value": rating.value,
        "is_hidden": rating.is_hidden,
        "position": rating.position or 0,
    }


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


@transaction.atomic
def scale_update(*, scale: RatingScale, actor, ratings: list[dict]) -> RatingScale:
    """Apply an admin's edit of the whole verdict scale at once, or nothing of it.

    `ratings` is every rating of the scale in its new order, best first: `{"id", "label",
    "value", "colour", "description", "is_hidden", "delete"}`, and `{"id": None, ...}` for a
    rating to add. A rating that claims or published versions use is never deleted (hide
    it from new verdicts instead); its label, value, colour and description may change:
    published versions keep what they were published with until they are republished (see
    `queries.verdicts_kept`), and claims published from now on take the new. At least one rating
    stays offered. Raises ValidationError listing every problem, each naming its rating.
    """
    permissions.require_manage_members(
        actor, scale.organization, "Only an organization admin can edit its ratings."
    )
    scale = locked(RatingScale.objects, "rating scale", pk=scale.pk)
    existing = {rating.pk: rating for rating in scale.ratings.all()}
    places_before = {pk: rating.position for pk, rating in existing.items()}
    sent = [entry["id"] for entry in ratings if entry.get("id")]
    if sorted(sent) != sorted(existing):
        raise ValidationError("The scale was changed by someone else meanwhile: reload the page.")
    used = set(
        PublishedVersion.objects.filter(rating__scale=scale).values_list("rating_id", flat=True)
    )
    on_claims = set(scale.ratings.filter(claims__isnull=False).values_list("pk", flat=True))
    errors: list[str] = []
    kept = []
    for entry in ratings:
        rating = existing.get(entry.get("id"))
        if not entry.get("delete"):
            kept.append(entry)
        elif rating is not None and rating.pk in used | on_claims:
            errors.append(
                f"“{rating.label}” is the verdict of claims or published fact-checks and "
                "cannot be deleted; hide it from new claims instead."
            )
            # It stays, so it keeps a place: else its old position reads as a clash below.
            kept.append({**entry, "label": rating.label})
        elif rating is not None:
            rating.delete()
    errors.extend(_scale_problems(kept))
    # Positions and labels are unique per scale: move every kept rating out of the way
    # first, so that a new order or two swapped labels do not clash with their old selves.
    # Two ratings given the same label still clash with each other below.
    scale.ratings.filter(pk__in=[e["id"] for e in kept if e.get("id")]).update(
        position=F("position") + POSITION_SHIFT,
        label=Concat(Value(MOVING_LABEL), Cast("pk", output_field=CharField())),
    )
    for position, entry in enumerate(kept, start=1):
        rating = existing.get(entry.get("id")) or Rating(scale=scale)
        label = clean_label(entry.get("label") or "")
        rating.label = label
        rating.value = entry.get("value")
        rating.colour = (entry.get("colour") or "").lower()
        rating.description = (entry.get("description") or "").strip()
        rating.is_hidden = bool(entry.get("is_hidden"))
        rating.position = position
        if not HEX_COLOUR.fullmatch(rating.colour):
            errors.append(f"“{label}”: the colour must be written like #1a7f37.")
            continue
        try:
            rating.full_clean()
        except ValidationError as error:
            name = f"“{label}”" if label else f"Rating {position}"
            errors.extend(f"{name}: {message}" for message in _messages(error))
            continue
        rating.save()
    if errors:
        raise ValidationError(errors)
    # Published verdicts keep their label, value and colour, but the public API tells each
    # rating's place on the scale as it is now: only those whose rating moved changed for
    # readers (touching all would make every syncing consumer fetch every claim again).
    moved = [
        pk
        for pk, position in scale.ratings.values_list("pk", "position")
        if places_before.get(pk) != position
    ]
    if moved:
        public_versions_touch(rating_id__in=moved)
    return scale


POSITION_SHIFT = 10_000
# A stand-in label while a scale is rewritten (no admin types an invisible separator).
MOVING_LABEL = "\u2063moving-"
HEX_COLOUR = re.compile(r"#[0-9a-f]{6}")


def _scale_problems(kept: list[dict]) -> list[str]:
    """What is wrong with a scale of these ratings (`scale_update`'s entries, best first):
    none offered, labels readers could take for each other, values against the order."""
    errors = []
    if not any(not entry.get("is_hidden") for entry in kept):
        errors.append("At least one rating must be offered for new claims.")
    # "Half true" and "half TRUE" would read as one verdict to readers, yet count as two; so
    # would "True" and "True" typed with a Cyrillic capital Te, which the feeds publish as two
    # ratings.
    seen: dict[str, str] = {}
    for entry in kept:
        label = clean_label(entry.get("label") or "")
        if not label:
            continue
        if lookalikes.mixes_scripts(label, by_word=True):
            errors.append(
                f"“{label}” mixes letters of different alphabets that look alike, so readers "
                "could take it for another label: write each word in one alphabet."
            )
            continue
        first = seen.setdefault(lookalikes.read_as_latin(label).casefold(), label)
        if first == label:
            continue
        if first.casefold() == label.casefold():
            errors.append(f"“{label}” and “{first}” differ only in case: use one label.")
        else:
            errors.append(f"“{label}” and “{first}” look the same to readers: use one label.")
    errors.extend(_values_against_order(kept))
    return errors


def _values_against_order(kept: list[dict]) -> list[str]:
    """Each rating listed below one with a lower value: the scale's order is best first,
    and readers' legends and ClaimReview's ratingValue rank verdicts by value, so the two
    would disagree. Ratings without a value (“Misleading”) may stand anywhere."""
    errors = []
    lowest = None
    for entry in kept:
        value = entry.get("value")
        if not isinstance(value, int):
            continue
        if lowest is not None and value > lowest["value"]:
            errors.append(
                f"“{clean_label(entry.get('label'))}” ({value}) is listed below "
                f"“{clean_label(lowest.get('label'))}” ({lowest['value']}): list the ratings "
                "best first, with values going down, or change their values."
            )
        elif lowest is None or value < lowest["value"]:
            lowest = entry
    return errors


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [
            message if field == NON_FIELD_ERRORS else f"{field} – {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)
