"""Draft claims made, changed and deleted from W3C Web Annotations (the annotation protocol).

A Web Annotation posted to an article's container becomes a draft claim through the claim
services: its TextQuoteSelector anchors it, its bodies fill the verdict, the wording, the
conclusion, the tags and the sources. Only drafts that were never published change here;
a published claim changes only through the newsroom's workflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse

from annotations import permissions, urlnorm
from annotations.models import Article, Claim, ClaimEvent, Organization, PublishedVersion, Rating
from annotations.rows import locked
from annotations.services.claims import (
    StaleVersion,
    _event,
    claim_create,
    claim_delete,
    claim_reattach,
    claim_update,
)
from annotations.services.sources import source_add, source_remove

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# The history entry that keeps a client's own identifiers for the annotation it posted.
RECEIVED = "web annotation received"
_WEB = URLValidator(schemes=["http", "https"])
# Identifiers a client gives (its own id, `via`, `canonical`) are shown to anyone, so only
# web addresses and URNs: never javascript:, data: and the like.
_IRI = re.compile(r"^(?:https?://[^\s/]+\S*|urn:[a-z0-9][a-z0-9-]{0,31}:\S+)$", re.IGNORECASE)
# Each cited source is fetched and archived: one annotation may not queue hundreds of fetches.
MAX_SOURCES = 50
# The furthest code point a TextPositionSelector may name: what the database stores an
# offset in (far beyond any article's length; a nonsense 10**30 is refused, not ignored).
MAX_POSITION = 2**31 - 1


class NotAnAnnotation(Exception):
    """The body is not a Web Annotation in the anno.jsonld context (the protocol's 415)."""


class CanonicalTaken(ValidationError):
    """Another annotation of the newsroom was received with this `canonical`: nothing changed."""

    slug = "canonical-taken"

    def __init__(self, claim: Claim, canonical: str):
        self.claim = claim
        super().__init__(
            f"Annotation {claim.pk} was received with the canonical {canonical} already: "
            "a canonical IRI names one annotation. Send changes to that one, or another IRI."
        )


class IdReceived(CanonicalTaken):
    """An annotation of the newsroom was received with this client `id` already: the same
    annotation posted again (a retry after a timeout). Nothing was made."""

    slug = "already-received"

    def __init__(self, claim: Claim, client_id: str):
        self.claim = claim
        ValidationError.__init__(
            self,
            f"Annotation {claim.pk} was received with the id {client_id} already: this "
            "annotation was posted before. Send changes to that one (PUT), or post with "
            "another id.",
        )


@dataclass
class Parsed:
    """What a Web Annotation says, in the claim's terms."""

    selectors: list[dict]
    # The page the quoting target names (its `source`), if it names one.
    target_source: str = ""
    # The pages any other target names (a bare IRI beside the quoting target).
    other_sources: list[str] = field(default_factory=list)
    client_id: str = ""
    via: str = ""
    canonical: str = ""
    claim_reviewed: str = ""
    rating_label: str | None = None
    conclusion: str = ""
    tags: list[str] = field(default_factory=list)
    source_urls: list[str] = field(default_factory=list)


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _context_names(context) -> list[str]:
    return [item for item in _as_list(context) if isinstance(item, str)]


def _is_web_url(value) -> bool:
    try:
        _WEB(value)
    except ValidationError:
        return False
    return True


def _refuse_nul(data) -> None:
    """ValidationError if any key or text in the decoded JSON holds a NUL character, which
    PostgreSQL cannot store in text."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValidationError("The annotation contains a NUL character (\\u0000).")
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


# Said of a body that is no Web Annotation body at all (a number, null, a list, a word).
NOT_A_BODY = "A body is an object (a TextualBody or a resource) or an IRI."
# Any IRI a body may be: kept as a source when it is a web address, else valid but not kept.
_ANY_IRI = re.compile(r"^[a-z][a-z0-9+.-]*:\S+$", re.IGNORECASE)


# The W3C motivations (Web Annotation Vocabulary 3.3.5), the only purposes a body may have.
MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
    "highlighting", "identifying", "linking", "moderating", "questioning", "replying",
    "tagging",
}  # fmt: skip


def _refuse_more_than_one_passage(target) -> None:
    """A claim is one passage: a second target with selectors, or a second quote in one
    target, would be dropped unread."""
    passages = [item for item in _as_list(target) if isinstance(item, dict) and _selectors_of(item)]
    if len(passages) > 1:
        raise ValidationError(
            {
                "target": f"A claim is one passage, and this annotation selects {len(passages)}: "
                "post one annotation for each."
            }
        )
    for item in passages:
        quotes = [s for s in _selectors_of(item) if s.get("type") == "TextQuoteSelector"]
        if len(quotes) > 1:
            raise ValidationError(
                {"target": "A claim is one passage: give its target one TextQuoteSelector."}
            )
    for item in _as_list(target):
        source = item.get("source") if isinstance(item, dict) else item
        if source is not None and not isinstance(source, str | dict):
            raise ValidationError({"target": "A target's source is an IRI."})


def _refuse_bodies_a_claim_cannot_hold(data: dict) -> None:
    """A 400 for what would otherwise be dropped or chosen between without a word: a null
    body, a body that is none (a number, a word), a TextualBody whose value is no text, a
    purpose outside the W3C motivations, two verdicts or two wordings, a Choice of no
    bodies, an http address that is none."""
    if "body" in data and data["body"] is None:
        raise ValidationError({"body": f"{NOT_A_BODY} Leave it out for none."})
    if "body" in data and "bodyValue" in data:
        # The data model's MUST NOT (3.2.5): both were kept, run together in the conclusion.
        raise ValidationError(
            {"bodyValue": "An annotation has a body or a bodyValue, not both: put the text in "
             "a TextualBody beside the other bodies."}
        )  # fmt: skip
    motivation = data.get("motivation")
    if motivation is not None and not all(isinstance(m, str) for m in _as_list(motivation)):
        raise ValidationError({"motivation": "A motivation is a name, such as assessing."})
    # A W3C motivation, or a community's own as an IRI (the vocabulary's way to add one); a
    # misspelt one ("asessing") was stored as assessing without a word, as a body's purpose
    # is refused.
    for named in _as_list(motivation):
        if named not in MOTIVATIONS and not _ANY_IRI.match(named):
            raise ValidationError(
                {"motivation": f"{named[:40]!r} is no W3C motivation, nor an IRI naming one."}
            )
    said: dict[str, int] = {}
    listed = isinstance(data.get("body"), list)
    for number, body in enumerate(_as_list(data.get("body"))):
        where = f"body[{number}]" if listed else "body"
        if isinstance(body, str):
            if body.lower().startswith(("http:", "https:")) and not _is_web_url(body):
                raise ValidationError({"body": f"{body[:80]!r} is no web address."})
            if not _is_web_url(body) and not _ANY_IRI.match(body):
                raise ValidationError({where: f"{NOT_A_BODY} {body[:80]!r} is neither."})
            continue
        if not isinstance(body, dict):
            raise ValidationError({where: NOT_A_BODY})
        kinds = _as_list(body.get("type"))
        if not ({"type", "id", "value", "source"} & set(body)):
            raise ValidationError({"body": f"{NOT_A_BODY} This one has no type, id or value."})
        if "TextualBody" in kinds and not isinstance(body.get("value"), str):
            raise ValidationError({"body": "A TextualBody's value is text."})
        if "Choice" in kinds:
            items = body.get("items")
            if not isinstance(items, list) or not all(isinstance(i, dict | str) for i in items):
                raise ValidationError({"body": "A Choice's items are a list of bodies."})
        for purpose in _as_list(body.get("purpose")):
            if purpose not in MOTIVATIONS:
                raise ValidationError(
                    {"body": f"{str(purpose)[:40]!r} is no W3C motivation for a body's purpose."}
                )
            if purpose in ("assessing", "identifying"):
                said[purpose] = said.get(purpose, 0) + 1
    for purpose, word in (("assessing", "rating"), ("identifying", "wording")):
        if said.get(purpose, 0) > 1:
            raise ValidationError(
                {"body": f"A claim has one {word}: give one body whose purpose is {purpose}."}
            )


def _quoting_target(target) -> dict | None:
    """The first target that quotes the text (has a TextQuoteSelector with an `exact`)."""
    for item in _as_list(target):
        if not isinstance(item, dict):
            continue
        quote = next((s for s in _selectors_of(item) if s.get("type") == "TextQuoteSelector"), None)
        if quote is not None and isinstance(quote.get("exact"), str) and quote["exact"]:
            return item
    return None


def _page_named(target) -> str:
    """The page a target names: a bare IRI, a resource's `source`, else its own `id`."""
    if isinstance(target, str):
        return target.strip()
    if not isinstance(target, dict):
        return ""
    own = target.get("id")
    return _target_source(target) or (own.strip() if isinstance(own, str) else "")


def _target_source(target: dict | None) -> str:
    """The `source` the quoting target names: an IRI, or a resource object's `id`."""
    source = (target or {}).get("source")
    if isinstance(source, dict):
        source = source.get("id")
    return source.strip() if isinstance(source, str) else ""


def names_article(article: Article, source: str) -> bool:
    """Whether `source` is an address of `article`: its original URL, an address it was
    imported from or published under, or its page on this site (any host: a client may
    know the site by another name). Other IRIs (urn:) cannot be checked and pass."""
    if not source or not _is_web_url(source):
        return True
    key = urlnorm.url_key(source)
    known = {article.url_key, urlnorm.url_key(article.canonical_url)}
    known.update(
        PublishedVersion.objects.filter(claim__article=article).values_list(
            "article_url_key", flat=True
        )
    )
    for source_url, final_url in article.imports.values_list("source_url", "final_url"):
        known.update((urlnorm.url_key(source_url), urlnorm.url_key(final_url)))
    if key in known - {""}:
        return True
    own_pages = {
        reverse("v1:api-article-detail", args=[article.pk]),
        reverse("v1:public-article-detail", args=[article.pk]),
    }
    if article.slug:
        own_pages.add(reverse("reader-article", args=[article.organization.slug, article.slug]))
    return urlsplit(source).path in own_pages


def _require_target_on(article: Article, parsed: Parsed) -> None:
    """Refuse an annotation whose target names another page than the container's article:
    its quote would otherwise be looked for, and perhaps found, in the wrong text. So is a
    TextPositionSelector past the end of the article's text."""
    length = len(article.text)
    for selector in parsed.selectors:
        if selector["type"] == "TextPositionSelector" and selector["end"] > length:
            raise ValidationError(
                {
                    "target": f"The TextPositionSelector ends at {selector['end']}, past the "
                    f"end of this article's text ({length:,} characters)."
                }
            )
    for source in parsed.other_sources:
        if not names_article(article, source):
            raise ValidationError(
                {
                    "target": f"A target names {source[:200]}, which is not this container's "
                    "article: a claim is on one article."
                }
            )
    if not names_article(article, parsed.target_source):
        shown = article.canonical_url or article.title
        raise ValidationError(
            {
                "target": f"The target's source, {parsed.target_source}, is not this "
                f"container's article ({shown}): post the annotation to the container of "
                "the article it quotes."
            }
        )


def _selectors_of(item: dict) -> list[dict]:
    return [s for s in _as_list(item.get("selector")) if isinstance(s, dict)]


def _text_selectors(item: dict) -> list[dict]:
    """The TextQuote (and TextPosition) selectors of a quoting target (`_quoting_target`)."""
    selectors = _selectors_of(item)
    quote = next(s for s in selectors if s.get("type") == "TextQuoteSelector")
    found = [
        {
            "type": "TextQuoteSelector",
            "exact": quote["exact"],
            "prefix": quote.get("prefix") if isinstance(quote.get("prefix"), str) else "",
            "suffix": quote.get("suffix") if isinstance(quote.get("suffix"), str) else "",
        }
    ]
    position = next((s for s in selectors if s.get("type") == "TextPositionSelector"), None)
    if position is not None:
        start, end = position.get("start"), position.get("end")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool):
            raise ValidationError(
                {"target": "A TextPositionSelector's start and end must be integers."}
            )
        # A hint beside the quote (which wins when the text moved on), but never a nonsense one.
        if not 0 <= start <= end <= MAX_POSITION:
            raise ValidationError(
                {
                    "target": "A TextPositionSelector's start and end are code points into the "
                    f"text: 0 ≤ start ≤ end ≤ {MAX_POSITION:,} (this has {start} and {end})."
                }
            )
        found.append({"type": "TextPositionSelector", "start": start, "end": end})
    return found


