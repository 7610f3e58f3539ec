"""ClaimReview JSON-LD in: single objects, lists, @graph, DataFeed wrappers, HTML pages."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from annotations import fetching

CONTENT_TYPES = (
    "application/json",
    "application/ld+json",
    "text/html",
    "application/xhtml+xml",
    "text/plain",
)


class ClaimReviewError(Exception):
    """The input holds no usable ClaimReview; the message says why."""


class _LdJsonScripts(HTMLParser):
    """Collects the text of every <script type="application/ld+json"> on a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._inside = False

    def handle_starttag(self, tag, attrs):
        kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
        self._inside = tag == "script" and kind == "application/ld+json"
        if self._inside:
            self.blocks.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.blocks[-1] += data


def _types(node: dict) -> set[str]:
    kind = node.get("@type") or []
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1] for k in kinds}


def _walk(node, found: list[dict]) -> None:
    """Every ClaimReview object inside `node`, however it is wrapped."""
    if isinstance(node, list):
        for child in node:
            _walk(child, found)
        return
    if not isinstance(node, dict):
        return
    if "ClaimReview" in _types(node):
        found.append(node)
        return
    for key in ("@graph", "dataFeedElement", "item", "itemListElement", "mainEntity"):
        if key in node:
            _walk(node[key], found)


def _text(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return " ".join(str(value or "").split())


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(_text(value)[:10])
    except ValueError:
        return None


def normalise(review: dict) -> dict | None:
    """The fields ImportedFactCheck keeps, from one ClaimReview object; None if unusable."""
    url = _text(review.get("url"))
    claim_reviewed = _text(review.get("claimReviewed"))
    if not url.startswith(("http://", "https://")) or not claim_reviewed:
        return None
    rating = review.get("reviewRating") or {}
    if isinstance(rating, list):
        rating = rating[0] if rating else {}
    author = review.get("author") or {}
    if isinstance(author, list):
        author = author[0] if author else {}
    item = review.get("itemReviewed") or {}
    if isinstance(item, list):
        item = item[0] if item else {}
    try:
        rating_value = float(rating.get("ratingValue")) if rating.get("ratingValue") else None
    except (TypeError, ValueError):
        rating_value = None
    language = review.get("inLanguage") or ""
    if isinstance(language, dict):
        language = language.get("alternateName") or language.get("name") or ""
    return {
        "url": url,
        "claim_reviewed": claim_reviewed,
        "rating": _text(rating.get("alternateName") or rating.get("name")),
        "rating_value": rating_value,
        "publisher": _text(author.get("name") if isinstance(author, dict) else author),
        "publisher_url": _text(author.get("url")) if isinstance(author, dict) else "",
        "claimant": _text(item.get("author")) if isinstance(item, dict) else "",
        "date_published": _date(review.get("datePublished")),
        "language": _text(language)[:20],
        "raw": review,
    }


def parse(data: bytes | str, content_type: str = "") -> list[dict]:
    """The normalised ClaimReviews in a JSON document or an HTML page's ld+json scripts."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff")
    documents = []
    looks_like_json = text.lstrip()[:1] in ("{", "[")
    if looks_like_json and "html" not in content_type:
        try:
            documents.append(json.loads(text))
        except ValueError as error:
            raise ClaimReviewError(f"The JSON could not be read: {error}") from error
    else:
        scripts = _LdJsonScripts()
        scripts.feed(text)
        for block in scripts.blocks:
            try:
                documents.append(json.loads(re.sub(r"^\s*<!--|-->\s*$", "", block)))
            except ValueError:
                continue  # one broken block on a page does not spoil the others
    found: list[dict] = []
    _walk(documents, found)
    reviews = [review for review in map(normalise, found) if review]
    if not reviews:
        raise ClaimReviewError("No ClaimReview with a url and a claimReviewed was found.")
    return reviews


def load(location: str) -> list[dict]:
    """The ClaimReviews at a URL (fetched safely) or in a file."""
    if location.startswith(("http://", "https://")):
        base = fetching.policy_from_settings()
        policy = fetching.FetchPolicy(
            allow=base.allow,
            total_timeout=max(base.total_timeout, 60.0),
            max_bytes=max(base.max_bytes, 200 * 1024 * 1024),
            content_types=CONTENT_TYPES,
        )
        result = fetching.fetch(location, policy=policy)
        return parse(result.body, result.content_type)
    path = Path(location)
    if not path.is_file():
        raise ClaimReviewError(f"No such file: {location}")
    return parse(path.read_bytes(), "text/html" if path.suffix in {".html", ".htm"} else "")
