"""Articles and their revisions; re-anchoring claims when the text changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Subquery
from django.utils import timezone

from annotations import (
    anchoring,
    jobs,
    notifications,
    permissions,
    queries,
    text_changes,
    urlnorm,
    versions,
)
from annotations.ingest import structure as blocks
from annotations.ingest.text import canonical_text
from annotations.models import (
    ARTICLE_TEXT_MAX,
    NOTE_MAX,
    Article,
    ArticleRevision,
    Claim,
    Organization,
    PublishedVersion,
    is_slug_character,
    is_visible,
    one_line,
    require_no_direction_override,
)
from annotations.rows import locked
from annotations.services.claims import (
    DETAILS_ACTIONS,
    DETAILS_CHECKED,
    StaleVersion,
    _as_history_value,
    _event,
    _name,
    _record_change,
    _short,
    claim_transition,
    latest_second_person_event,
    public_versions_touch,
    second_person_events,
)
from annotations.webhooks import events as webhook_events

# Articles

SLUG_MAX = 100


# Marks that change no letter: variation selectors (an emoji's U+FE0F), the combining
# grapheme joiner, and enclosing marks (a keycap's U+20E3). They are left out of addresses.
_NOT_A_LETTERS_MARK = re.compile(r"[\ufe00-\ufe0f\U000e0100-\U000e01ef\u034f\u180b-\u180f]")


def readable_slug(title: str) -> str:
    """`title` as a reader-page address: lower case, words joined by hyphens, other
    characters left out, and letters kept whole, with the vowel signs and accents of any
    script (Django's slugify drops those, so Hindi and Thai words read as other words).

    Compatibility forms become plain ones (full-width digits, ligatures), as slugify makes them,
    except Thai and Lao SARA AM, which would split into two marks. A mark is kept only on a
    letter or digit that is kept.
    """
    text = "".join(
        char if char in "\u0e33\u0eb3" else unicodedata.normalize("NFKC", char) for char in title
    )
    # Turkish "İ" lowers to "i" and a combining dot; the address wants the plain "i".
    text = unicodedata.normalize("NFC", text.replace("\u0130", "i")).lower()
    # A decimal point becomes a hyphen: "4.2" would read as 42 once the point is dropped.
    text = re.sub(r"(?<=\d)\.(?=\d)", "-", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] == "M":
            on_a_letter = kept and (kept[-1].isalnum() or unicodedata.category(kept[-1])[0] == "M")
            if category != "Me" and on_a_letter and not _NOT_A_LETTERS_MARK.match(char):
                kept.append(char)
        elif is_slug_character(char) or char.isspace():
            kept.append(char)
    return re.sub(r"[-\s]+", "-", "".join(kept)).strip("-_")


# What an untitled import's placeholder title ends with when it is a file's name.
_FILE_EXTENSION = re.compile(
    r"\.(?:docx?|odt|rtf|pdf|html?|xhtml|php|aspx?|txt|text|md|markdown)$", re.I
)


def _slug_words(title: str) -> str:
    """The words of `title` an address is made of. A page imported without a title is titled
    with its address, and a file with its name: the address's last part ("the-claim" of
    `https://news.example/2024/the-claim.html`), or the name without its extension, reads
    better than "httpsnewsexample2024the-claimhtml"."""
    title = title.strip()
    if re.match(r"https?://", title, re.I):
        parts = urlsplit(title)
        segments = [unquote(part) for part in parts.path.split("/") if part]
        while segments and _FILE_EXTENSION.sub("", segments[-1]).lower() in ("", "index"):
            segments.pop()
        if segments:
            return _file_name_words(segments[-1])
        host = (parts.hostname or "").removeprefix("www.")
        return host.replace(".", " ")
    if not any(char.isspace() for char in title):
        return _file_name_words(title)
    return _FILE_EXTENSION.sub("", title)  # "Annual report 2024.txt"


def _file_name_words(name: str) -> str:
    """A file's name as words: "budget.2024_final.txt" is "budget 2024 final"."""
    return re.sub(r"[._]+", " ", _FILE_EXTENSION.sub("", name))


def _shortened(slug: str) -> str:
    """`slug` cut to SLUG_MAX characters: after its last whole word when one ends in the
    second half, and never between a letter and the vowel sign or accent that follows it."""
    if len(slug) <= SLUG_MAX:
        return slug.strip("-")
    cut = slug[: SLUG_MAX + 1].rfind("-")
    if cut < SLUG_MAX // 2:
        cut = SLUG_MAX
        # The letter goes with its marks; a virama with the consonant it joins ("क्ष"),
        # and a Thai or Lao vowel written before its consonant with that consonant.
        while cut > 0 and (
            unicodedata.category(slug[cut])[0] == "M"
            or unicodedata.combining(slug[cut - 1]) == _VIRAMA
            or slug[cut - 1] in _WRITTEN_BEFORE
        ):
            cut -= 1
    return slug[:cut].strip("-")


_VIRAMA = 9  # the canonical combining class of the Indic viramas
_WRITTEN_BEFORE = "\u0e40\u0e41\u0e42\u0e43\u0e44\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4"