def _body_text(body: dict) -> str:
    value = body.get("value")
    return value.strip() if isinstance(value, str) else ""


def parse(data) -> Parsed:
    """Read a Web Annotation (a decoded JSON-LD object) as a draft claim's fields.

    Raises NotAnAnnotation when it is not one (no anno.jsonld context, not of type
    Annotation) and ValidationError when it cannot be a claim (no TextQuoteSelector, more
    than one passage, a position out of range, a body that is none).

    Bodies: a TextualBody with purpose `assessing` names the rating, `identifying` gives
    the claim's wording, `tagging` a tag, any other (or `bodyValue`) adds to the
    conclusion; a resource with an http(s) address (an IRI, a SpecificResource's `source`,
    or an object's `id`) is a cited source. Other valid bodies (choices, non-web IRIs) are
    not kept, as the annotation answered shows; what is no body at all (a number, null, a
    word) is refused rather than dropped.
    """
    if not isinstance(data, dict):
        # Not even an object (a list, a number): a malformed request, not another media type.
        raise ValidationError("The body must be one Web Annotation: a JSON object.")
    if ANNO_CONTEXT not in _context_names(data.get("@context")):
        raise NotAnAnnotation(f"A Web Annotation's @context must include {ANNO_CONTEXT}.")
    if "Annotation" not in _as_list(data.get("type")):
        raise NotAnAnnotation('A Web Annotation has "type": "Annotation".')
    _refuse_nul(data)
    _refuse_more_than_one_passage(data.get("target"))
    _refuse_bodies_a_claim_cannot_hold(data)
    target = _quoting_target(data.get("target"))
    if target is None:
        raise ValidationError(
            {
                "target": "Annotate the article's text: give a target with a TextQuoteSelector "
                "whose `exact` is the passage (with `prefix` and `suffix` if it occurs twice)."
            }
        )
    parsed = Parsed(selectors=_text_selectors(target), target_source=_target_source(target))
    parsed.other_sources = [
        source for item in _as_list(data.get("target")) if item is not target
        if (source := _page_named(item))
    ]  # fmt: skip
    if isinstance(data.get("id"), str) and _IRI.match(data["id"]):
        parsed.client_id = data["id"]
    for name in ("via", "canonical"):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not _IRI.match(value):
            raise ValidationError({name: "An http(s) address or a urn: IRI."})
        setattr(parsed, name, value)
    longest = Claim._meta.get_field("annotation_via").max_length
    for name, value in (
        ("id", parsed.client_id),
        ("via", parsed.via),
        ("canonical", parsed.canonical),
    ):
        if len(value) > longest:
            raise ValidationError({name: f"At most {longest} characters."})
    conclusion = []
    if isinstance(data.get("bodyValue"), str) and data["bodyValue"].strip():
        conclusion.append(data["bodyValue"].strip())
    # Every body is a web address, another IRI or an object: the others were refused above.
    for body in _as_list(data.get("body")):
        if isinstance(body, str):
            if _is_web_url(body):
                parsed.source_urls.append(body)
            continue
        kinds = _as_list(body.get("type"))
        purpose = _as_list(body.get("purpose"))
        if "TextualBody" in kinds or ("value" in body and "source" not in body):
            text = _body_text(body)
            if not text:
                continue
            if "assessing" in purpose:
                parsed.rating_label = text
            elif "identifying" in purpose:
                parsed.claim_reviewed = text
            elif "tagging" in purpose:
                parsed.tags.append(text)
            else:
                conclusion.append(text)
            continue
        address = body.get("source") if "SpecificResource" in kinds else body.get("id")
        if isinstance(address, dict):
            address = address.get("id")
        if isinstance(address, str) and _is_web_url(address):
            parsed.source_urls.append(address)
    parsed.conclusion = "\n\n".join(conclusion)
    parsed.tags = list(dict.fromkeys(parsed.tags))
    parsed.source_urls = list(dict.fromkeys(parsed.source_urls))
    if len(parsed.source_urls) > MAX_SOURCES:
        raise ValidationError({"body": f"Cite at most {MAX_SOURCES} sources in one annotation."})
    return parsed


