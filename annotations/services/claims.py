"""Claims and their workflow: create, edit, review, publish immutable versions, re-attach.

A claim row is the newsroom's working copy. Publishing freezes what readers see into a
`PublishedVersion`; later edits change only the working copy (a published claim becomes a
draft of a correction) until a reviewer republishes it with a public correction note.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import Truncator, get_text_list

from annotations import (
    anchoring,
    graphemes,
    history,
    notifications,
    permissions,
    queries,
    rendering,
    text_changes,
    textdiff,
    versions,
)
from annotations.evidence import search as evidence_search
from annotations.ingest.text import canonical_characters
from annotations.models import (
    CLAIM_WORDING_MAX,
    Article,
    ArticleRevision,
    Claim,
    ClaimEvent,
    PublishedVersion,
    Rating,
    Snapshot,
    Source,
    Suggestion,
    is_visible,
    require_no_direction_override,
)
from annotations.rows import locked
from annotations.timestamps import timestamp
from annotations.webhooks import events as webhook_events


class StaleVersion(Exception):
    """The claim changed since the caller read it, or never had the version it names."""

    def __init__(self, claim: Claim, expected: int | None = None):
        self.claim = claim
        # A version the claim never reached: the client's mistake, not someone's change.
        self.never_reached = expected is not None and expected > claim.version
        who = claim.events.order_by("-created_at", "-id").values_list("actor__username", flat=True)
        self.changed_by = next(iter(who), None) or "someone"
        if self.never_reached:
            super().__init__(
                f"This claim has no version {expected}: it is at version {claim.version}. "
                "Send the version you read."
            )
            return
        super().__init__(f"This claim was changed by {self.changed_by} since you opened it.")


class EditConflict(StaleVersion):
    """Someone else changed a field the caller also changed, to another value, since it opened.

    `conflicts` has one entry per such field: its base (as opened, None when history only
    kept a summary of a long text), yours, theirs, and who changed it last and when.
    """

    def __init__(self, claim: Claim, conflicts: list[dict]):
        super().__init__(claim)
        self.conflicts = conflicts
        self.current_version = claim.version
        names = " and ".join(entry["label"].lower() for entry in conflicts)
        who = " and ".join(sorted({entry["theirs_by"] for entry in conflicts}))
        # "The tags … were", as "the wording and the rating … were".
        plural = len(conflicts) > 1 or conflicts[0]["label"] in PLURAL_LABELS
        self.args = (
            f"The {names} of this claim {'were' if plural else 'was'} also "
            f"changed by {who} since you opened it; choose yours or theirs.",
        )


# The field labels (history.FIELD_LABELS) that name several things.
PLURAL_LABELS = frozenset({"Tags"})


class PublishedMeanwhile(StaleVersion):
    """The claim was published after the version the caller opened, and the change would
    reopen the new publication as a draft of a correction: the caller is asked first."""

    def __init__(self, claim: Claim, published_by: str):
        super().__init__(claim)
        self.changed_by = published_by
        self.current_version = claim.version
        self.args = (
            f"{published_by} published this claim after you opened it. Saving your change "
            "reopens it as a draft of a correction, for review again; readers keep the "
            "published version until it is republished.",
        )


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
    "article details changed",
)
# A member's look at a change of the article's details, which they did not make, for the
# two-person rule (`article_details_check`): it changes nothing, but it is a second person's.
DETAILS_CHECKED = "article details checked"
# What the two-person rule weighs: who changed what readers will see, and who looked at it.
SECOND_PERSON_ACTIONS = (*PUBLIC_CHANGE_ACTIONS, DETAILS_CHECKED)
# The events about the article's details alone: its change, and a second member's check.
DETAILS_ACTIONS = ("article details changed", DETAILS_CHECKED)


# Line breaks with the spaces and tabs around them.
_LINE_BREAKS = re.compile(r"[ \t]*[\n\r\u2028\u2029]+[ \t]*")
# Labels of the editable fields, as a conflict or the history names them.
FIELD_LABELS = history.FIELD_LABELS
# What a write naming another organization's rating or person is told; the API says the
# same of an id of no row, so that no answer tells which ids exist elsewhere.
NOT_OUR_RATING = "Not a rating of this organization's scale."
NOT_A_MEMBER = "Not a member of this organization."


def _event(claim: Claim, actor, action: str, changes: dict) -> ClaimEvent:
    version = claim.version
    if not isinstance(version, int):
        # Saved with F("version") + 1: read back the number the event brought it to.
        version = Claim.objects.values_list("version", flat=True).get(pk=claim.pk)
    return ClaimEvent.objects.create(
        claim=claim,
        actor=permissions.as_user(actor),
        action=action,
        changes=history.compact(changes),
        version=version,
    )


class SameWordsClaimed(ValidationError):
    """The selection is exactly the words of a claim the article has: nothing was made."""

    def __init__(self, claim: Claim):
        self.claim = claim
        super().__init__(
            f"These words are claim {claim.pk} already ({claim.get_status_display().lower()}): "
            "open it, or select other words."
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
    revision: int | None = None,
    refuse_same_words: bool = False,
) -> Claim:
    """Anchor the selection in the article's current text and record it as a draft claim.

    The selectors must point at the current text exactly; a mismatch raises
    `anchoring.AnchorError` and nothing is stored. With `revision`, the revision a page
    showed when the selection was made, a selection on an older text is followed into the
    current one, and refused if its words did not come through unchanged.
    """
    permissions.require_edit(creator, article.organization)
    # Checked against the text as it is now, with the article locked: a caller's copy may be
    # older than a revision saved since, and a new text may not land between check and save.
    article = locked(Article.objects, "article", pk=article.pk)
    if article.status != Article.Status.READY:
        raise ValidationError("The article is not ready for claims yet.")
    latest = article.revisions.order_by("-number").first()
    if revision is not None and latest is not None and revision != latest.number:
        selectors = _followed_into(article, latest, revision, selectors)
    start, end = _without_edge_spaces(article.text, *_anchor_selection(article.text, selectors))
    if refuse_same_words:
        # A second claim on the very same words is almost always a slip (a second window,
        # a selection made again): under the article's lock, so two editors at once make one.
        # A retracted claim's words may be checked again.
        same = (
            article.claims.filter(
                start=start, end=end, anchor_state=Claim.AnchorState.ANCHORED, revision=latest
            )
            .exclude(status=Claim.Status.RETRACTED)
            .order_by("pk")
            .first()
        )
        if same is not None:
            raise SameWordsClaimed(same)
    claim = Claim(
        article=article, claimant=_composed(claimant), claim_date=claim_date, creator=creator
    )
    claim.anchor_to(latest, start, end)
    # A selection across paragraphs is worded on one line: its line breaks are no part of
    # the claim, and the card's quote already joins the parts with a space (trial G16).
    wording = claim_reviewed or _LINE_BREAKS.sub(" ", claim.exact)
    claim.claim_reviewed = _composed(wording).strip()
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
    evidence_search.request_evidence(claim, actor=creator)  # providers asked on commit
    return claim


def _followed_into(article: Article, latest, revision: int, selectors: list[dict]) -> list[dict]:
    """The selectors of a selection made on `revision`, moved into the article's current text."""
    older = article.revisions.filter(number=revision).only("text").first()
    changed = f"The text changed since your page opened (it is now revision {latest.number}): "
    if older is None:
        raise anchoring.AnchorError(changed + f"there is no revision {revision}.")
    start, end = _anchor_selection(older.text, selectors)
    # Only where the edits carried these very letters: a search for the quote elsewhere
    # could land on another sentence with the same words, which the editor did not select.
    moved = anchoring.Anchorer(article.text).diff_from(older.text).map_span(start, end)
    if not moved.intact or article.text[moved.start : moved.end] != older.text[start:end]:
        raise anchoring.AnchorError(
            changed + "the words you selected are no longer there as they were. Reload the "
            "page and select them again."
        )
    return anchoring.describe(article.text, moved.start, moved.end)


