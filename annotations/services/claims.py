"""Claims and their workflow: create, edit, review, publish immutable versions, re-attach.

A claim row is the newsroom's working copy. Publishing freezes what readers see into a
`PublishedVersion`; later edits change only the working copy (a published claim becomes a
draft of a correction) until a reviewer republishes it with a public correction note.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotations import anchoring, graphemes, history, permissions, rendering, versions
from annotations.models import (
    CLAIM_WORDING_MAX,
    Article,
    Claim,
    ClaimEvent,
    PublishedVersion,
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
# The fields readers see; a change to any of them on a published claim needs review again.
CLAIM_PUBLIC_FIELDS = ("claim_reviewed", "claimant", "claim_date", "rating", "conclusion", "tags")
# Event actions that change what readers would see once the claim is (re)published.
PUBLIC_CHANGE_ACTIONS = (
    "updated",
    "source added",
    "source updated",
    "source removed",
    "reattached",
)


def _event(claim: Claim, actor, action: str, changes: dict) -> ClaimEvent:
    return ClaimEvent.objects.create(
        claim=claim,
        actor=permissions.as_user(actor),
        action=action,
        changes=history.compact(changes),
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
    if not claim_reviewed and len(claim.claim_reviewed) > CLAIM_WORDING_MAX:
        # The wording defaults to the selection; say so rather than blame a field not sent.
        raise ValidationError(
            {
                "claim_reviewed": f"The selection is {len(claim.claim_reviewed):,} characters "
                f"long; give the claim's wording (at most {CLAIM_WORDING_MAX:,} characters)."
            }
        )
    claim.full_clean()
    claim.save()
    _event(claim, creator, "created", {"exact": claim.exact, "start": start, "end": end})
    return claim


def _anchor_selection(text: str, selectors: list[dict]) -> tuple[int, int]:
    """The span a new selection covers; malformed selectors are refused like mismatched ones."""
    try:
        return graphemes.require_whole_clusters(text, *anchoring.require_exact(text, selectors))
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


def _record_change(claim: Claim, actor, action: str, changes: dict, *, public: bool) -> Claim:
    """Save a change to the locked working copy, bump its version and record the event.

    A public change to a published claim leaves the published version as it is and turns
    the working copy into a draft of a correction, which goes through review again.
    """
    if public and claim.status == Claim.Status.PUBLISHED:
        claim.status = Claim.Status.DRAFT
        changes["status"] = [Claim.Status.PUBLISHED, Claim.Status.DRAFT]
    claim.version += 1
    claim.full_clean()
    claim.save()
    _event(claim, actor, action, changes)
    return claim


@transaction.atomic
def claim_update(*, claim: Claim, actor, expected_version: int | None, **fields) -> Claim:
    """Change a claim's editable fields, refusing if someone changed it since `expected_version`.

    On a published claim this edits the working copy only: readers keep seeing the
    published version until a reviewer republishes.
    """
    unknown = set(fields) - set(CLAIM_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    permissions.require_edit(actor, claim.article.organization)
    claim = _lock_current(claim, expected_version)
    rating = fields.get("rating")
    if rating is not None and rating.scale.organization_id != claim.article.organization_id:
        raise ValidationError({"rating": "That rating belongs to another organization's scale."})
    assignee = fields.get("assignee")
    if assignee is not None and not permissions.is_member(assignee, claim.article.organization):
        raise ValidationError({"assignee": "Not a member of this organization."})
    changes = {}
    for name, value in fields.items():
        old = getattr(claim, name)
        if old != value:
            changes[name] = [_as_history_value(old), _as_history_value(value)]
            setattr(claim, name, value)
    if not changes:
        return claim
    public = bool(set(changes) & set(CLAIM_PUBLIC_FIELDS))
    return _record_change(claim, actor, "updated", changes, public=public)


@transaction.atomic
def claim_delete(*, claim: Claim, actor, expected_version: int | None = None) -> None:
    """Delete a claim that was never published; a published one must be retracted instead."""
    permissions.require_edit(actor, claim.article.organization)
    claim = _lock_current(claim, expected_version)
    if claim.published_versions.exists():
        raise ValidationError(
            "A claim that has been published cannot be deleted: retract it with a public note."
        )
    claim.delete()


# Which status may follow which, and who may make the move. A working copy in draft or
# review may still have a published version; retracting it takes that version down.
TRANSITIONS = {
    (Claim.Status.DRAFT, Claim.Status.IN_REVIEW): permissions.require_edit,
    (Claim.Status.IN_REVIEW, Claim.Status.DRAFT): permissions.require_edit,
    (Claim.Status.IN_REVIEW, Claim.Status.PUBLISHED): permissions.require_publish,
    (Claim.Status.PUBLISHED, Claim.Status.IN_REVIEW): permissions.require_publish,
    (Claim.Status.PUBLISHED, Claim.Status.RETRACTED): permissions.require_publish,
    (Claim.Status.DRAFT, Claim.Status.RETRACTED): permissions.require_publish,
    (Claim.Status.IN_REVIEW, Claim.Status.RETRACTED): permissions.require_publish,
    (Claim.Status.RETRACTED, Claim.Status.IN_REVIEW): permissions.require_publish,
}


def public_versions_touch(**lookup) -> int:
    """Mark the current published versions matching `lookup` as changed for readers, now.

    For what readers see with a version that is not stored in it (the article's title,
    the organization's name, a rating's label): public sync (`updated_since`) and cached
    answers follow `changed_at`, which `update()` does not set by itself.
    """
    return PublishedVersion.objects.filter(is_current=True, **lookup).update(
        changed_at=timezone.now()
    )


def current_version(claim: Claim, *, lock: bool = False) -> PublishedVersion | None:
    """The claim's current published (or retracted) version, or None if never published."""
    versions = PublishedVersion.objects.filter(claim=claim, is_current=True)
    if lock:
        versions = versions.select_for_update()
    return versions.select_related("rating", "revision").first()