def unused_slug(organization: Organization, title: str, *, article_id=None) -> str:
    """A slug for the article's reader page that no other article of the organization has.

    `the-claim` is taken first, then `the-claim-2`, `the-claim-3`...: a permalink, once
    given, is never reused for another article. `article_id` names the article the slug is
    for, whose own slug does not count as taken.
    """
    base = _shortened(readable_slug(_slug_words(title))) or "article"
    taken = set(
        Article.objects.filter(organization=organization, slug__startswith=base)
        .exclude(pk=article_id)
        .values_list("slug", flat=True)
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def fill_public_addresses(article: Article) -> None:
    """Give an article its reader-page slug (once) and the key its canonical URL is matched by.

    Every path that makes an article or changes its address calls this before saving: the
    reader page, the embed and the API's `article_url` filter depend on both.
    """
    article.url_key = urlnorm.url_key(article.canonical_url)
    if not article.slug:
        # Two articles of one title made at once (a double click) would pick the same slug:
        # the organization's row lock makes the second wait, then see the first's.
        Organization.objects.select_for_update(no_key=True).filter(
            pk=article.organization_id
        ).first()
        article.slug = unused_slug(article.organization, article.title, article_id=article.pk)


@transaction.atomic
def article_create(
    *,
    organization: Organization,
    title: str,
    text: str,
    created_by,
    byline: str = "",
    publisher: str = "",
    canonical_url: str = "",
    published_on: dt.date | None = None,
    language: str = "",
    structure: list[dict] | None = None,
) -> Article:
    """Create an article from its text (made canonical) and record it as revision 1.

    `structure` lists the text's headings, list items, quotes... (see `ingest.structure`);
    entries that do not describe whole paragraphs of the canonical text are dropped.
    """
    permissions.require_edit(created_by, organization, "Your role does not allow adding articles.")
    article = Article(
        organization=organization,
        title=one_line(title),
        text=canonical_text(text),
        created_by=permissions.as_user(created_by),
        byline=one_line(byline),
        publisher=one_line(publisher),
        canonical_url=canonical_url,
        published_on=published_on,
        language=language,
    )
    if not article.text:
        raise ValidationError({"text": "The article has no text."})
    _require_text_within_limit(article.text)
    article.structure = blocks.clean(article.text, structure or [])
    fill_public_addresses(article)
    article.full_clean()
    article.save()
    _revision_create(article=article, actor=created_by, reason="created")
    jobs.enqueue(kind="spot", subject_id=article.pk)  # claim-spotting suggestions (issue 14)
    return article


def _revision_create(*, article: Article, actor, reason: str) -> ArticleRevision:
    last = article.revisions.aggregate(last=Max("number"))["last"] or 0
    revision = ArticleRevision(
        article=article,
        number=last + 1,
        text=article.text,
        structure=article.structure,
        created_by=permissions.as_user(actor),
        reason=reason,
    )
    revision.full_clean()
    revision.save()
    put_back = _put_back(article, revision)
    if put_back:
        # The words readers see already: the text they see has not changed, nor its date.
        article.public_revision = revision
        Article.objects.filter(pk=article.pk).update(public_revision=revision)
    elif not text_waits_for_second_look(article):
        article.public_revision, article.public_revision_shown_at = revision, timezone.now()
        Article.objects.filter(pk=article.pk).update(
            public_revision=revision, public_revision_shown_at=article.public_revision_shown_at
        )
    elif article.public_revision_id is None:
        # Readers of an article with none on record saw its newest text until now.
        earlier = article.revisions.filter(number=revision.number - 1).first()
        article.public_revision = earlier
        Article.objects.filter(pk=article.pk).update(public_revision=earlier)
    return revision


def _readers_revision(article: Article, text: str) -> dict | None:
    """The revision readers see, as `{"structure": ...}`, if `text` is word for word its
    text; None if readers see other words (or the article has no public revision)."""
    if not article.public_revision_id:
        return None
    return (
        ArticleRevision.objects.filter(pk=article.public_revision_id, text=text)
        .values("structure")
        .first()
    )


def _structure_readers_see(article: Article, text: str) -> list[dict] | None:
    """The structure of the revision readers see, if `text` is its text and it kept one: a
    typed edit that undoes a waiting one gets it back whole, where carrying the waiting
    text's would lose a heading the undone edit had removed."""
    shown = _readers_revision(article, text)
    return shown["structure"] if shown else None


def _put_back(article: Article, revision: ArticleRevision) -> bool:
    """Whether `revision` is word for word the text readers see, set out as they see it: an
    edit undone changes nothing readers see, so it needs no second look. The same words
    with other headings, lists or quotes (a re-import, say) are a change readers would see.
    """
    shown = _readers_revision(article, revision.text)
    if shown is None:
        return False  # other words
    # A revision saved before revisions kept their structure: the words alone decide.
    return shown["structure"] is None or shown["structure"] == revision.structure


def text_waits_for_second_look(article: Article) -> bool:
    """Whether a new text of `article` must wait for a second person before readers see it:
    verdicts readers see (or a retraction they must still find) stand on its text, and the
    newsroom requires two people. Otherwise every new revision is shown at once."""
    return (
        article.organization.requires_two_person_review
        and PublishedVersion.objects.filter(claim__article=article, is_current=True).exists()
    )


@dataclass(frozen=True)
class ReanchorReport:
    """What re-anchoring an article's claims on a new revision did."""

    moved: int = 0
    unchanged: int = 0
    orphaned: int = 0
    sent_to_review: int = 0
    deferred: bool = False
    restored: int = 0
    # The new text waits for a second look: readers keep the one they see until then.
    waits: bool = False


class StaleText(Exception):
    """The article got a new revision since the one the caller's text was edited from (or,
    with `looked`, the one they looked at before showing it to readers)."""

    def __init__(self, latest: ArticleRevision, base_revision: int, *, actor=None, looked=False):
        self.latest = latest
        self.base_revision = base_revision
        if actor is not None and latest.created_by_id == permissions.as_user(actor).pk:
            who = "You"  # a second window of theirs, not a colleague
        else:
            who = latest.created_by.get_username() if latest.created_by else "Someone"
        since = (
            f"since you looked at revision {base_revision}"
            if looked
            else f"since you started editing revision {base_revision}"
        )
        super().__init__(f"{who} saved revision {latest.number} of this text {since}.")


def text_limit() -> int:
    """The longest article text any write takes: what the API and forms take, or what an
    import may bring when that is set higher."""
    return max(ARTICLE_TEXT_MAX, settings.FACTCHECK_MAX_TEXT_CHARS)


def _require_text_within_limit(text: str) -> None:
    # Here, not only in the API and the forms: the admin and the commands write through here.
    limit = text_limit()
    if len(text) > limit:
        raise ValidationError(
            {"text": f"The text is {len(text):,} characters; the limit is {limit:,}."}
        )


@transaction.atomic
def article_update_text(
    *,
    article: Article,
    text: str,
    actor,
    reason: str = "text edited",
    structure: list[dict] | None = None,
    base_revision: int | None = None,
) -> ReanchorReport:
    """Replace the article's text with a new revision and re-anchor every claim on it.

    The old text stays in its revision. Large articles are re-anchored by a Celery task;
    their claims are marked as re-anchoring until it runs. Without a `structure` (a typed
    edit), paragraphs that are still there keep their kinds (see `ingest.structure.carry`).
    With `base_revision`, the revision the new text was edited from, a text saved by someone
    else since raises `StaleText` instead of being silently replaced.
    """
    permissions.require_edit(
        actor, article.organization, "Your role does not allow editing articles."
    )
    new_text = canonical_text(text)
    if not new_text:
        raise ValidationError({"text": "The article has no text."})
    _require_text_within_limit(new_text)
    article = locked(Article.objects, "article", pk=article.pk)
    if base_revision is not None:
        latest = article.revisions.select_related("created_by").order_by("-number").first()
        if latest is not None and base_revision > latest.number:
            # Not a text saved since: a number no revision has (a client's mistake).
            raise ValidationError(
                {
                    "base_revision": f"This text has no revision {base_revision}: the newest "
                    f"is revision {latest.number}."
                }
            )
        if latest is not None and latest.number != base_revision:
            raise StaleText(latest, base_revision, actor=actor)
    laid_out = blocks.clean(new_text, structure) if structure is not None else None
    # The same words set out as before change nothing; set out otherwise (a re-import that
    # found the headings the first one missed) they are a revision, which readers see as
    # any other: at once, or after a second look.
    if new_text == article.text and laid_out in (None, article.structure):
        return ReanchorReport(unchanged=article.claims.count())
    if laid_out is not None:
        article.structure = laid_out
    elif (kept := _structure_readers_see(article, new_text)) is not None:
        article.structure = kept  # an edit undone: the headings and lists readers see too
    else:
        article.structure = blocks.carry(article.text, article.structure, new_text)
    article.text = new_text
    article.full_clean()
    article.save(update_fields=["text", "structure", "updated_at"])
    # Every claim locked (in the order every writer takes them) before the new text is
    # judged: a first publication on its way holds its claim, and is waited for, so that
    # its verdict is seen and the text waits, rather than shown at once under it.
    list(Claim.objects.select_for_update(no_key=True).filter(article=article).order_by("pk"))
    readers_saw_the_newest = article.public_revision_id == (
        article.revisions.order_by("-number").values_list("pk", flat=True).first()
    )
    revision = _revision_create(article=article, actor=actor, reason=reason)
    if article.public_revision_id != revision.pk and readers_saw_the_newest:
        _notify_text_waits(article, actor, revision)
    jobs.enqueue(kind="spot", subject_id=article.pk)  # claim-spotting suggestions (issue 14)

    waits = article.public_revision_id != revision.pk
    claims = article.claims.exclude(anchor_state=Claim.AnchorState.ORPHANED)
    if claims.count() > settings.FACTCHECK_INLINE_REANCHOR_MAX_CLAIMS:
        claims.update(anchor_state=Claim.AnchorState.REANCHORING)
        jobs.enqueue(kind="reanchor", subject_id=article.pk, arguments={"revision_id": revision.pk})
        return ReanchorReport(deferred=True, waits=waits)
    report = claims_reanchor(article=article, revision=revision, actor=actor)
    return dataclasses.replace(report, waits=waits)


# What `Claim.anchor_to` sets.
ANCHOR_FIELDS = (
    "revision", "exact", "prefix", "suffix", "start", "end", "anchor_state", "orphan_reason",
)  # fmt: skip


# What webhook receivers are told of a claim hidden because its re-anchoring was given up.
ABANDONED_REASON = (
    "Its place in the article's new text could not be worked out; readers do not see it "
    "until the newsroom checks it again."
)


@transaction.atomic
def claims_reanchor(*, article: Article, revision: ArticleRevision, actor) -> ReanchorReport:
    """Anchor the article's non-orphaned claims on `revision`, orphaning those that are lost.

    Only while `revision` is the article's latest, checked under the article's lock: a text
    saved since has its own re-anchoring, and its claims must not move back.
    """
    permissions.require_edit(
        actor, article.organization, "Your role does not allow editing articles."
    )
    if revision.article_id != article.pk:
        raise ValueError("The revision belongs to another article.")
    article = locked(Article.objects, "article", pk=article.pk)
    if article.revisions.filter(number__gt=revision.number).exists():
        return ReanchorReport()
    text = revision.text
    anchorer = anchoring.Anchorer(text)
    # Each claim is mapped through the diff from the revision it indexes, loaded once.
    indexed_texts: dict[int, str] = {}
    moved = unchanged = orphaned = sent_to_review = 0
    every_claim = list(
        article.claims.select_for_update(no_key=True).order_by(
            "pk"  # the order every writer locks claims in, so none deadlock
        )
    )
    claims = [c for c in every_claim if c.anchor_state != Claim.AnchorState.ORPHANED]
    orphans = [c for c in every_claim if c.anchor_state == Claim.AnchorState.ORPHANED]
    # The verdicts readers see move onto this text only once readers see it: a text waiting
    # for a second look leaves them where they are (`article_text_publish` moves them).
    shown = article.public_revision_id == revision.pk
    live = _live_versions(claims)
    # An orphaned claim is left alone, but a verdict readers still see on it (its working
    # copy was re-attached elsewhere, then lost) stands on its own words: they are checked.
    still_public = list(
        PublishedVersion.objects.select_for_update(no_key=True)
        .filter(
            claim__article=article,
            claim__anchor_state=Claim.AnchorState.ORPHANED,
            is_current=True,
            is_anchored=True,
        )
        .select_related("revision")
        if shown
        else []
    )
    for version in still_public:
        _reanchor_published(version, False, None, anchorer, revision)
    found_again = _restore_orphans(orphans, anchorer, revision, indexed_texts, actor)
    restored = len(found_again)
    public_of = {version.claim_id: version for version in still_public}
    for claim in found_again:
        if claim.pk in public_of:
            _published_as_readers_see_it(claim, public_of[claim.pk], actor, revision)
    for claim in claims:
        result = anchorer.resolve(claim.selectors, old_text=_indexed_text(claim, indexed_texts))
        changes: dict = {}
        if result.found:
            old_span, old_exact = [claim.start, claim.end], claim.exact
            claim.anchor_to(revision, *_working_copy_span(text, result, claim.exact))
            if old_span == [claim.start, claim.end] and old_exact == claim.exact:
                unchanged += 1
            else:
                moved += 1
                changes["position"] = [old_span, [claim.start, claim.end]]
            if old_exact != claim.exact:
                changes["exact"] = [old_exact, claim.exact]
        else:
            orphaned += 1
            # Keep the last selectors and revision so the claim can still be shown
            # against the text it was checked on.
            claim.anchor_state = Claim.AnchorState.ORPHANED
            claim.orphan_reason = result.reason
            changes["orphaned"] = result.reason
        # A published verdict on words that changed must be looked at again.
        if claim.status == Claim.Status.PUBLISHED and ("exact" in changes or "orphaned" in changes):
            claim.status = Claim.Status.IN_REVIEW
            changes["status"] = [Claim.Status.PUBLISHED, Claim.Status.IN_REVIEW]
            sent_to_review += 1
        if changes or claim.anchor_state != Claim.AnchorState.ANCHORED:
            claim.version = F("version") + 1
            claim.save()
        else:
            # Same words, same place: it only follows the new revision. Its updated_at stays,
            # so queues sorted by it do not reshuffle because someone edited other text.
            claim.save(update_fields=[*ANCHOR_FIELDS])
        if claim.pk in live and shown:
            _reanchor_published(*live[claim.pk], result, anchorer, revision)
        if changes:
            _event(claim, actor, "reanchored", {**changes, "revision": revision.number})
        if claim.pk in live and shown:
            _published_as_readers_see_it(claim, live[claim.pk][0], actor, revision)
        if "orphaned" in changes and claim.pk in live:
            notifications.claim_orphaned(claim, actor)
    return ReanchorReport(
        moved=moved,
        unchanged=unchanged,
        orphaned=orphaned,
        sent_to_review=sent_to_review,
        restored=restored,
    )


def _published_as_readers_see_it(claim: Claim, version, actor, revision) -> None:
    """Publish again, as it is, a claim that a text readers never saw sent to review, once
    its working copy is again exactly what readers see: its verdict never left their page.

    A text typed back word for word after a waiting one had changed a rated figure left the
    claim "In review" for a reviewer's click, though nothing had changed for anyone (trial
    G13). Only a claim whose last change of status was that re-anchoring comes back, and
    only while its verdict is on the page: one sent to review by a person, edited since, or
    hidden from readers meanwhile is left for a reviewer.
    """
    if claim.status != Claim.Status.IN_REVIEW or not version.is_anchored:
        return
    if version.kind != PublishedVersion.Kind.PUBLISHED:
        return
    last = claim.events.filter(changes__has_key="status").order_by("-id").first()
    if last is None or last.action != "reanchored":
        return
    claim.refresh_from_db()
    if versions.claim_snapshot(claim) != versions.version_snapshot(version):
        return
    claim.status = Claim.Status.PUBLISHED
    claim.version = F("version") + 1
    claim.save(update_fields=["status", "version", "updated_at"])
    _event(
        claim,
        actor,
        "reanchored",
        {
            "status": [Claim.Status.IN_REVIEW, Claim.Status.PUBLISHED],
            "restored": "the text readers see is back, and its verdict never left it",
            "revision": revision.number,
        },
    )


def _restore_orphans(orphans, anchorer, revision, indexed_texts, actor) -> list[Claim]:
    """Anchor again the orphans whose very words the new text has again; those claims.

    An edit undone (a figure changed and changed back) left its claims orphaned, with a
    reason naming a change the text no longer has. Only the same words bring one back: its
    verdict is about them. A published verdict hidden meanwhile stays hidden until a
    reviewer republishes the claim, with a note: readers saw it taken down.
    """
    restored = []
    for claim in orphans:
        # Orphans stay on an article for good: only those whose words the text has at all
        # are looked for, so that a save does not grow slower with every orphan it keeps.
        if not claim.exact or claim.exact not in revision.text:
            continue
        result = anchorer.resolve(claim.selectors, old_text=_indexed_text(claim, indexed_texts))
        if not result.found or revision.text[result.start : result.end] != claim.exact:
            continue
        reason = claim.orphan_reason
        claim.anchor_to(revision, result.start, result.end)
        claim.version = F("version") + 1
        claim.save()
        _event(claim, actor, "reanchored", {"restored": reason, "revision": revision.number})
        restored.append(claim)
    return restored


@dataclass(frozen=True)
class TextPreview:
    """What saving a new text would do to the article's claims; nothing is written.

    `moved` and `orphaned` list `{"id", "exact", "status", "to_review", ...}`: a moved
    claim also has `new_exact` (its words in the new text), `changed` (whether they
    differ) and `framed` (its words stay, but words beside its published verdict change);
    an orphan has the `reason` its words were not found.
    """

    identical: bool
    unchanged: int
    moved: list[dict]
    orphaned: list[dict]
    # Whether the new text would wait for a second look before readers see it (readers
    # keep the text and verdicts they see until then).
    waits: bool = False
    # The changes in or just before a paragraph holding a published verdict, as hunks
    # (`text_changes.Hunk`): the preview said "same words, new place" of a verdict the
    # new text framed with "It is false that" (trial G16).
    near_verdicts: list = field(default_factory=list)


def article_text_preview(*, article: Article, text: str, actor) -> TextPreview:
    """Re-anchor the article's claims on `text` as a dry run, for the editor to look first.

    The same engine as `claims_reanchor`, on the same claims (those not already orphaned);
    a published claim whose words change or vanish is marked `to_review`, as saving would
    send it back to review.
    """
    permissions.require_edit(
        actor, article.organization, "Your role does not allow editing articles."
    )
    new_text = canonical_text(text)
    if not new_text:
        raise ValidationError({"text": "The article has no text."})
    claims = list(
        article.claims.exclude(anchor_state=Claim.AnchorState.ORPHANED).order_by("start", "pk")
    )
    if new_text == article.text:
        return TextPreview(identical=True, unchanged=len(claims), moved=[], orphaned=[])
    anchorer = anchoring.Anchorer(new_text)
    indexed_texts: dict[int, str] = {}
    unchanged, moved, orphaned = 0, [], []
    for claim in claims:
        result = anchorer.resolve(claim.selectors, old_text=_indexed_text(claim, indexed_texts))
        published = claim.status == Claim.Status.PUBLISHED
        entry = {"id": claim.pk, "exact": claim.exact, "status": claim.status}
        if not result.found:
            orphaned.append({**entry, "reason": result.reason, "to_review": published})
            continue
        start, end = _working_copy_span(new_text, result, claim.exact)
        new_exact = new_text[start:end]
        if (start, end, new_exact) == (claim.start, claim.end, claim.exact):
            unchanged += 1
            continue
        changed = new_exact != claim.exact
        moved.append(
            {
                **entry,
                "new_exact": new_exact,
                "changed": changed,
                "start": start,
                "end": end,
                "to_review": published and changed,
                "framed": False,
            }
        )
    waits = text_waits_for_second_look(article) and _readers_revision(article, new_text) is None
    # From the text readers see, where the verdicts stand: while an earlier text waits it is
    # not the newest, and the newest holds none of them (review R19).
    # Its text (megabytes, perhaps) is read only when a verdict stands on it.
    spans_by_claim = (
        queries.verdict_spans_by_claim(article, article.public_revision_id)
        if article.public_revision_id
        else {}
    )
    near = []
    if spans_by_claim:
        readers_text = ArticleRevision.objects.values_list("text", flat=True).get(
            pk=article.public_revision_id
        )
        hunks = text_changes.text_changes(readers_text, new_text, list(spans_by_claim.values()))
        changes = [change for hunk in hunks for change in hunk.changes]  # diffed once
        near = [hunk for hunk in hunks if hunk.near_verdict]
        # A verdict whose own words stay but whose sentence gains "It is false that" is not
        # merely "the same words, in a new place" (trial G16).
        for entry in moved:
            span = spans_by_claim.get(entry["id"])
            entry["framed"] = bool(
                near
                and span
                and not entry["changed"]
                and text_changes.any_beside(readers_text, new_text, changes, [span])
            )
    return TextPreview(
        identical=False,
        unchanged=unchanged,
        moved=moved,
        orphaned=orphaned,
        waits=waits,
        near_verdicts=near,
    )


def _working_copy_span(text: str, result: anchoring.Anchoring, exact: str) -> tuple[int, int]:
    """Where a claim's working copy goes in the new text: where its selectors were found,
    widened to whole words when its words changed (the preview and the save agree)."""
    if text[result.start : result.end] == exact:
        return result.start, result.end
    return anchoring.widened_to_words(text, result.start, result.end)


def _indexed_text(claim: Claim, texts: dict[int, str]) -> str:
    """The text of the revision the claim's selectors index, read once per revision."""
    if claim.revision_id not in texts:
        texts[claim.revision_id] = ArticleRevision.objects.values_list("text", flat=True).get(
            pk=claim.revision_id
        )
    return texts[claim.revision_id]


def _live_versions(claims: list[Claim]) -> dict[int, tuple[PublishedVersion, bool]]:
    """Each claim's visible published version, and whether it points where the claim does."""
    found = PublishedVersion.objects.select_for_update(no_key=True).filter(
        claim__in=claims, is_current=True, is_anchored=True
    )
    by_claim = {claim.pk: claim for claim in claims}
    live = {}
    for version in found:
        claim = by_claim[version.claim_id]
        same = (version.revision_id, version.start, version.end, version.exact) == (
            claim.revision_id,
            claim.start,
            claim.end,
            claim.exact,
        )
        live[claim.pk] = (version, same)
    return live


def _reanchor_published(
    version: PublishedVersion,
    follows_claim: bool,
    result: anchoring.Anchoring | None,
    anchorer: anchoring.Anchorer,
    revision: ArticleRevision,
) -> None:
    """Keep a published version on its words, or hide it when they changed or were lost.

    Moved words are position metadata: the version's selectors follow them in place,
    without review. Changed or lost words hide it from readers until it is republished.
    """
    if not follows_claim:
        # The working copy was re-attached elsewhere since publication: the published
        # version's own words are looked up.
        result = anchorer.resolve(version.selectors, old_text=version.revision.text)
    start, end = (result.start, result.end) if result.found else (None, None)
    if version.kind == PublishedVersion.Kind.RETRACTED and (
        start is None or revision.text[start:end] != version.exact
    ):
        # A retraction stays on the public record whatever happens to the text: readers
        # who saw the verdict must find it withdrawn. It is listed, no longer highlighted.
        return
    if start is None or revision.text[start:end] != version.exact:
        version.is_anchored = False
        version.save(update_fields=["is_anchored", "changed_at"])
        # Readers lost the verdict: whoever mirrors it by webhook must take it down too.
        webhook_events.orphaned(
            version,
            reason=f"Not found in the article's new text: {result.reason}."
            if start is None
            else "The claim's words changed in the article's new text.",
        )
        return
    quote, position = anchoring.describe(revision.text, start, end)
    before = (version.prefix, version.suffix, version.start, version.end)
    version.revision = revision
    version.prefix, version.suffix = quote["prefix"], quote["suffix"]
    version.start, version.end = position["start"], position["end"]
    fields = ["revision", "prefix", "suffix", "start", "end"]
    if before != (version.prefix, version.suffix, version.start, version.end):
        fields.append("changed_at")  # the public selectors moved: syncing readers refetch
    version.save(update_fields=fields)


@transaction.atomic
def claims_reanchor_abandon(
    *, article: Article, actor, reason: str, revision_id: int | None = None
) -> int:
    """Orphan the claims a re-anchoring job gave up on, so editors see them and re-attach.

    Their place in the new text is unknown, so their published verdicts are hidden from
    readers like any orphan's (a retraction stays listed), and go back to review. A job for
    `revision_id` older than the latest revision gives up nothing: the later edit
    re-anchors the same claims, inline or by its own job.
    """
    permissions.require_edit(actor, article.organization)
    # The article's lock orders this after an edit making a newer revision, or before it.
    row = Article.objects.select_for_update(no_key=True).filter(pk=article.pk).first()
    if revision_id is not None:
        job_revision = article.revisions.filter(pk=revision_id).values_list("number", flat=True)
        if article.revisions.filter(number__gt=Subquery(job_revision[:1])).exists():
            return 0
    waiting = list(
        article.claims.filter(anchor_state=Claim.AnchorState.REANCHORING)
        .select_for_update(no_key=True)
        .order_by("pk")
    )
    why = f"re-anchoring did not finish: {reason}"[:300]
    for claim in waiting:
        changes = {"orphaned": why}
        claim.anchor_state = Claim.AnchorState.ORPHANED
        claim.orphan_reason = why
        if claim.status == Claim.Status.PUBLISHED:
            claim.status = Claim.Status.IN_REVIEW
            changes["status"] = [Claim.Status.PUBLISHED, Claim.Status.IN_REVIEW]
        claim.version = F("version") + 1
        claim.save()
        _event(claim, actor, "reanchored", changes)
    # A retraction stays on the public record whatever happens to the text (as in
    # `_reanchor_published`): only verdicts are hidden. While the new text waits for a
    # second look, readers see the verdicts on the text they were placed on: they stay.
    newest = article.revisions.order_by("-number").values_list("pk", flat=True).first()
    if row is None or row.public_revision_id != newest:
        return len(waiting)
    verdicts = PublishedVersion.objects.filter(
        claim__in=waiting, is_current=True, kind=PublishedVersion.Kind.PUBLISHED
    )
    shown = list(verdicts.filter(is_anchored=True))
    verdicts.update(is_anchored=False, changed_at=timezone.now())
    for version in shown:
        # Not `why`: a job's failure can name internal hosts, and receivers are outside.
        webhook_events.orphaned(version, reason=ABANDONED_REASON)
    return len(waiting)


@transaction.atomic
def article_text_publish(*, article: Article, actor, revision: int) -> ArticleRevision:
    """Show readers the article's newest text, which waited for a second look.

    The verdicts readers see move onto it, or are hidden where the words they rate changed,
    as they would have at once without the wait. `revision` is the number of the newest
    revision the caller looked at: a text saved since raises StaleText. Under the
    newsroom's two-person rule nobody shows readers a text they changed themselves.
    """
    permissions.require_edit(actor, article.organization, "Your role does not allow this.")
    # The article's row alone: its newsroom's is taken first by those who take it at all.
    article = locked(
        Article.objects.select_related("organization"), "article", of=("self",), pk=article.pk
    )
    latest = article.revisions.select_related("created_by").order_by("-number").first()
    if latest is None:
        raise ValidationError("This article has no text yet.")
    if not 1 <= revision <= latest.number:
        raise ValidationError(
            f"This text has no such revision: the newest is revision {latest.number}."
        )
    if latest.number != revision:
        raise StaleText(latest, revision, actor=actor, looked=True)
    if article.public_revision_id == latest.pk:
        return latest  # shown already: a second click, or another reviewer's at once
    if text_is_own_change(actor, article.organization, latest):
        raise PermissionDenied(
            "The latest change to this text is yours, and the newsroom requires a second "
            "person: another member shows it to readers."
        )
    if not text_may_be_shown_by(actor, article.organization, latest):
        raise PermissionDenied(
            "An editor changed this text: a reviewer or an admin shows it to readers, as the "
            "published verdicts stand on its words."
        )
    # Locked in the order every writer takes them: the article, its claims, their versions.
    list(Claim.objects.select_for_update(no_key=True).filter(article=article).order_by("pk"))
    shown = (
        PublishedVersion.objects.select_for_update(no_key=True)
        .filter(claim__article=article, is_current=True)
        # Each revision's text once, shared by the versions on it (not once per version).
        .prefetch_related("revision")
        .order_by("claim_id")
    )
    anchorer = anchoring.Anchorer(latest.text)
    for version in shown:
        # A verdict hidden already stays hidden until it is republished.
        if version.is_anchored or version.kind == PublishedVersion.Kind.RETRACTED:
            _reanchor_published(version, False, None, anchorer, latest)
    article.public_revision = latest
    # Not the versions' changed_at: a syncing consumer would get every unchanged one again.
    article.public_revision_shown_at = timezone.now()
    article.save(update_fields=["public_revision", "public_revision_shown_at"])
    return latest


def text_is_own_change(actor, organization: Organization, newest: ArticleRevision) -> bool:
    """Whether `newest`, the text waiting, is `actor`'s own change, which the two-person rule
    keeps them from showing. As for a claim, only the latest change's author is barred:
    whoever made an earlier revision saw none of it, the one who made the newest saw all."""
    return (
        organization.requires_two_person_review
        and not permissions.is_system(actor)
        and newest.created_by_id == permissions.as_user(actor).pk
    )


def text_may_be_shown_by(actor, organization: Organization, newest: ArticleRevision) -> bool:
    """Whether `actor`'s role lets them show readers `newest`: a reviewer or admin may; an
    editor only a text a reviewer or admin wrote (the one reviewer of a small desk has
    their text looked at by an editor). Two editors put new words around a published
    verdict ("It is false that …") before readers with no reviewer (trial G19)."""
    if permissions.can_publish(actor, organization):
        return True
    author = newest.created_by
    return author is not None and permissions.can_publish(author, organization)


def _notify_text_waits(article: Article, actor, revision: ArticleRevision) -> None:
    """Tell the newsroom's reviewers that a new text waits for them before readers see it."""
    notifications.notify(
        recipients=notifications.publishers_of(article.organization),
        kind="text_waiting",
        actor=actor,
        article=article,
        message=f"{_name(actor)} changed the text of “{_short(article.title)}” (revision "
        f"{revision.number}): readers keep the text they saw until someone else shows them "
        "the new one.",
    )


ARTICLE_DETAIL_FIELDS = Article.DETAIL_FIELDS


class StaleDetails(Exception):
    """The article's details changed since the caller read them (its If-Match is stale)."""

    def __init__(self, article: Article):
        self.article = article
        super().__init__(
            "Someone changed this article's details since you read them: nothing was saved. "
            "The details as they are now are under `current`; apply your change to them."
        )


@transaction.atomic
def article_update_details(
    *, article: Article, actor, expected_tag: str | None = None, **fields
) -> Article:
    """Change an article's title and metadata; its text changes only through revisions.

    With `expected_tag` (an `Article.details_tag` the caller read), StaleDetails if the
    details changed since.
    """
    unknown = set(fields) - set(ARTICLE_DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    permissions.require_edit(
        actor, article.organization, "Your role does not allow editing articles."
    )
    if "title" in fields or not article.slug:
        # A new title may make a new slug, for which the newsroom is locked: first, as every
        # writer takes it before the article (`fill_public_addresses`).
        Organization.objects.select_for_update(no_key=True).filter(
            pk=article.organization_id
        ).first()
    article = locked(Article.objects, "article", pk=article.pk)
    if expected_tag is not None and expected_tag != article.details_tag:
        raise StaleDetails(article)
    changes = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = one_line(value) if name in ONE_LINE_DETAILS else value.strip()
        if getattr(article, name) != value:
            changes[name] = [_as_history_value(getattr(article, name)), _as_history_value(value)]
        setattr(article, name, value)
    if "title" in changes and not PublishedVersion.objects.filter(claim__article=article).exists():
        # The reader page's address is made from the title, and was made from the first one
        # (a working title, an uploaded file's name). Until a fact-check on it is published
        # nobody outside has it, so it follows the title; from then on it is a permalink.
        article.slug = ""
    fill_public_addresses(article)
    article.full_clean()
    article.save()
    public = {
        name: change
        for name, change in changes.items()
        # A title retyped with an ordinary space where a no-break space was reads the same
        # to everyone: it is saved, but reopening every published claim for it would make a
        # reviewer approve "changed from X to X".
        if name in PUBLISHED_DETAIL_FIELDS and not versions.details_read_the_same(*change)
    }
    if public:
        _reopen_published_claims(article, actor, public)
    if "language" in changes:
        # Read live by every public output (the text is): their copies must be refreshed.
        public_versions_touch(claim__article=article)
    return article


# What a published version freezes of its article (`versions.ARTICLE_FIELDS`); the language
# is read live, as the text is.
# The details written on one line (`one_line`): shown in titles, subjects and bylines.
ONE_LINE_DETAILS = ("title", "byline", "publisher")
PUBLISHED_DETAIL_FIELDS = ("title", "byline", "publisher", "canonical_url", "published_on")


def _reopen_published_claims(article: Article, actor, changes: dict) -> None:
    """Readers keep the article's details as each fact-check was published; a change to them
    reopens each published claim as a draft of a correction, for review, as an edit of the
    claim itself would (a new original address moves where the embed shows its verdict).

    Every claim that was ever published records it, reopened already or not: its history
    tells the change, and the two-person rule counts it against whoever made it.
    """
    # Every claim of the article is locked before any is judged published: a first
    # publication on its way holds its claim's lock, and is waited for and then reopened
    # too, rather than passed over as never published and left frozen with the old details.
    claims = list(
        Claim.objects.select_for_update(no_key=True).filter(article=article).order_by("pk")
    )
    shown = set(
        PublishedVersion.objects.filter(claim__article=article, is_current=True).values_list(
            "claim_id", flat=True
        )
    )
    for claim in claims:
        if claim.pk in shown:
            _record_change(claim, actor, "article details changed", dict(changes), public=True)


@dataclass
class DetailsRepublished:
    """What `article_details_republish` did: the claims republished, and those left with why."""

    published: list[Claim]
    left: list[tuple[Claim, str]]
    # The details were put back: the claims were published again unchanged, with no note.
    as_they_were: bool = False


@transaction.atomic
def article_details_check(*, article: Article, actor, expected_tag: str) -> list[Claim]:
    """Record that `actor` read the article's changed details and found them right, on each
    claim the change reopened that waits for it: the second look of the two-person rule.

    In a newsroom with one reviewer, a change of the details that reviewer made could not
    be republished (nobody else may publish), and while it waits nothing else on the article
    may be published (`article_details_hold`). An editor's check lets the reviewer republish
    it, as an editor's later change of a claim does. `expected_tag` is the `details_tag`
    the member read: details changed since were not seen (StaleDetails). A claim whose
    latest change is the actor's own is not theirs to check; if none is left, ValidationError.
    """
    organization = article.organization
    permissions.require_edit(actor, organization, "Your role does not allow checking articles.")
    if not organization.requires_two_person_review:
        raise ValidationError(
            "This newsroom does not require a second person: a reviewer republishes the "
            "fact-checks the change reopened."
        )
    # The article's row first, as a change of its details takes it: the details checked are
    # those read, and no change lands between the reading and the check.
    article = locked(Article.objects, "article", pk=article.pk)
    if expected_tag != article.details_tag:
        raise StaleDetails(article)
    # Each claim is locked before it is weighed: a change to one made meanwhile is either
    # before the check (then it is no longer reopened by the details alone) or after it.
    claim_ids = list(
        article.claims.filter(events__action="article details changed")
        .values_list("pk", flat=True)
        .distinct()
    )
    list(Claim.objects.select_for_update(no_key=True).filter(pk__in=claim_ids).order_by("pk"))
    reopened = queries.article_details_reopened(article)
    user = permissions.as_user(actor)
    candidates = [*reopened.waiting, *details_checkable_changed(reopened, user)]
    if reopened.put_back or not candidates:
        raise ValidationError(
            "No fact-check waits for a second look at the article's details: "
            + (
                "they are back as readers saw them."
                if reopened.put_back
                else "the change reopened none, or each changed otherwise too."
            )
        )
    checked = []
    for claim in candidates:
        latest = latest_second_person_event(claim)
        if latest is None or latest.actor_id == user.pk or latest.action == DETAILS_CHECKED:
            continue
        if any(
            event.actor_id == user.pk and event.action == "article details changed"
            for event in second_person_events(claim)
        ):
            continue  # their own change of the details: not theirs to check
        _event(claim, actor, DETAILS_CHECKED, {"details": _details_now(article)})
        checked.append(claim)
    if not checked:
        raise ValidationError(
            "There is nothing here for you to check: the latest change to each fact-check is "
            "yours, or someone has checked it already. Another member checks your change."
        )
    return checked


def details_checkable_changed(reopened, user) -> list[Claim]:
    """Of the claims a change of the details reopened that changed otherwise too, those whose
    other changes since they were published are all `user`'s: checking the details, they have
    seen the whole claim. One with someone else's change as well is not theirs to vouch for
    (the details' author would publish their own rewrite unseen)."""
    covered = []
    for claim, _parts in reopened.changed:
        others = [e for e in second_person_events(claim) if e.action not in DETAILS_ACTIONS]
        # At least one change of the checker's own: a difference no weighed change explains
        # (the quote moved with a text edit) is not theirs to have seen.
        if others and all(event.actor_id == user.pk for event in others):
            covered.append(claim)
    return covered


def _details_now(article: Article) -> dict:
    """The published details as checked, for the history."""
    return {name: _as_history_value(getattr(article, name)) for name in PUBLISHED_DETAIL_FIELDS}


def article_details_republish(*, article: Article, actor, note: str = "") -> DetailsRepublished:
    """Republish, with one public note, every claim a change of the article's details alone
    reopened (`queries.article_details_reopened`): a title or address corrected needs no
    review claim by claim.

    Each goes through the workflow as the reviewer would take it (in review, then
    published), under the same rules; one whose details were put back is published again
    as it was. One the rules refuse (the two-person rule: a claim the reviewer created, or
    details the reviewer changed) is left as it was, with the reason, and so is one that
    changed in more than the details since.
    """
    permissions.require_publish(actor, article.organization, "Only a reviewer can republish.")
    reopened = queries.article_details_reopened(article)
    # Details put back as readers saw them: publishing again tells readers nothing, so
    # nothing is asked for them.
    back = reopened.put_back
    note = "" if back else " ".join(note.split())
    if not back and not is_visible(note):
        raise ValidationError({"note": "Say what changed, for readers: a public correction note."})
    require_no_direction_override(note, field="note")
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": f"The note is {len(note):,} characters; the limit is {NOTE_MAX:,}."}
        )
    report = DetailsRepublished(published=[], left=[], as_they_were=back)
    for claim in reopened.waiting:
        try:
            with transaction.atomic():
                # Each step names the version read above: a claim someone changed in the
                # meantime (its rating, say) is no longer one the details alone reopened,
                # and publishing it here would publish that change unreviewed.
                # Through review on the way, which asks nobody for one: every reviewer was
                # told "review requested" for each claim, and by email. Published again as
                # it was, nothing changed for anyone to be told of either.
                if claim.status == Claim.Status.DRAFT:
                    claim = claim_transition(
                        claim=claim, actor=actor, to_status=Claim.Status.IN_REVIEW,
                        expected_version=claim.version, notify=False,
                    )  # fmt: skip
                claim = claim_transition(
                    claim=claim, actor=actor, to_status=Claim.Status.PUBLISHED, note=note,
                    expected_version=claim.version, carrying_article_details=True,
                    notify=not back,
                )  # fmt: skip
        except StaleVersion as stale:
            report.left.append(
                (stale.claim, f"{stale.changed_by} changed it while it was being republished: "
                 "review and publish it from its card.")
            )  # fmt: skip
        except (PermissionDenied, ValidationError) as refused:
            reason = " ".join(getattr(refused, "messages", None) or [str(refused)])
            report.left.append((claim, reason))
        else:
            report.published.append(claim)
    # Reopened by the details but changed otherwise too: not republished unseen, and said.
    for claim, parts in reopened.changed:
        changed = ", ".join(parts)
        report.left.append(
            (claim, f"It changed in more than the article's details ({changed}): "
             "review and publish it from its card.")
        )  # fmt: skip
    return report