def _without_edge_spaces(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the spaces and line breaks at its ends: a drag across right-to-left
    text made the claim " عامًا فق", a space first (trial G16)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise anchoring.AnchorError("The selection holds only spaces: select the claim's words.")
    return start, end


def _anchor_selection(text: str, selectors: list[dict]) -> tuple[int, int]:
    """The span a new selection covers; malformed selectors are refused like mismatched ones.

    The quote is read in the canonical characters of the article text: a client quoting
    the text it sent (no-break spaces, soft hyphens, decomposed accents) quotes what the
    server made canonical.
    """
    try:
        selectors = _canonical_quote(selectors)
        start, end = graphemes.require_whole_clusters(
            text, *anchoring.require_exact(text, selectors)
        )
    except anchoring.AnchorError:
        raise
    except ValueError as error:
        raise anchoring.AnchorError(str(error)) from error
    if not _quotes(selectors) and anchoring.cuts_a_word(text, start, end):
        # Positions alone, with no words to confirm them: offsets counted on the text as a
        # client sent it (before its line breaks and spaces were made canonical) land
        # inside words, "ation hit 9 percent in" (trial D2). A quote says it was meant.
        raise anchoring.AnchorError(
            f"The positions {start}-{end} begin or end inside a word ({text[start:end]!r}): "
            "they count code points of the article's text as the API returns it, which may "
            "differ from the text sent (line breaks, spaces and accents are made canonical). "
            "Send a TextQuoteSelector with the words, alone or with the positions."
        )
    return start, end


def _quotes(selectors) -> bool:
    return any(
        isinstance(selector, dict) and selector.get("type") == anchoring.QUOTE
        for selector in selectors
    )


def _canonical_quote(selectors):
    """`selectors` with the TextQuoteSelector's strings in `canonical_characters`.

    Anything malformed is passed on as it is, for `anchoring` to refuse with its reason.
    """
    if not isinstance(selectors, list | tuple):
        return selectors
    return [
        {
            **selector,
            **{
                key: canonical_characters(value)
                for key in ("exact", "prefix", "suffix")
                if isinstance(value := selector.get(key), str)
            },
        }
        if isinstance(selector, dict) and selector.get("type") == anchoring.QUOTE
        else selector
        for selector in selectors
    ]


def _lock_current(claim: Claim, expected_version: int | None) -> Claim:
    current = locked(Claim.objects, "claim", pk=claim.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current, expected_version)
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


def changes_since(claim: Claim, version: int) -> list[ClaimEvent] | None:
    """The claim's events after `version`, oldest first; None if history cannot say.

    Events recorded before versions were stored have none: a merge over them is refused.
    """
    events = list(
        claim.events.filter(Q(version__gt=version) | Q(version__isnull=True))
        .select_related("actor")
        .order_by("created_at", "id")
    )
    if any(event.version is None for event in events):
        return None
    return events


def lock_for_source_change(
    claim: Claim, expected_version: int | None, *, source_id: int | None = None, fields=()
) -> Claim:
    """Lock the claim for a change to its sources, merged like field edits.

    Adding a source never conflicts with others' changes; changing or removing one
    conflicts only when someone else changed the same source's same field (or removed it)
    since `expected_version`.
    """
    current = _lock_current(claim, None)
    if expected_version is None or expected_version == current.version:
        return current
    if expected_version > current.version:
        raise StaleVersion(current, expected_version)
    events = changes_since(current, expected_version)
    if events is None:
        raise StaleVersion(current)
    for event in events:
        if source_id is None or event.changes.get("source") != source_id:
            continue
        touched = set(event.changes) & set(fields) if fields else {"source"}
        if event.action == "source removed" or touched:
            raise StaleVersion(current)
    return current


def _changed_fields(events: list[ClaimEvent]) -> dict[str, list[ClaimEvent]]:
    """For each editable field, or "sources", the events that changed it, oldest first."""
    fields: dict[str, list[ClaimEvent]] = {}
    for event in events:
        if event.action.startswith("source"):
            fields.setdefault("sources", []).append(event)
            continue
        for name in event.changes:
            if name in CLAIM_EDITABLE_FIELDS:
                fields.setdefault(name, []).append(event)
    return fields


def _merge(
    current: Claim, expected_version: int, fields: dict
) -> tuple[dict, list[str], list[str]]:
    """Three-way merge of an edit made on `expected_version` into the current working copy.

    Returns the fields still to apply (a field already holding your value is dropped), the
    fields others changed that you did not send, and who changed them. Raises EditConflict
    when you and someone else changed the same field to different values; nothing is
    applied then.
    """
    if expected_version > current.version:
        raise StaleVersion(current, expected_version)
    events = changes_since(current, expected_version)
    if events is None:
        raise StaleVersion(current)
    theirs = _changed_fields(events)
    conflicts = []
    to_apply = {}
    for name, value in fields.items():
        if name not in theirs:
            to_apply[name] = value
            continue
        if _same_value(getattr(current, name), value):
            continue
        last = theirs[name][-1]
        conflicts.append(
            {
                "field": name,
                "label": FIELD_LABELS.get(name, name),
                "base": _base_value(getattr(current, name), theirs[name], name),
                "yours": _as_history_value(value),
                "theirs": _as_history_value(getattr(current, name)),
                "theirs_by": last.actor.get_username() if last.actor else "system",
                "theirs_at": timestamp(last.created_at),
            }
        )
    if conflicts:
        raise EditConflict(current, conflicts)
    merged = [name for name in theirs if name not in fields]
    # The editor's own other window is not "someone else": the card says whose they were.
    merged_by = {
        event.actor.get_username() if event.actor else "system"
        for name in merged
        for event in theirs[name]
    }
    return to_apply, merged, sorted(merged_by)


def _base_value(now, events: list[ClaimEvent], name: str):
    """The field's value before the first of `events` changed it, or None if history cannot
    tell: a long text is undone change by change from its value now (see history.text_before)."""
    first = events[0].changes[name]
    if not isinstance(first, list):
        return None
    if not isinstance(first[0], dict):
        return first[0]
    value = now
    for event in reversed(events):
        change = event.changes[name]
        # A short text is kept whole in history; a long one must be rebuilt.
        value = change[0] if isinstance(change[0], str) else history.text_before(value, change)
        if value is None:
            return None
    return value


def _same_value(old, new) -> bool:
    if isinstance(old, models.Model) or isinstance(new, models.Model):
        return getattr(old, "pk", None) == getattr(new, "pk", None)
    return old == new


@transaction.atomic
def claim_update(*, claim: Claim, actor, expected_version: int | None, **fields) -> Claim:
    """Change a claim's editable fields, merged with what others changed since `expected_version`.

    A three-way merge against the version the editor opened: fields others changed that
    this edit does not touch are kept (listed in the returned claim's `merged_fields`, the
    usernames of who changed them in `merged_by`); a field both changed to different values
    raises EditConflict and nothing is saved.
    On a published claim this edits the working copy only: readers keep seeing the
    published version until a reviewer republishes.
    """
    unknown = set(fields) - set(CLAIM_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    permissions.require_edit(actor, claim.article.organization)
    fields = {name: _composed(value) for name, value in fields.items()}
    if "tags" in fields:
        fields["tags"] = _distinct_tags(fields["tags"])
    claim = _lock_current(claim, None)
    merged: list[str] = []
    merged_by: list[str] = []
    if expected_version is not None and expected_version != claim.version:
        _ask_before_reopening(claim, expected_version, fields)
        fields, merged, merged_by = _merge(claim, expected_version, fields)
    claim = _apply_update(claim, actor, fields)
    claim.merged_fields = merged
    claim.merged_by = merged_by
    return claim


def _ask_before_reopening(claim: Claim, expected_version: int, fields: dict) -> None:
    """Raise PublishedMeanwhile if someone published the claim after `expected_version` and
    this change to what readers see would reopen that publication.

    Whoever typed the change did so on an unpublished claim, and never saw the correction
    question a published one asks. Sent again with the version now (If-Match), it is saved
    as a correction.
    """
    if claim.status != Claim.Status.PUBLISHED:
        return
    public = {name: value for name, value in fields.items() if name in CLAIM_PUBLIC_FIELDS}
    if not any(getattr(claim, name) != value for name, value in public.items()):
        return
    publications = claim.events.filter(action="status", version__gt=expected_version)
    for event in publications.select_related("actor").order_by("-version"):
        if (event.changes.get("status") or [None, None])[-1] == Claim.Status.PUBLISHED:
            who = event.actor.get_username() if event.actor else "Someone"
            raise PublishedMeanwhile(claim, who)


def _composed(value):
    """Text with its letters composed (NFC), as the article's text is stored: a claimant or
    conclusion pasted with decomposed accents (as from a Mac) is then found by a search for
    the same words typed, and compares equal to them. Other values are returned unchanged."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_composed(item) for item in value]
    return value


def _distinct_tags(tags) -> list[str]:
    """Tags trimmed, in the order given, each once ("Economy" and "economy" are one)."""
    seen, kept = set(), []
    for tag in tags or []:
        tag = " ".join(str(tag).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag)
    return kept


def _apply_update(claim: Claim, actor, fields: dict) -> Claim:
    rating = fields.get("rating")
    if rating is not None and rating.scale.organization_id != claim.article.organization_id:
        raise ValidationError({"rating": NOT_OUR_RATING})
    if rating is not None and rating.is_hidden and rating.pk != claim.rating_id:
        # Hidden ratings stay on the claims that have them but are not offered for new verdicts.
        raise ValidationError({"rating": f"The rating {rating.label!r} is no longer offered."})
    assignee = fields.get("assignee")
    if assignee is not None and not permissions.is_member(assignee, claim.article.organization):
        raise ValidationError({"assignee": NOT_A_MEMBER})
    changes = {}
    for name, value in fields.items():
        old = getattr(claim, name)
        if old != value:
            changes[name] = [_as_history_value(old), _as_history_value(value)]
            setattr(claim, name, value)
    if not changes:
        return claim
    public = bool(set(changes) & set(CLAIM_PUBLIC_FIELDS))
    claim = _record_change(claim, actor, "updated", changes, public=public)
    if {"claim_reviewed", "exact"} & set(changes):  # reworded: ask the providers again
        evidence_search.request_evidence(claim, actor=actor)
    if "assignee" in changes and claim.assignee_id is not None:
        notifications.notify(
            recipients=[claim.assignee],
            kind="assigned",
            actor=actor,
            claim=claim,
            message=f"{_name(actor)} assigned you a claim: {_short(claim.claim_reviewed)}",
        )
    return claim


def claims_unassign_departed(*, organization, user, actor) -> int:
    """Unassign `user` from the organization's claims once they have left it; how many.

    Called by `member_remove` inside its transaction, after the actor's check: a claim
    assigned to someone who can no longer open it would wait for nobody, while its card
    still read as taken. Each change is recorded, so the history says who let it go.
    """
    claims = Claim.objects.select_for_update(no_key=True).filter(
        article__organization=organization, assignee=user
    )
    count = 0
    for claim in claims.order_by("pk"):
        claim.assignee = None
        _record_change(
            claim, actor, "updated", {"assignee": [user.get_username(), None]}, public=False
        )
        count += 1
    return count


def _name(actor) -> str:
    return actor.get_username() if actor is not None else "system"


def _short(text: str) -> str:
    wording = " ".join(text.split())
    return wording if len(wording) <= 120 else wording[:119] + "…"


@transaction.atomic
def claim_delete(*, claim: Claim, actor, expected_version: int | None = None) -> None:
    """Delete a claim that was never published; a published one must be retracted instead."""
    permissions.require_edit(actor, claim.article.organization)
    claim = _lock_current(claim, expected_version)
    if claim.published_versions.exists():
        raise ValidationError(
            "A claim that has been published cannot be deleted: retract it with a public note."
        )
    # The notification cannot point at a claim about to disappear, so its words say which.
    notifications.notify(
        recipients=[claim.creator, claim.assignee, claim.reviewer],
        kind="deleted",
        actor=actor,
        organization=claim.article.organization,
        message=(
            f"{_name(actor)} deleted the {claim.get_status_display().lower()} claim "
            f"“{_short(claim.claim_reviewed or claim.exact)}” in “{_short(claim.article.title)}”"
        ),
    )
    # The suggestion it was accepted from goes back among the undecided ones: accepted
    # without its claim, it could be neither accepted again nor dismissed, and would still
    # train the spotter as a sentence worth checking. Deleting the claim takes that back.
    Suggestion.objects.filter(claim=claim).update(
        state=Suggestion.State.NEW, claim=None, decided_by=None, decided_at=None
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
    the organization's name, a rating's place on its scale; its label is frozen): public
    sync (`updated_since`) and cached answers follow `changed_at`, which `update()` does
    not set by itself.
    """
    return PublishedVersion.objects.filter(is_current=True, **lookup).update(
        changed_at=timezone.now()
    )


def current_version(claim: Claim, *, lock: bool = False) -> PublishedVersion | None:
    """The claim's current published (or retracted) version, or None if never published."""
    versions = PublishedVersion.objects.filter(claim=claim, is_current=True)
    if lock:
        versions = versions.select_for_update(no_key=True)
    return versions.select_related("rating", "revision").first()


@transaction.atomic
def claim_transition(
    *,
    claim: Claim,
    actor,
    to_status: str,
    expected_version: int | None = None,
    note: str = "",
    carrying_article_details: bool = False,
    notify: bool = True,
) -> Claim:
    """Move a claim along the workflow: draft → in review → published → retracted.

    Publishing writes a new immutable published version. When an earlier version exists,
    publishing again needs a public correction `note`; so does retracting, which writes a
    retracted version. A working copy that equals the live version is simply marked
    published again, without a new version. While a change of the article's details waits
    to reach readers, only `article_details_republish` publishes on the article (it says so
    with `carrying_article_details`); see `article_details_hold`. `notify=False` tells
    nobody of the move: a step that the same call takes further at once (see there).
    """
    claim = _lock_current(claim, expected_version)
    organization = claim.article.organization
    allowed = TRANSITIONS.get((claim.status, to_status))
    if allowed is None:
        state, wanted = claim.get_status_display().lower(), Claim.Status(to_status).label.lower()
        if claim.status == to_status:
            raise ValidationError(f"This claim is {wanted} already.")
        raise ValidationError(f"This claim is {state}: it cannot become {wanted}.")
    allowed(actor, organization)
    if _is_withdrawal_of_anothers(claim, actor, to_status):
        # It left the reviewers' queue with no reason given, and nobody told (trial G19).
        raise permissions.RoleRefused(
            "Only its creator, or a reviewer (asking for changes, with a note), takes this "
            "claim out of review.",
            role=permissions.role_in(actor, organization),
        )
    note = note.strip()
    if note and not is_visible(note):
        raise ValidationError({"note": "Write the note in visible words: it has none."})
    if note:
        # Published beside the verdict: an override would make readers see other words.
        require_no_direction_override(note, field="note")
    live = current_version(claim, lock=True)
    new_version = None
    if _is_request_for_changes(claim, actor, to_status):
        return _request_changes(claim, actor, note)
    if note:
        _require_a_use_for_the_note(to_status, live)
    if to_status == Claim.Status.PUBLISHED:
        _check_publishable(claim, actor)
        # Whatever else holds: a version made now would stand on a text readers do not see.
        if problem := text_hold_problem(claim.article):
            raise ValidationError(problem)
        if _is_unchanged(claim, live):
            note = ""
        else:
            if live is not None and not note:
                raise ValidationError(
                    {"note": "Republishing needs a public correction note: what changed and why."}
                )
            _check_two_people(claim, actor, live)
            if not carrying_article_details:
                _check_article_details_published(claim)
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
    if to_status == Claim.Status.IN_REVIEW:
        claim.changes_requested_at = None
    claim.full_clean()
    claim.save()
    if new_version is not None:
        version = _write_version(claim, actor, live, kind=new_version, note=note)
        changes["published_version"] = version.number
        webhook_events.version_written(version, previous=live)
    _event(claim, actor, "status", changes)
    if notify:
        _notify_transition(claim, actor, to_status)
    return claim


def _require_a_use_for_the_note(to_status: str, live: PublishedVersion | None) -> None:
    """Refuse a note the move has no place for, rather than show or keep it by mistake.

    Readers see a note as a correction: on a first publication it would mark a verdict
    that was never corrected as "Corrected". On a move to review or back to draft it has
    nowhere to go but the claim's correction note, where a later retraction would show it.
    """
    if to_status == Claim.Status.RETRACTED:
        return
    if to_status == Claim.Status.PUBLISHED:
        if live is not None:
            return
        raise ValidationError(
            {
                "note": "A first publication corrects nothing: leave the note out. "
                "A public note goes with republishing a correction or with a retraction."
            }
        )
    raise ValidationError(
        {
            "note": "This move takes no note: leave it out, or write a comment for your "
            "colleagues. A note goes with a request for changes, a correction or a retraction."
        }
    )


def _is_request_for_changes(claim: Claim, actor, to_status: str) -> bool:
    """A reviewer sending someone else's claim from review back to draft asks for changes."""
    return (
        claim.status == Claim.Status.IN_REVIEW
        and to_status == Claim.Status.DRAFT
        and permissions.can_publish(actor, claim.article.organization)
        and not permissions.is_system(actor)
        and claim.creator_id != actor.pk
    )


def _is_withdrawal_of_anothers(claim: Claim, actor, to_status: str) -> bool:
    """An editor taking out of review a claim they did not make. Being its assignee is not
    enough: any editor may assign a claim to themselves (review R23)."""
    return (
        claim.status == Claim.Status.IN_REVIEW
        and to_status == Claim.Status.DRAFT
        and not permissions.can_publish(actor, claim.article.organization)
        and claim.creator_id != actor.pk
    )


def _request_changes(claim: Claim, actor, note: str) -> Claim:
    """Back to draft with the reviewer's internal note; the creator and assignee are told."""
    if not note:
        raise ValidationError({"note": "Say what should change: the note goes to the creator."})
    claim.status = Claim.Status.DRAFT
    claim.changes_requested_at = timezone.now()
    claim.review_note = note
    claim.version += 1
    claim.full_clean()
    claim.save()
    changes = {"status": [Claim.Status.IN_REVIEW, Claim.Status.DRAFT], "review_note": note}
    _event(claim, actor, "changes requested", changes)
    notifications.notify(
        recipients=[claim.creator, claim.assignee],
        kind="changes_requested",
        actor=actor,
        claim=claim,
        message=f"{_name(actor)} asked for changes: {_short(note)}",
    )
    return claim


def _notify_transition(claim: Claim, actor, to_status: str) -> None:
    if to_status == Claim.Status.IN_REVIEW:
        notifications.notify(
            recipients=notifications.publishers_of(claim.article.organization),
            kind="review_requested",
            actor=actor,
            claim=claim,
            message=f"{_name(actor)} asks for a review: {_short(claim.claim_reviewed)}",
        )
    elif to_status == Claim.Status.PUBLISHED:
        notifications.notify(
            recipients=[claim.creator, claim.assignee],
            kind="published",
            actor=actor,
            claim=claim,
            message=f"{_name(actor)} published: {_short(claim.claim_reviewed)}",
        )
    elif to_status == Claim.Status.RETRACTED:
        notifications.notify(
            recipients=[claim.creator, claim.assignee, claim.reviewer],
            kind="retracted",
            actor=actor,
            claim=claim,
            message=f"{_name(actor)} retracted: {_short(claim.claim_reviewed)}",
        )


def _is_unchanged(claim: Claim, live: PublishedVersion | None) -> bool:
    """Whether the working copy shows readers exactly what the live published version shows."""
    return (
        live is not None
        and live.kind == PublishedVersion.Kind.PUBLISHED
        and live.is_anchored
        and versions.claim_snapshot(claim) == versions.version_snapshot(live)
    )


def fetched_times(sources, addresses: dict[int, str] | None = None) -> dict[int, dt.datetime]:
    """When each source's page was fetched, at its address now or the one `addresses` gives:
    our latest snapshot of it, else the source's own record of its address now; what dates
    an archive's copy whose address does not."""
    addresses = {source.pk: source.url for source in sources} | (addresses or {})
    times = {
        source.pk: source.fetched_at
        for source in sources
        if source.fetched_at and addresses[source.pk] == source.url
    }
    snapshots = (
        Snapshot.objects.filter(source_id__in=addresses)
        .order_by("source_id", "fetched_at", "id")
        .values_list("source_id", "requested_url", "fetched_at")
    )
    for source_id, requested_url, fetched_at in snapshots:
        if requested_url == addresses[source_id]:
            times[source_id] = fetched_at  # the latest wins
    return times


def _archives_to_freeze(cited, frozen_sources: list[dict], live) -> dict:
    """The archived copies a new version keeps: each cited source's own, else the copy the
    version before kept of the same address (an address changed and changed back)."""
    cited = list(cited)
    archives = versions.frozen_archives(cited, fetched_times(cited), timezone.now())
    if live is not None:
        before = {source.get("id"): source.get("url") for source in live.sources}
        for source in frozen_sources:
            key = str(source["id"])
            kept = (live.archives or {}).get(key)
            if key not in archives and kept and before.get(source["id"]) == source["url"]:
                archives[key] = kept
    return archives


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
                "claimant", "claim_date", "rating", "conclusion", "tags", "sources", "archives",
                "is_anchored", "via", *versions.RATING_FIELDS, *versions.ARTICLE_FIELDS,
            )
        }  # fmt: skip
        # Shown to readers even when its words have left the text (an orphan retracted).
        fields["is_anchored"] = True
    else:
        fields = {
            name: getattr(claim, name)
            for name in (
                "revision", "exact", "prefix", "suffix", "start", "end", "claim_reviewed",
                "claimant", "claim_date", "rating", "conclusion",
            )
        }  # fmt: skip
        fields["tags"] = list(claim.tags)
        fields.update(versions.rating_fields(claim.rating))
        cited = claim.sources.order_by("created_at", "id")
        fields["sources"] = [versions.source_snapshot(source) for source in cited]
        fields["archives"] = _archives_to_freeze(cited, fields["sources"], live)
        fields["via"] = claim.annotation_via
        fields.update(versions.article_fields(claim.article))
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
    missing = _missing(_requirements(claim))
    if missing:
        raise ValidationError(missing)
    if claim.anchor_state != Claim.AnchorState.ANCHORED:
        raise ValidationError("An orphaned claim must be re-attached before it is published.")