@transaction.atomic
def claim_transition(
    *, claim: Claim, actor, to_status: str, expected_version: int | None = None, note: str = ""
) -> Claim:
    """Move a claim along the workflow: draft → in review → published → retracted.

    Publishing writes a new immutable published version. When an earlier version exists,
    publishing again needs a public correction `note`; so does retracting, which writes a
    retracted version. A working copy that equals the live version is simply marked
    published again, without a new version.
    """
    claim = _lock_current(claim, expected_version)
    organization = claim.article.organization
    allowed = TRANSITIONS.get((claim.status, to_status))
    if allowed is None:
        raise ValidationError(
            f"A {claim.get_status_display().lower()} claim cannot become "
            f"{Claim.Status(to_status).label.lower()}."
        )
    allowed(actor, organization)
    note = note.strip()
    live = current_version(claim, lock=True)
    new_version = None
    if to_status == Claim.Status.PUBLISHED:
        _check_publishable(claim, actor)
        if _is_unchanged(claim, live):
            note = ""
        else:
            if live is not None and not note:
                raise ValidationError(
                    {"note": "Republishing needs a public correction note: what changed and why."}
                )
            _check_two_people(claim, actor, live)
            claim.reviewer = permissions.as_user(actor)
            claim.published_at = timezone.now()
            new_version = PublishedVersion.Kind.PUBLISHED
    if to_status == Claim.Status.RETRACTED:
        if live is None or live.kind != PublishedVersion.Kind.PUBLISHED:
            raise ValidationError("Only a published claim can be retracted.")
        if not note:
            raise ValidationError({"note": "A retraction needs a public correction note."})
        new_version = PublishedVersion.Kind.RETRACTED
    if note:
        claim.correction_note = note
    changes = {"status": [claim.status, to_status]}
    if note:
        changes["note"] = note
    claim.status = to_status
    claim.version += 1
    claim.full_clean()
    claim.save()
    if new_version is not None:
        version = _write_version(claim, actor, live, kind=new_version, note=note)
        changes["published_version"] = version.number
    _event(claim, actor, "status", changes)
    return claim


