"""Pure: published versions as schema.org ClaimReview dicts, and a DataFeed around them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

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
    """Where the claim appeared: a CreativeWork with the article's original URL and headline."""
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

    `version` is a PublishedVersion with `claim__article`, `rating__scale` and `publisher`
    loaded; `permalink` is the absolute URL of the claim's own page (the ClaimReview `url`),
    and `organization_page` the newsroom's public page here, its `author` URL when the
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
    item["appearance"] = appearance(version.claim.article)
    review = {
        "@context": CONTEXT,
        "@type": "ClaimReview",
        "url": permalink,
        "claimReviewed": version.claim_reviewed,
        "reviewRating": review_rating(version.rating),
        "author": organization(version.publisher, fallback_url=organization_page),
        "datePublished": _moment(first),
        "itemReviewed": item,
    }
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