def _check_article_details_published(claim: Claim) -> None:
    # The text's hold was checked just before, by every publication.
    problem = _reopened_details_hold(claim.article).problem_for(claim)
    if problem:
        raise ValidationError(problem)


@dataclass(frozen=True)
class DetailsHold:
    """Why publications on an article wait for a change of its details to reach readers
    (`problem`, "" if they need not), and the claims that may go first all the same."""

    problem: str = ""
    may_go_first: frozenset = frozenset()
    # The checklist's line for it, and the words under that line.
    label: str = "The article's new details published first"
    detail: str = "Readers still see its earlier details."

    def problem_for(self, claim: Claim) -> str:
        return "" if claim.pk in self.may_go_first else self.problem


def text_hold_problem(article: Article) -> str:
    """Why no verdict on `article` may be published now: its newest text waits for a second
    look, and a version made now would stand on words readers do not see ("" if not)."""
    text = queries.article_text_waiting(article)
    if text is None:
        return ""
    return (
        f"Readers still see revision {text.shown.number} of this article's text, and "
        f"revision {text.newest.number} waits for a second look. Show readers the new text "
        "first (at the top of the article): a verdict published now would stand on words "
        "they cannot see."
    )


def article_details_hold(article: Article) -> DetailsHold:
    """Whether a publication on `article` must wait for its changed details to be republished.

    A claim's version freezes the article's details as they are now, and the reader page
    shows the newest version's. While the claims a change of the details reopened wait to
    carry it to readers together, with one correction note (`article_details_republish`),
    a verdict published on its own, first or again, would show the change first: with no
    note, or on one fact-check while the others still show the earlier details (the embed
    on the earlier address losing that one). A claim the change reopened that changed in
    more than the details is reviewed from its card: once none waits for the notice, those
    may go first, and the first of them carries the new details with its own note. So may
    the one claim a change reopened, when it is the only one: it carries it to all.
    """
    if problem := text_hold_problem(article):
        return DetailsHold(
            problem,
            label="The article's new text shown to readers first",
            detail="Readers still see an earlier revision of its text.",
        )
    return _reopened_details_hold(article)


