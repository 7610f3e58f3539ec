"""Pure: published versions as schema.org ClaimReview dicts, and a DataFeed around them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from annotations import anchoring, versions

CONTEXT = "https://schema.org"


def _moment(value: dt.datetime | dt.date | None) -> str | None:
    """ISO 8601: a datetime to the second (with its offset), a date as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def review_rating(rating) -> dict:
    """A schema.org Rating for a verdict on an organization's scale.

    `alternateName` is always the label (Google's required textual verdict). A label with a
    value on the scale also gets `ratingValue`, `bestRating` and `worstRating`; a label
    outside the numeric range (e.g. "Unverifiable") gets none of them, because a number
    would claim a position on the scale it does not have.
    """
    result = {"@type": "Rating", "alternateName": rating.label}
    if rating.value is not None:
        scale = rating.scale
        result["ratingValue"] = rating.value
        result["bestRating"] = scale.best_value
        result["worstRating"] = scale.worst_value
    return result


def organization(org, *, fallback_url: str | None = None) -> dict:
    """A schema.org Organization for a newsroom: its name and home page (or `fallback_url`)."""
    result = {"@type": "Organization", "name": org.name}
    url = org.url or fallback_url
    if url:
        result["url"] = url
    return result


def claimant(name: str) -> dict | None:
    """The claim's author: a schema.org Person named `name`, or None for an anonymous claim.

    A claimant is stored as free text with no kind, so the type is a choice. Person is
    the common case (politicians, officials, public figures quoted in articles), which
    is why fact-checkers' own feeds mostly say Person; Google only requires `name`, and
    both Person and Organization lie in the range of `Claim.author`. Google asks to omit
    the author rather than invent one when the claim is anonymous.
    """
    name = " ".join((name or "").split())
    if not name:
        return None
    return {"@type": "Person", "name": name}


def appearance(article) -> dict:
    """Where the claim appeared: a CreativeWork with the article's original URL and headline.

    `article` is the article as the version froze it (`versions.ShownArticle`)."""
    result = {"@type": "CreativeWork", "headline": article.title}
    if article.canonical_url:
        result["url"] = article.canonical_url
    if article.published_on:
        result["datePublished"] = _moment(article.published_on)
    if article.publisher:
        result["publisher"] = {"@type": "Organization", "name": article.publisher}
    if article.language:
        result["inLanguage"] = article.language
    return result


def claim_review(
    version,
    *,
    permalink: str,
    organization_page: str | None = None,
    first_published_at: dt.datetime | None = None,
) -> dict | None:
    """The schema.org ClaimReview of one published version, following Google's guidelines.

    `version` is a PublishedVersion with `claim__article` and `publisher` loaded (its
    rating and its article's details are the ones frozen with it, `verdict` and
    `versions.shown_article`; only the article's language is read live); `permalink` is
    the absolute URL of the claim's own page (the ClaimReview `url`), and
    `organization_page` the newsroom's public page here, its `author` URL when the
    newsroom has no home page of its own.
    `datePublished` is when the claim was first published: `first_published_at`, else the
    version's `first_published_at` attribute if a query annotated it, else the version's
    own date (right for version 1). A later version adds `dateModified`.

    A retracted version returns None: a retraction is not a review of the claim, and a
    ClaimReview for it would keep a withdrawn verdict in search engines and feeds.
    """
    if version.kind != "published":
        return None
    first = first_published_at or getattr(version, "first_published_at", None)
    first = first or version.published_at
    item = {"@type": "Claim"}
    author = claimant(version.claimant)
    if author:
        item["author"] = author
    if version.claim_date:
        item["datePublished"] = _moment(version.claim_date)
    shown = versions.shown_article(version, language=version.claim.article.language)
    item["appearance"] = appearance(shown)
    review = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": permalink,
        "claimReviewed": version.claim_reviewed,
        "reviewRating": review_rating(version.verdict),
        "author": organization(version.publisher, fallback_url=organization_page),
        "datePublished": _moment(first),
        "itemReviewed": item,
    }
    if shown.language:
        # The conclusion is written in the article's language (trial D2: only the
        # appearance said which).
        review["inLanguage"] = shown.language
    if version.number > 1 or version.published_at > first:
        review["dateModified"] = _moment(version.published_at)
    return review


def feed_element(review: dict) -> dict:
    """A ClaimReview as an element of a DataFeed: the feed's own `@context` covers it."""
    return {key: value for key, value in review.items() if key != "@context"}


def data_feed(items: Iterable[dict], *, url: str, modified: dt.datetime | None) -> dict:
    """A schema.org DataFeed at `url` whose `dataFeedElement`s are the given ClaimReviews."""
    feed = {"@context": CONTEXT, "@type": "DataFeed", "url": url}
    if modified is not None:
        feed["dateModified"] = _moment(modified)
    feed["dataFeedElement"] = [feed_element(item) for item in items]
    return feed


# W3C Web Annotation Data Model (https://www.w3.org/TR/annotation-model/): a claim is one
# annotation of a span of an article, assessing it; containers list them in pages.

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
GENERATOR_NAME = "Fact-check"