def _rating(article: Article, label: str | None, current: Rating | None = None) -> Rating | None:
    if label is None:
        return None
    if current is not None and current.label.casefold() == label.casefold():
        return current  # a draft keeps its verdict even if the scale hides it now
    offered = Rating.objects.filter(
        scale__organization_id=article.organization_id, is_hidden=False
    ).order_by("-scale__is_default", "position")
    rating = offered.filter(label__iexact=label).first()
    if rating is None:
        labels = ", ".join(dict.fromkeys(offered.values_list("label", flat=True)))
        raise ValidationError(
            {
                "body": f"No rating is called {label!r} on this newsroom's scale; "
                f"use one of: {labels}."
            }
        )
    return rating


def _refuse_taken_canonical(organization_id: int, canonical: str, *, claim_id=None) -> None:
    """CanonicalTaken if another claim of the newsroom was received with `canonical`.

    Only the newsroom's own claims are looked at: another newsroom's would be a secret told.
    The newsroom's row is locked first, so two posts of one canonical at once (a client
    sending again) make one claim: the second waits, then finds the first.
    """
    if not canonical:
        return
    Organization.objects.select_for_update(no_key=True).filter(pk=organization_id).first()
    received = ClaimEvent.objects.filter(
        action=RECEIVED,
        changes__canonical=canonical,
        claim__article__organization_id=organization_id,
    ).exclude(claim_id=claim_id)
    event = received.select_related("claim").order_by("id").first()
    if event is not None:
        raise CanonicalTaken(event.claim, canonical)