def _reopened_details_hold(article: Article) -> DetailsHold:
    """`article_details_hold` but for the text's: the hold of a change of the details."""
    reopened = queries.article_details_reopened(article)
    if not (reopened.waiting or reopened.changed):
        return DetailsHold()
    changed = versions.unpublished_details(article, queries.article_as_published(article))
    if not changed:
        return DetailsHold()
    problem = (
        f"Readers still see this article's earlier {get_text_list(changed, 'and')}, and the "
        "change must reach them with one correction note on all the fact-checks it reopened. "
        "First republish the fact-checks the change reopened (at the top of the article), or "
        "put the details back."
    )
    reopened_ids = [c.pk for c in reopened.waiting] + [c.pk for c, _ in reopened.changed]
    alone = len(reopened_ids) == 1
    first = frozenset(reopened_ids) if alone or not reopened.waiting else frozenset()
    return DetailsHold(problem, first)


def _check_two_people(claim: Claim, actor, live: PublishedVersion | None) -> None:
    """Under the two-person rule, nobody publishes their own latest change (or a claim they
    created and nobody else has changed)."""
    if permissions.is_system(actor):
        return
    since = last_published_at(claim)
    events = claim.events.filter(action__in=SECOND_PERSON_ACTIONS)
    if since is not None:
        events = events.filter(created_at__gte=since)
    problem = _second_person_problem(claim, actor, events, since=since)
    if problem:
        raise PermissionDenied(problem)