def _is_unchanged(claim: Claim, live: PublishedVersion | None) -> bool:
    """Whether the working copy shows readers exactly what the live published version shows."""
    return (
        live is not None
        and live.kind == PublishedVersion.Kind.PUBLISHED
        and live.is_anchored
        and versions.claim_snapshot(claim) == versions.version_snapshot(live)
    )


def _write_version(
    claim: Claim, actor, live: PublishedVersion | None, *, kind: str, note: str
) -> PublishedVersion:
    """Freeze a new current version; the one before stays, no longer current."""
    last = claim.published_versions.order_by("-number").values_list("number", flat=True).first()
    number = (last or 0) + 1
    if kind == PublishedVersion.Kind.RETRACTED:
        # A retraction withdraws what readers saw: it keeps the live content, with the note.
        fields = {
            name: getattr(live, name)
            for name in (
                "revision", "exact", "prefix", "suffix", "start", "end", "claim_reviewed",
                "claimant", "claim_date", "rating", "conclusion", "tags", "sources", "is_anchored",
            )
        }  # fmt: skip
    else:
        fields = {
            name: getattr(claim, name)
            for name in (
                "revision", "exact", "prefix", "suffix", "start", "end", "claim_reviewed",
                "claimant", "claim_date", "rating", "conclusion",
            )
        }  # fmt: skip
        fields["tags"] = list(claim.tags)
        cited = claim.sources.order_by("created_at", "id")
        fields["sources"] = [versions.source_snapshot(source) for source in cited]
    fields["conclusion_html"] = rendering.markdown_to_safe_html(fields["conclusion"])
    if live is not None:
        live.is_current = False
        live.save(update_fields=["is_current", "changed_at"])
    version = PublishedVersion(
        claim=claim,
        number=number,
        kind=kind,
        is_current=True,
        correction_note=note,
        publisher=claim.article.organization,
        published_by=permissions.as_user(actor),
        published_at=timezone.now(),
        **fields,
    )
    version.full_clean()
    version.save()
    return version


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


def _check_two_people(claim: Claim, actor, live: PublishedVersion | None) -> None:
    """Under the two-person rule, nobody publishes a claim they created or a change they made."""
    if not claim.article.organization.requires_two_person_review or permissions.is_system(actor):
        return
    if claim.creator_id == actor.pk:
        raise PermissionDenied("Another member must publish a claim you created.")
    published = claim.published_versions.order_by("-number")
    since = published.values_list("published_at", flat=True).first()
    events = claim.events.filter(actor=actor, action__in=PUBLIC_CHANGE_ACTIONS)
    if since is not None:
        events = events.filter(created_at__gte=since)
    for event in events:
        if event.action != "updated" or set(event.changes) & set(CLAIM_PUBLIC_FIELDS):
            raise PermissionDenied(
                "Another member must publish this: you changed it since it was last published."
            )


@transaction.atomic
def claim_reattach(
    *, claim: Claim, actor, selectors: list[dict], expected_version: int | None = None
) -> Claim:
    """Anchor an orphaned (or any) claim to a new selection in the article's current text.

    On a published claim only the working copy moves; the published version keeps
    pointing at the words it was published on until a reviewer republishes.
    """
    permissions.require_edit(actor, claim.article.organization)
    claim = _lock_current(claim, expected_version)
    article = claim.article
    start, end = _anchor_selection(article.text, selectors)
    changes = {"exact": [claim.exact], "position": [[claim.start, claim.end]]}
    claim.anchor_to(article.revisions.order_by("-number").first(), start, end)
    changes["exact"].append(claim.exact)
    changes["position"].append([claim.start, claim.end])
    return _record_change(claim, actor, "reattached", changes, public=True)