def _refuse_received_id(organization_id: int, client_id: str) -> None:
    """IdReceived if an annotation of the newsroom was posted with this client `id`; the
    newsroom is locked first, as for a canonical, so that two posts at once make one."""
    if not client_id:
        return
    Organization.objects.select_for_update(no_key=True).filter(pk=organization_id).first()
    # The claim's own column, whole: the history keeps a long id shortened, and an id of
    # over 300 characters never matched there.
    received = Claim.objects.filter(
        article__organization_id=organization_id, annotation_via=client_id
    ).order_by("pk")
    claim = received.first()
    if claim is not None:
        raise IdReceived(claim, client_id)


def is_open_draft(claim: Claim) -> bool:
    """Whether the protocol may change or delete the claim: a draft never published."""
    return claim.status == Claim.Status.DRAFT and not claim.published_versions.exists()


def received_identifiers(claim_ids) -> dict[int, dict]:
    """The `via` and `canonical` each claim was posted with, by claim id (absent: none)."""
    events = ClaimEvent.objects.filter(claim_id__in=list(claim_ids), action=RECEIVED)
    return {event.claim_id: event.changes for event in events.order_by("id")}


@transaction.atomic
def web_annotation_create(*, article: Article, actor, data) -> Claim:
    """Make a draft claim on `article` from the Web Annotation `data`; returns the claim.

    The server names the annotation: a client's `id` is kept as `via` (in
    `Claim.annotation_via`), and its `canonical` is kept unchanged.
    """
    permissions.require_edit(actor, article.organization)
    parsed = parse(data)
    _require_target_on(article, parsed)
    # The id first: an annotation posted again whole (a retry) has its canonical taken too,
    # by itself, and is told it was received rather than that its canonical is another's.
    _refuse_received_id(article.organization_id, parsed.client_id)
    _refuse_taken_canonical(article.organization_id, parsed.canonical)
    # The server names the annotation; the client's name for it becomes `via`.
    parsed.via = parsed.client_id or parsed.via
    rating = _rating(article, parsed.rating_label)
    claim = claim_create(
        article=article,
        creator=actor,
        selectors=parsed.selectors,
        claim_reviewed=parsed.claim_reviewed,
    )
    fields = {}
    if rating is not None:
        fields["rating"] = rating
    if parsed.conclusion:
        fields["conclusion"] = parsed.conclusion
    if parsed.tags:
        fields["tags"] = parsed.tags
    if fields:
        claim = claim_update(claim=claim, actor=actor, expected_version=None, **fields)
    for url in parsed.source_urls:
        source_add(claim=claim, actor=actor, url=url)
    claim.refresh_from_db()
    if parsed.via or parsed.canonical:
        claim.annotation_via = parsed.via
        claim.full_clean()
        claim.save(update_fields=["annotation_via"])
        _event(claim, actor, RECEIVED, {"via": parsed.via, "canonical": parsed.canonical})
    return claim