def last_published_at(claim: Claim):
    """When a second person last published the claim (None if never).

    A retraction is a version but publishes nothing: a change made before it still needs
    a second person, or retracting and sending back to review would publish it alone. Reads
    the versions `queries.workspace_claims` prefetched when it did.
    """
    current = getattr(claim, "current_versions", None)
    earlier = getattr(claim, "earlier_versions", None)
    if current is not None and earlier is not None:
        versions = sorted([*current, *earlier], key=lambda version: -version.number)
        return next(
            (v.published_at for v in versions if v.kind == PublishedVersion.Kind.PUBLISHED), None
        )
    published = claim.published_versions.filter(kind=PublishedVersion.Kind.PUBLISHED)
    return published.order_by("-number").values_list("published_at", flat=True).first()


CREATED_IT = "Another member must publish a claim you created."
CHANGED_IT_LAST = (
    "Another member must publish this: the latest change to its wording, verdict or sources "
    "is yours."
)
DETAILS_CHANGED_LAST = (
    "Another member must publish this: the latest change to it, the article's details, is "
    "yours. An editor can check the new details in the notice at the top of the article."
)
CHANGED_TAGS_LAST = (
    "Another member must publish this: the latest change to its tags is yours, and nobody "
    "else has seen it."
)
CHANGED_TEXT_AROUND_IT = (
    "Another member must publish this: the latest change to the article's words around it is "
    "yours, and nobody else has seen it."
)


