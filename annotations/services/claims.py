"""Claims and their workflow: create, edit, move through review, re-attach."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotations import anchoring, permissions
from annotations.models import (
    Article,
    Claim,
    ClaimEvent,
    Rating,
)


class StaleVersion(Exception):
    """The claim changed since the caller read it."""

    def __init__(self, claim: Claim):
        self.claim = claim
        who = claim.events.order_by("-created_at", "-id").values_list("actor__username", flat=True)
        self.changed_by = next(iter(who), None) or "someone"
        super().__init__(f"This claim was changed by {self.changed_by} since you opened it.")


# Claims

CLAIM_EDITABLE_FIELDS = (
    "claim_reviewed",
    "claimant",
    "claim_date",
    "rating",
    "conclusion",
    "assignee",
    "tags",
)


def _event(claim: Claim, actor, action: str, changes: dict) -> ClaimEvent:
    return ClaimEvent.objects.create(
        claim=claim, actor=permissions.as_user(actor), action=action, changes=changes
    )


@transaction.atomic
def claim_create(
    *,
    article: Article,
    creator,
    selectors: list[dict],
    claim_reviewed: str = "",
    claimant: str = "",
    claim_date: dt.date | None = None,
) -> Claim:
    """Anchor the selection in the article's current text and record it as a draft claim.

    The selectors must point at the current text exactly; a mismatch raises
    `anchoring.AnchorError` and nothing is stored.
    """
    permissions.require_edit(creator, article.organization)
    if article.status != Article.Status.READY:
        raise ValidationError("The article is not ready for claims yet.")
    start, end = _anchor_selection(article.text, selectors)
    claim = Claim(article=article, claimant=claimant, claim_date=claim_date, creator=creator)
    claim.anchor_to(article.revisions.order_by("-number").first(), start, end)
    claim.claim_reviewed = (claim_reviewed or claim.exact).strip()
    claim.full_clean()
    claim.save()
    _event(claim, creator, "created", {"exact": claim.exact, "start": start, "end": end})
    return claim


def _anchor_selection(text: str, selectors: list[dict]) -> tuple[int, int]:
    """The span a new selection covers; malformed selectors are refused like mismatched ones."""
    try:
        return anchoring.require_exact(text, selectors)
    except anchoring.AnchorError:
        raise
    except ValueError as error:
        raise anchoring.AnchorError(str(error)) from error


def _lock_current(claim: Claim, expected_version: int | None) -> Claim:
    current = Claim.objects.select_for_update().get(pk=claim.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    return current


def _as_history_value(value):
    if isinstance(value, Rating):
        return value.label
    if hasattr(value, "get_username"):
        return value.get_username()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@transaction.atomic
def claim_update(*, claim: Claim, actor, expected_version: int | None, **fields) -> Claim:
    """Change a claim's editable fields, refusing if someone changed it since `expected_version`."""
    unknown = set(fields) - set(CLAIM_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    permissions.require_edit(actor, claim.article.organization)
    claim = _lock_current(claim, expected_version)
    rating = fields.get("rating")
    if rating is not None and rating.scale.organization_id != claim.article.organization_id:
        raise ValidationError({"rating": "That rating belongs to another organization's scale."})
    changes = {}
    for name, value in fields.items():
        old = getattr(claim, name)
        if old != value:
            changes[name] = [_as_history_value(old), _as_history_value(value)]
            setattr(claim, name, value)
    if not changes:
        return claim
    if claim.status == Claim.Status.PUBLISHED and "rating" in changes:
        # A changed verdict is never published silently: it goes back to review.
        claim.status = Claim.Status.IN_REVIEW
        changes["status"] = [Claim.Status.PUBLISHED, Claim.Status.IN_REVIEW]
    claim.version += 1
    claim.full_clean()
    claim.save()
    _event(claim, actor, "updated", changes)
    return claim


# Which status may follow which, and who may make the move.
TRANSITIONS = {
    (Claim.Status.DRAFT, Claim.Status.IN_REVIEW): permissions.require_edit,
    (Claim.Status.IN_REVIEW, Claim.Status.DRAFT): permissions.require_edit,
    (Claim.Status.IN_REVIEW, Claim.Status.PUBLISHED): permissions.require_publish,
    (Claim.Status.PUBLISHED, Claim.Status.IN_REVIEW): permissions.require_publish,
    (Claim.Status.PUBLISHED, Claim.Status.RETRACTED): permissions.require_publish,
    (Claim.Status.RETRACTED, Claim.Status.IN_REVIEW): permissions.require_publish,
}


@transaction.atomic
def claim_transition(
    *, claim: Claim, actor, to_status: str, expected_version: int | None = None, note: str = ""
) -> Claim:
    """Move a claim along the workflow: draft → in review → published → retracted."""
    claim = _lock_current(claim, expected_version)
    organization = claim.article.organization
    allowed = TRANSITIONS.get((claim.status, to_status))
    if allowed is None:
        raise ValidationError(
            f"A {claim.get_status_display().lower()} claim cannot become "
            f"{Claim.Status(to_status).label.lower()}."
        )
    allowed(actor, organization)
    if to_status == Claim.Status.PUBLISHED:
        _check_publishable(claim, actor)
        claim.reviewer = actor
        claim.published_at = timezone.now()
    if to_status == Claim.Status.RETRACTED:
        if not note.strip():
            raise ValidationError({"note": "A retraction needs a public correction note."})
        claim.correction_note = note.strip()
    changes = {"status": [claim.status, to_status]}
    if note:
        changes["note"] = note
    claim.status = to_status
    claim.version += 1
    claim.full_clean()
    claim.save()
    _event(claim, actor, "status", changes)
    return claim


def _check_publishable(claim: Claim, actor) -> None:
    problems = []
    if claim.rating_id is None:
        problems.append("a rating")
    if not claim.conclusion.strip():
        problems.append("a conclusion")
    if not claim.sources.exists():
        problems.append("at least one source")
    if problems:
        raise ValidationError(f"Publishing needs {', '.join(problems)}.")
    if claim.anchor_state != Claim.AnchorState.ANCHORED:
        raise ValidationError("An orphaned claim must be re-attached before it is published.")
    if claim.article.organization.requires_two_person_review and claim.creator_id == actor.pk:
        raise PermissionDenied("Another member must publish a claim you created.")


@transaction.atomic
def claim_reattach(
    *, claim: Claim, actor, selectors: list[dict], expected_version: int | None = None
) -> Claim:
    """Anchor an orphaned (or any) claim to a new selection in the article's current text."""
    permissions.require_edit(actor, claim.article.organization)
    claim = _lock_current(claim, expected_version)
    article = claim.article
    start, end = _anchor_selection(article.text, selectors)
    changes = {"exact": [claim.exact], "position": [[claim.start, claim.end]]}
    claim.anchor_to(article.revisions.order_by("-number").first(), start, end)
    changes["exact"].append(claim.exact)
    changes["position"].append([claim.start, claim.end])
    claim.version += 1
    claim.full_clean()
    claim.save()
    _event(claim, actor, "reattached", changes)
    return claim