@transaction.atomic
def web_annotation_update(*, claim: Claim, actor, data, expected_version: int) -> Claim:
    """Replace a draft's selectors and bodies with those of the Web Annotation `data`.

    `expected_version` is the claim version the client read (the annotation's ETag);
    StaleVersion if it changed since. A body left out is cleared (rating, conclusion,
    tags, sources), except the wording, which stays when no `identifying` body is sent:
    as it was, or, when it was the quote itself and the target moved, the new quote.
    A changed `canonical` or `via` is refused: they name the annotation for good.
    """
    permissions.require_edit(actor, claim.article.organization)
    # Identifiers, once received, never change: read before any lock, they say whether this
    # update may take a canonical, which locks the newsroom (`_refuse_taken_canonical`).
    known = received_identifiers([claim.pk]).get(claim.pk, {})
    takes_canonical = (
        isinstance(data, dict) and data.get("canonical") and not known.get("canonical")
    )
    # Locked as the other writers lock them: the newsroom before its claims (a member
    # removed unassigns theirs), the article before its claims (a text saved re-anchors
    # them); each waits its turn rather than deadlocking with this update.
    if takes_canonical:
        Organization.objects.select_for_update(no_key=True).filter(
            pk=claim.article.organization_id
        ).first()
    Article.objects.select_for_update(no_key=True).filter(pk=claim.article_id).first()
    claim = locked(Claim.objects.select_related("article"), "claim", pk=claim.pk)
    # The version is checked before the body is read, as HTTP's preconditions are: a client
    # on a stale copy learns that first (412), whatever else is wrong with what it sent.
    if claim.version != expected_version:
        raise StaleVersion(claim, expected_version)
    if not is_open_draft(claim):
        raise PermissionDenied("Only a draft that was never published changes through here.")
    parsed = parse(data)
    # Read again under the claim's lock: an update on its way may have just taken them
    # (taking an identifier changes no field, so it leaves the version as it was).
    known = received_identifiers([claim.pk]).get(claim.pk, {})
    _require_target_on(claim.article, parsed)
    for name in ("canonical", "via"):
        # A PUT sends the annotation back with the server's `id`: only `via` itself counts.
        kept, sent = known.get(name) or "", getattr(parsed, name)
        if kept and sent and sent != kept:
            raise ValidationError({name: f"The annotation's {name} is {kept} and cannot change."})
    # Identifiers the annotation was not received with are taken now (and kept for good).
    newly = {
        name: getattr(parsed, name)
        for name in ("via", "canonical")
        if getattr(parsed, name) and not known.get(name)
    }
    _refuse_taken_canonical(
        claim.article.organization_id, newly.get("canonical", ""), claim_id=claim.pk
    )
    current = [claim.exact, claim.start, claim.end]
    # The wording as the quote itself (never reworded): it follows a moved target below.
    wording_was_the_quote = claim.claim_reviewed == claim.exact
    quote, *position = parsed.selectors
    moved = quote["exact"] != current[0] or (
        position and [position[0]["start"], position[0]["end"]] != current[1:]
    )
    if moved:
        claim = claim_reattach(claim=claim, actor=actor, selectors=parsed.selectors)
    fields = {
        "rating": _rating(claim.article, parsed.rating_label, claim.rating),
        "conclusion": parsed.conclusion,
        "tags": parsed.tags,
    }
    if parsed.claim_reviewed:
        fields["claim_reviewed"] = parsed.claim_reviewed
    elif moved and wording_was_the_quote:
        # As a POST words it: the target's quote. The old quote's words would describe a
        # passage the annotation no longer points at.
        fields["claim_reviewed"] = claim.exact
    claim = claim_update(claim=claim, actor=actor, expected_version=None, **fields)
    cited = {source.url: source for source in claim.sources.all()}
    for url, source in cited.items():
        if url not in parsed.source_urls:
            source_remove(source=source, actor=actor)
    for url in parsed.source_urls:
        if url not in cited:
            source_add(claim=claim, actor=actor, url=url)
    if newly:
        kept = {"via": known.get("via", ""), "canonical": known.get("canonical", ""), **newly}
        _event(claim, actor, RECEIVED, kept)
        Claim.objects.filter(pk=claim.pk).update(annotation_via=kept["via"])
    claim.refresh_from_db()
    return claim


@transaction.atomic
def web_annotation_delete(*, claim: Claim, actor, expected_version: int | None = None) -> None:
    """Delete a draft that was never published (a published claim is retracted instead)."""
    permissions.require_edit(actor, claim.article.organization)
    claim = locked(Claim.objects, "claim", pk=claim.pk)
    if expected_version is not None and claim.version != expected_version:
        raise StaleVersion(claim, expected_version)
    if not is_open_draft(claim):
        raise PermissionDenied("Only a draft that was never published is deleted through here.")
    claim_delete(claim=claim, actor=actor)