def _second_person_problem(
    claim: Claim, user, events, *, since=None, history: TextHistory | None = None
) -> str:
    """Why `user` may not publish under the two-person rule ("" if they may).

    `events` are every member's changes since the claim was last published (all of them if
    it never was). Whoever made the latest public change may not publish it, as a pull
    request's last pusher may not approve it: each change is then seen by someone else,
    either by a member who changed the claim after it or by the one who publishes. A claim
    nobody but its creator has touched needs another member too. Holding back everyone who
    ever touched it instead left a newsroom of two reviewers unable to publish a claim one
    made and the other corrected. A change of tags alone sees nothing: it neither frees the
    author of the change before it nor may its own author publish it. A member's check of a
    change of the article's details (`article_details_check`) counts as a later change: it
    is the second look, for a newsroom whose one reviewer changed them. So is a change of
    the article's words in or just before the claim's paragraph, which readers see no less
    ("It is false that …" put before a rated sentence): its author needs another member's
    later change of the claim, or another member to publish it.

    `since` is when the claim was last published; `history` is its article's
    `TextHistory`, read here when not given.
    """
    if not claim.article.organization.requires_two_person_review:
        return ""
    public = _weighed(events)
    # Tags label a claim and say nothing of what it was rated: changing them alone is not
    # looking at the verdict, so it does not make anyone else's change the latest.
    telling = [event for event in public if not _tags_only(event)]
    latest = max(telling, key=_when, default=None)
    if latest is not None and latest.actor_id == user.pk:
        return (
            DETAILS_CHANGED_LAST if latest.action == "article details changed" else CHANGED_IT_LAST
        )
    # A change of the article's details, or a check of one, looks at the details alone: it
    # is no second look at a rewrite of the claim itself, whose author still needs another
    # member's later change of it, or another member to publish it.
    rewrites = [event for event in telling if event.action not in DETAILS_ACTIONS]
    latest_rewrite = max(rewrites, key=_when, default=None)
    if latest_rewrite is not None and latest_rewrite.actor_id == user.pk:
        return CHANGED_IT_LAST
    # Tags changed alone since then reach readers too, and nobody has looked at them but
    # their authors: each waits for someone else.
    if any(
        event.actor_id == user.pk
        for event in public
        if _tags_only(event) and (latest is None or _when(event) > _when(latest))
    ):
        return CHANGED_TAGS_LAST
    if latest is None and claim.published_at is None and claim.creator_id == user.pk:
        return CREATED_IT
    seen_at = max(
        (moment for moment in (since, latest and latest.created_at) if moment is not None),
        default=claim.created_at,
    )
    if _rewrote_text_around(claim, user, seen_at, history):
        return CHANGED_TEXT_AROUND_IT
    return ""