def utc_moment(value: dt.datetime | None) -> str | None:
    """An xsd:dateTime in UTC to the second, as the model asks ("2026-12-01T10:00:00Z")."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _textual(value: str, purpose: str, *, language: str = "", fmt: str = "text/plain") -> dict:
    body = {"type": "TextualBody", "purpose": purpose, "value": value, "format": fmt}
    if language:
        body["language"] = language
    return body


def source_body(source: dict, cached: list[dict] | None = None) -> dict:
    """A cited source as a body linking to it, with its archived copies as TimeStates.

    `cached` holds `{"url", "date"}` for each copy: this instance's snapshot (with the time
    it was fetched) and an outside archive's copy; a copy without a date is left out, since
    a TimeState must say when its copy was made.
    """
    body = {"type": "SpecificResource", "purpose": "linking", "source": source["url"]}
    states = [
        {"type": "TimeState", "cached": copy["url"], "sourceDate": utc_moment(copy["date"])}
        for copy in cached or ()
        if copy.get("url") and copy.get("date")
    ]
    if states:
        body["state"] = states[0] if len(states) == 1 else states
    return body


def web_annotation(
    version,
    *,
    iri: str,
    target_source: str,
    creator: dict,
    generator: dict,
    language: str = "",
    created: dt.datetime | None = None,
    modified: dt.datetime | None = None,
    canonical: str = "",
    via: str = "",
    cached: dict | None = None,
    context: bool = True,
) -> dict:
    """A claim as a W3C Web Annotation with motivation `assessing`.

    `version` is a published version (or a working copy shaped like one: `exact`, `prefix`,
    `suffix`, `start`, `end`, `claim_reviewed`, `verdict` (its rating) or None, `conclusion`,
    `tags` and `sources` as frozen dicts). The bodies are, in order: the rating's label (purpose
    `assessing`), the claim as worded (`identifying`), the conclusion as Markdown
    (`describing`), each tag (`tagging`) and each source (`linking`, with `cached[source id]`
    copies as TimeStates, see `source_body`). The target is `target_source` (the article's
    original address) with a TextQuoteSelector and a TextPositionSelector in code points.
    `creator` and `generator` are Agents (see `agent`); `canonical` and `via`
    are IRIs (a client's own id is kept as `via`). `language` is the article's: the target,
    the claim and the conclusion carry it; the rating's label and the tags are the
    organization's words, in a language no field records, so they carry none.
    """
    rating = version.verdict
    bodies = []
    if rating is not None:
        bodies.append(_textual(rating.label, "assessing"))
    if version.claim_reviewed:
        bodies.append(_textual(version.claim_reviewed, "identifying", language=language))
    if version.conclusion:
        bodies.append(
            _textual(version.conclusion, "describing", language=language, fmt="text/markdown")
        )
    bodies.extend(_textual(tag, "tagging") for tag in version.tags)
    cached = cached or {}
    bodies.extend(source_body(s, cached.get(s.get("id"))) for s in version.sources)
    annotation = {"@context": ANNO_CONTEXT} if context else {}
    annotation.update({"id": iri, "type": "Annotation", "motivation": "assessing"})
    if canonical:
        annotation["canonical"] = canonical
    if via:
        annotation["via"] = via
    annotation["created"] = utc_moment(created)
    annotation["modified"] = utc_moment(modified or created)
    annotation["creator"] = creator
    annotation["generator"] = generator
    if bodies:
        annotation["body"] = bodies
    target = {
        "type": "SpecificResource",
        "source": target_source,
        "selector": anchoring.selectors(
            version.exact, version.prefix, version.suffix, version.start, version.end
        ),
    }
    if language:
        target["language"] = language
    annotation["target"] = target
    return {key: value for key, value in annotation.items() if value is not None}


def agent(iri: str, kind: str, name: str, *, nickname: str = "", homepage: str = "") -> dict:
    """A Web Annotation Agent: an `Organization` (a newsroom) or `Software` (this app).

    `nickname` is a short handle (a newsroom's slug), as the model recommends for agents.
    """
    result = {"id": iri, "type": kind, "name": name}
    if nickname:
        result["nickname"] = nickname
    if homepage:
        result["homepage"] = homepage
    return result


def annotation_page(
    *,
    iri: str,
    part_of: dict | None,
    start_index: int,
    items: list,
    next_iri: str | None = None,
    prev_iri: str | None = None,
    context: bool = True,
) -> dict:
    """An AnnotationPage: `items` (annotations, or their IRIs) from `start_index` on.

    `part_of` is the collection as an object (`{"id", "label", "total", ...}`): the W3C test
    schemas only check a page's collection facts when `partOf` is embedded. A page embedded
    in its collection passes None and no context.
    """
    page = {"@context": ANNO_CONTEXT} if context else {}
    page.update({"id": iri, "type": "AnnotationPage"})
    if part_of is not None:
        page["partOf"] = part_of
    page["startIndex"] = start_index
    if next_iri:
        page["next"] = next_iri
    if prev_iri:
        page["prev"] = prev_iri
    page["items"] = items
    return page


def annotation_collection(
    *,
    iri: str,
    label: str,
    total: int,
    modified: dt.datetime | None,
    first: dict | str | None,
    last: str | None,
    creator: dict | None = None,
    container: bool = True,
) -> dict:
    """An AnnotationCollection (an LDP BasicContainer when served by the protocol).

    `first` is the first page's IRI (the minimal view) or the page itself, embedded; with no
    annotations there is neither `first` nor `last`.
    """
    collection = {
        "@context": [ANNO_CONTEXT, LDP_CONTEXT] if container else ANNO_CONTEXT,
        "id": iri,
        "type": ["BasicContainer", "AnnotationCollection"] if container else "AnnotationCollection",
        "label": label,
        "total": total,
    }
    if modified is not None:
        collection["modified"] = utc_moment(modified)
    if creator is not None:
        collection["creator"] = creator
    if total and first is not None:
        collection["first"] = first
        if last:
            collection["last"] = last
    return collection