class TextHistory:
    """Who saved each revision of an article's text and what each changed, read once for
    all the claims of a list of cards: the two-person rule asks it of every one.

    Texts and diffs are read only when asked for, each once: most cards ask nothing of them.
    """

    def __init__(self, article_id: int):
        self.article_id = article_id
        # (pk, number, created_by_id, created_at), oldest first, without the texts.
        self.revisions = list(
            ArticleRevision.objects.filter(article_id=article_id)
            .order_by("number")
            .values_list("pk", "number", "created_by_id", "created_at")
        )
        self._texts: dict[int, str] = {}
        self._changes: dict[int, list] = {}
        self._diffs: dict[tuple[int, int], textdiff.TextDiff] = {}

    def saved_by(self, user, after) -> list[int]:
        """The numbers of the revisions `user` saved after `after`, but the first text."""
        return [
            number
            for _pk, number, author_id, created_at in self.revisions
            if author_id == user.pk and created_at > after and number > 1
        ]

    def number_of(self, revision_id: int) -> int | None:
        return next((n for pk, n, _by, _at in self.revisions if pk == revision_id), None)

    def text(self, number: int) -> str:
        if number not in self._texts:
            self._texts[number] = ArticleRevision.objects.values_list("text", flat=True).get(
                article_id=self.article_id, number=number
            )
        return self._texts[number]

    def changes(self, number: int) -> list:
        """What revision `number` changed of the one before, in whole words."""
        if number not in self._changes:
            self._changes[number] = text_changes.changes_of(
                self.text(number - 1), self.text(number)
            )
        return self._changes[number]

    def span_in(self, number: int, start: int, end: int, of: int) -> tuple[int, int]:
        """Where the span `start`-`end` of revision `of` lies in revision `number`."""
        if number == of:
            return start, end
        if (of, number) not in self._diffs:
            self._diffs[of, number] = textdiff.diff(self.text(of), self.text(number))
        mapped = self._diffs[of, number].map_span(start, end)
        return mapped.start, max(mapped.end, mapped.start + 1)


def _rewrote_text_around(claim: Claim, user, seen_at, history: TextHistory | None) -> bool:
    """Whether a revision `user` saved since `seen_at` (when another member last changed the
    claim, or it was published) changed the words beside it, as `text_changes` tells a
    change beside a verdict. Each of their revisions is weighed against the one before it,
    so another member's edit in between is not taken for theirs (review R19)."""
    if claim.anchor_state != Claim.AnchorState.ANCHORED:
        return False  # it cannot be published until someone attaches it again
    if history is None:
        history = TextHistory(claim.article_id)
    own = history.saved_by(user, seen_at)
    # Only one who may publish asks: an editor's card needs no diff.
    if not own or not permissions.can_publish(user, claim.article.organization):
        return False
    anchored_on = history.number_of(claim.revision_id)
    if anchored_on is None:
        return False
    for number in own:
        before = number - 1
        span = history.span_in(before, claim.start, claim.end, of=anchored_on)
        if text_changes.any_beside(
            history.text(before), history.text(number), history.changes(number), [span]
        ):
            return True
    return False


def _when(event) -> tuple:
    return (event.created_at, event.pk)


def _tags_only(event) -> bool:
    return event.action == "updated" and set(event.changes) & set(CLAIM_PUBLIC_FIELDS) == {"tags"}


def second_person_reason(claim: Claim, viewer, *, history: TextHistory | None = None) -> str:
    """Why the two-person rule stops `viewer` publishing the claim ("" if it does not).

    `history`: the article's `TextHistory`, when a list of cards reads it once."""
    since = last_published_at(claim)
    changes = [
        event
        for event in claim.events.all()
        if event.action in SECOND_PERSON_ACTIONS and (since is None or event.created_at >= since)
    ]
    return _second_person_problem(claim, viewer, changes, since=since, history=history)


def latest_second_person_event(claim: Claim) -> ClaimEvent | None:
    """The newest event the two-person rule weighs since the claim was last published: whose
    change (or check of one) a publication would let through."""
    telling = [event for event in second_person_events(claim) if not _tags_only(event)]
    return max(telling, key=_when, default=None)


def second_person_events(claim: Claim) -> list[ClaimEvent]:
    """The events the two-person rule weighs since the claim was last published."""
    since = last_published_at(claim)
    return _weighed(
        [event for event in claim.events.all() if since is None or event.created_at >= since]
    )


def _weighed(events) -> list:
    """Of `events`, those the two-person rule weighs: changes to what readers see, checks."""
    return [
        event
        for event in events
        if event.action in SECOND_PERSON_ACTIONS
        and (event.action != "updated" or set(event.changes) & set(CLAIM_PUBLIC_FIELDS))
    ]


def _requirements(claim: Claim) -> list[dict]:
    """What a verdict needs before it is published, as the card's checklist lists it; the
    one list `claim_transition` enforces. Reads prefetched sources when there are."""
    sources = len(claim.sources.all())
    return [
        {
            "key": "rating",
            "label": "A rating",
            "met": claim.rating_id is not None,
            "detail": claim.rating.label if claim.rating_id else "Choose a rating.",
        },
        {
            "key": "conclusion",
            "label": "A conclusion",
            "met": bool(claim.conclusion.strip()),
            "detail": "Written." if claim.conclusion.strip() else "Write what readers will see.",
        },
        {
            "key": "source",
            "label": "At least one source",
            "met": sources > 0,
            "detail": f"{sources} cited." if sources else "Cite a source.",
        },
    ]


def _sources_to_look_at(key: str, sources: list[Source], verbs: tuple[str, str], advice: str):
    """A checklist line asking for a look at `sources`, which stops no publication:
    "2 sources did not load", with the first named and `advice` ("Check {it}, …")."""
    count = len(sources)
    one = count == 1
    return {
        "key": key,
        "label": f"1 source {verbs[0]}" if one else f"{count} sources {verbs[1]}",
        "met": False,
        "advisory": True,
        "detail": f"{_named_sources(sources)}: " + advice.format(it="it" if one else "them"),
    }


def _named_sources(sources: list[Source]) -> str:
    """The first source as the card lists it, with why it did not load, and how many more."""
    first = sources[0]
    # Its title, else its address cut short: a 700-character address pushed Publish far down
    # the card.
    name = first.title.strip() or Truncator(first.url).chars(60)
    # A try that waits for the next says so itself ("will try again: timed out").
    reason = first.fetch_error.removeprefix("will try again: ")
    why = f" ({reason})" if reason else ""
    others = f" and {len(sources) - 1} more" if len(sources) > 1 else ""
    return f"“{name}”{why}{others}"


def _missing(checklist: list[dict]) -> str:
    """ "Publishing needs …" for the checklist's unmet requirements ("" if none is)."""
    missing = [
        item["label"].lower() for item in checklist if not item["met"] and not item.get("advisory")
    ]
    # "a rating and a conclusion", not "a rating, a conclusion" (trial D1).
    return f"Publishing needs {get_text_list(missing, 'and')}." if missing else ""


def publish_readiness(
    claim: Claim,
    viewer,
    *,
    details_hold: DetailsHold | None = None,
    history: TextHistory | None = None,
) -> dict:
    """The publish checklist as `viewer` sees it, whether they may publish now, and why not.

    Reads what `queries.workspace_claims` prefetched (sources, events, current version), so
    a list of cards costs no query per claim. Mirrors the checks claim_transition makes;
    `details_hold` is `article_details_hold(article)` and `history` its `TextHistory`,
    each read once per article for all its cards.
    """
    organization = claim.article.organization
    checklist = _requirements(claim)
    # A page that would not load is still a citation (a site down, an archive to come), so
    # this asks for a look rather than stopping the publication. One tried and failed that
    # waits for its next try asks too: a claim went out citing a page that timed out, which
    # then failed for good, with no word (trial G16).
    sources = claim.sources.all()
    unloaded = [
        source
        for source in sources
        if source.fetch_state in (Source.FetchState.FAILED, Source.FetchState.REFUSED)
    ]
    retrying = [
        source
        for source in sources
        if source.fetch_state in (Source.FetchState.PENDING, Source.FetchState.FETCHING)
        and source.fetch_error
    ]
    if unloaded:
        checklist.append(
            _sources_to_look_at(
                "sources_loaded", unloaded, ("did not load", "did not load"),
                "readers may get a broken link. Check {it}, or cite an archived copy.",
            )
        )  # fmt: skip
    if retrying:
        checklist.append(
            _sources_to_look_at(
                "sources_retrying", retrying, ("has not loaded yet", "have not loaded yet"),
                "tried again shortly, but readers may get a broken link. Check {it}, or wait "
                "for the next try.",
            )
        )  # fmt: skip
    second = second_person_reason(claim, viewer, history=history)
    if organization.requires_two_person_review:
        checklist.append(
            {
                "key": "second_person",
                "label": "A second person publishes",
                "met": not second,
                "detail": second or "Its latest change is someone else's: you may publish it.",
            }
        )
    details_problem = details_hold.problem_for(claim) if details_hold else ""
    if details_problem:
        checklist.append(
            {
                "key": "article_details",
                "label": details_hold.label,
                "met": False,
                # The whole reason is said under the list, as the button's description.
                "detail": details_hold.detail,
            }
        )
    reason = ""
    if not permissions.can_publish(viewer, organization):
        reason = (
            "Only reviewers and admins publish: it is in review, waiting for one."
            if claim.status == Claim.Status.IN_REVIEW
            else "Only reviewers and admins publish; send it to review."
        )
    elif claim.status != Claim.Status.IN_REVIEW:
        reason = "Send it to review first."
    elif claim.anchor_state != Claim.AnchorState.ANCHORED:
        reason = "Re-attach the claim to the text before publishing it."
    elif second:
        reason = {
            CREATED_IT: "You created this claim and nobody else has changed it; the newsroom "
            "requires a second person to publish it.",
            CHANGED_TAGS_LAST: "You changed its tags since the latest change to it and nobody "
            "else has seen them; the newsroom requires a second person to publish it.",
            DETAILS_CHANGED_LAST: "The latest change to it, the article's details, is yours; "
            "the newsroom requires a second person: another reviewer publishes it, or an editor "
            "checks the new details in the notice at the top of the article.",
            CHANGED_TEXT_AROUND_IT: "The latest change to the article's words around it is "
            "yours; the newsroom requires a second person: another reviewer publishes it, or "
            "the editor looks at it and changes it.",
        }.get(
            second,
            "The latest change to this claim is yours; the newsroom requires a second person "
            "to publish it.",
        )
    elif details_problem:
        reason = details_problem
    else:
        reason = _missing(checklist)
    return {
        "checklist": checklist,
        "viewer_can_publish": not reason,
        "publish_blocked_reason": reason,
    }


@transaction.atomic
def claim_reattach(
    *, claim: Claim, actor, selectors: list[dict], expected_version: int | None = None
) -> Claim:
    """Anchor an orphaned (or any) claim to a new selection in the article's current text.

    On a published claim only the working copy moves; the published version keeps
    pointing at the words it was published on until a reviewer republishes.
    """
    permissions.require_edit(actor, claim.article.organization)
    # The article first, then the claim, as a text save locks them: the selection is read
    # against the text it was made on, and no new text (whose re-anchoring passes over an
    # orphaned claim) may land between reading the text and reading its latest revision.
    article = locked(Article.objects, "article", pk=claim.article_id)
    claim = _lock_current(claim, expected_version)
    claim.article = article
    start, end = _anchor_selection(article.text, selectors)
    changes = {"exact": [claim.exact], "position": [[claim.start, claim.end]]}
    claim.anchor_to(article.revisions.order_by("-number").first(), start, end)
    changes["exact"].append(claim.exact)
    changes["position"].append([claim.start, claim.end])
    return _record_change(claim, actor, "reattached", changes, public=True)
