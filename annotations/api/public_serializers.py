"""Public API v1 shapes: pure functions from published rows to JSON, and their schema."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations import anchoring, versions
from annotations.timestamps import timestamp

PUBLISHED = "published"
RETRACTED = "retracted"
SUSPENDED = "suspended"
STATES = (PUBLISHED, RETRACTED, SUSPENDED)


def claim_state(row: dict) -> str:
    """What a current version is to readers: published, retracted, or suspended (hidden)."""
    if not row["is_anchored"]:
        return SUSPENDED
    return RETRACTED if row["kind"] == RETRACTED else PUBLISHED


class _Pattern:
    """An absolute reader URL with placeholders, reversed once and filled in per row.

    Reversing one URL costs microseconds, and a page of claims needs three hundred of
    them; the placeholders are values no slug or id takes.
    """

    def __init__(self, base: str, name: str, marks: tuple):
        path = reverse(name, args=marks)
        self.parts = [base + path]
        for mark in marks:
            head, _, tail = self.parts.pop().partition(str(mark))
            self.parts += [head, tail]

    def __call__(self, *values) -> str:
        out = [self.parts[0]]
        for value, part in zip(values, self.parts[1:], strict=True):
            out += [quote(str(value), safe=""), part]
        return "".join(out)


@dataclass(frozen=True)
class Links:
    """The reader pages' absolute URLs, for one host."""

    claim: _Pattern
    article: _Pattern
    organization: _Pattern
    methodology: _Pattern

    @classmethod
    def for_base(cls, base: str) -> Links:
        """Links under `base`, e.g. "https://factcheck.example" (no trailing slash)."""
        return cls(
            claim=_Pattern(base, "reader-claim", (918273645,)),
            article=_Pattern(base, "reader-article", ("zq-org-zq", "zq-article-zq")),
            organization=_Pattern(base, "reader-organization", ("zq-org-zq",)),
            methodology=_Pattern(base, "reader-methodology", ("zq-org-zq",)),
        )

    @classmethod
    def for_request(cls, request) -> Links:
        """Links on the host the request came to."""
        return cls.for_base(request.build_absolute_uri("/").rstrip("/"))


def organization_ref(slug: str, name: str, url: str, links: Links) -> dict:
    """An organization inside a claim or an article: who published it."""
    return {"slug": slug, "name": name, "url": url, "reader_url": links.organization(slug)}


def article_ref(article: dict, organization_slug: str, links: Links) -> dict:
    """The article a claim is in (a `queries.PUBLIC_ARTICLE_FIELDS` row with its
    `PUBLIC_ARTICLE_DETAILS`, as published): its original address and its reader page here."""
    published_on = article["article_published_on"]
    return {
        "id": article["id"],
        "title": article["article_title"],
        "url": article["article_url"],
        "reader_url": links.article(organization_slug, article["slug"]),
        "language": article["language"],
        "published_on": published_on.isoformat() if published_on else None,
    }


def claim_item(row: dict, links: Links) -> dict:
    """One public claim from its current version: a `queries.public_claim_feed` row
    completed by `queries.public_claim_context`.

    A suspended claim (its words changed since it was published) shows nothing but that
    it is suspended: readers see none of it until a reviewer republishes it, its reader page
    included, so its `url` is null (every URL given here must answer).
    """
    state = claim_state(row)
    claim_id = row["claim_id"]
    if state == SUSPENDED:
        return {
            "id": claim_id,
            "url": None,
            "state": state,
            "updated_at": timestamp(row["changed_at"]),
        }
    article, rating = row["article"], row["rating"]
    organization = article["organization__slug"]
    claim_date = row["claim_date"]
    archive_links = versions.archive_links(row["archives"])
    item = {
        "id": claim_id,
        "state": state,
        "version": row["number"],
        "url": links.claim(claim_id),
        "claim_reviewed": row["claim_reviewed"],
        "claimant": row["claimant"],
        "claim_date": claim_date.isoformat() if claim_date else None,
        "rating": {
            "label": rating["label"],
            "value": rating["value"],
            "colour": rating["colour"],
            "position": rating["position"],
            "description": rating["description"],
            "best": rating["scale__best_value"],
            "worst": rating["scale__worst_value"],
        },
        "conclusion": row["conclusion"],
        "conclusion_html": row["conclusion_html"],
        "tags": list(row["tags"]),
        "sources": [
            {
                "url": source.get("url", ""),
                "title": source.get("title", ""),
                "publisher": source.get("publisher", ""),
                "quote": source.get("quote", ""),
                "stance": source.get("stance", ""),
                # Our own snapshots are WARC files for members only.
                "snapshot_url": None,
                "archive_url": archive_links.get(source.get("id")),
            }
            for source in row["sources"]
        ],
        "selectors": anchoring.selectors(
            row["exact"], row["prefix"], row["suffix"], row["start"], row["end"]
        ),
        "article": article_ref(article, organization, links),
        "organization": organization_ref(
            organization, article["organization__name"], article["organization__url"], links
        ),
        "first_published_at": timestamp(row["first_published_at"]),
        "published_at": timestamp(row["published_at"]),
        "updated_at": timestamp(row["changed_at"]),
        "correction_note": row["correction_note"],
        # Every correction and the retraction, oldest first: a retraction's note takes
        # `correction_note`, and the corrections before it stay told here.
        "corrections": [
            {
                "published_at": timestamp(entry["published_at"]),
                "kind": "retracted" if entry["kind"] == "retracted" else "corrected",
                "changes": entry["changes"],
                "note": entry["note"],
            }
            for entry in row.get("corrections", [])
        ],
    }
    if state == RETRACTED:
        item["retraction_note"] = row["correction_note"]
    previous = row.get("previous_rating_label")
    verdict = (row["rating_id"], row["rating_value"])
    if state == PUBLISHED and previous and row.get("previous_verdict") != verdict:
        # The correction changed the verdict (a rating only renamed on the scale did not).
        item["previous_rating"] = previous
    return item


def article_item(article: dict, claims: list[dict], links: Links) -> dict:
    """One public article (a `queries.public_articles` row) with the claims readers see on it."""
    slug = article["organization__slug"]
    return {
        **article_ref(article, slug, links),
        "organization": organization_ref(
            slug, article["organization__name"], article["organization__url"], links
        ),
        "updated_at": timestamp(article["changed_at"]),
        "claims": [claim_item(claim, links) for claim in claims],
    }


def organization_item(organization, links: Links) -> dict:
    """One organization (a `queries.public_organizations` row) with its rating scales
    (default first), ratings best first."""
    scales = sorted(organization.rating_scales.all(), key=lambda s: (not s.is_default, s.pk))
    return {
        "slug": organization.slug,
        "name": organization.name,
        "url": organization.url,
        "reader_url": links.organization(organization.slug),
        "methodology_url": links.methodology(organization.slug),
        "rating_scales": [
            {
                "name": scale.name,
                "is_default": scale.is_default,
                "best": scale.best_value,
                "worst": scale.worst_value,
                "ratings": [
                    {
                        "label": rating.label,
                        "value": rating.value,
                        "colour": rating.colour,
                        "position": rating.position,
                        "description": rating.description,
                        "is_hidden": rating.is_hidden,
                    }
                    for rating in sorted(scale.ratings.all(), key=lambda r: r.position)
                ],
            }
            for scale in scales
        ],
    }


# The schema of the shapes above, for drf-spectacular only: responses are built by the
# functions, and `tests/test_public_api.py` checks that both name the same fields.


class PublicRatingSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The verdict, e.g. False (ClaimReview alternateName).")
    value = serializers.IntegerField(
        allow_null=True, help_text="Its number on the scale; null for e.g. Unverifiable."
    )
    colour = serializers.CharField(help_text="Hex colour, e.g. #b42318.")
    position = serializers.IntegerField(help_text="Order on the scale, best first.")
    description = serializers.CharField()
    best = serializers.IntegerField(help_text="The scale's best value.")
    worst = serializers.IntegerField(help_text="The scale's worst value.")


class PublicSourceSerializer(serializers.Serializer):
    url = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField()
    quote = serializers.CharField(help_text="The passage that bears on the claim.")
    stance = serializers.CharField(help_text="supports, refutes or context.")
    snapshot_url = serializers.CharField(allow_null=True)
    archive_url = serializers.CharField(allow_null=True)


class PublicSelectorSerializer(serializers.Serializer):
    """A W3C selector: TextQuoteSelector (exact, prefix, suffix) or TextPositionSelector."""

    type = serializers.CharField(help_text="TextQuoteSelector or TextPositionSelector.")
    exact = serializers.CharField(required=False)
    prefix = serializers.CharField(required=False)
    suffix = serializers.CharField(required=False)
    start = serializers.IntegerField(required=False, help_text="In Unicode code points.")
    end = serializers.IntegerField(required=False)


class PublicOrganizationRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="The organization's home page.")
    reader_url = serializers.URLField(help_text="Its page of fact-checks on this site.")


class PublicArticleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The article's original address.")
    reader_url = serializers.URLField(help_text="The article with its fact-checks, here.")
    language = serializers.CharField()
    published_on = serializers.DateField(allow_null=True)


@extend_schema_field(
    {"type": "string", "enum": list(STATES), "description": "published, retracted or suspended."}
)
class _StateField(serializers.CharField):
    pass


class PublicCorrectionSerializer(serializers.Serializer):
    """One version after the first: a correction readers were told of, or the retraction."""

    published_at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=["corrected", "retracted"])
    changes = serializers.ListField(
        child=serializers.CharField(),
        help_text='What changed, in words: ["rating changed from True to Half true", '
        '"conclusion revised"]; empty for a retraction.',
    )
    note = serializers.CharField(help_text="The reviewer's public reason.")


class PublicClaimSerializer(serializers.Serializer):
    """A published fact-check. A suspended one has only `id`, `url` (null), `state`,
    `updated_at`."""

    id = serializers.IntegerField(help_text="The claim's id, the same in every version.")
    url = serializers.URLField(
        allow_null=True,
        help_text="The claim's reader page (the ClaimReview url); null while suspended, "
        "when that page is gone until the claim is republished.",
    )
    state = _StateField(
        help_text="published; retracted (with `retraction_note`); suspended: no longer shown "
        "until republished, with no other field."
    )
    updated_at = serializers.DateTimeField(
        help_text="When this changed for readers; what `updated_since` compares."
    )
    version = serializers.IntegerField(required=False, help_text="1, then 2, 3 on corrections.")
    claim_reviewed = serializers.CharField(required=False)
    claimant = serializers.CharField(required=False)
    claim_date = serializers.DateField(required=False, allow_null=True)
    rating = PublicRatingSerializer(required=False)
    conclusion = serializers.CharField(required=False, help_text="Markdown.")
    conclusion_html = serializers.CharField(required=False, help_text="Sanitised HTML.")
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    sources = PublicSourceSerializer(many=True, required=False)
    selectors = PublicSelectorSerializer(many=True, required=False)
    article = PublicArticleRefSerializer(required=False)
    organization = PublicOrganizationRefSerializer(required=False)
    first_published_at = serializers.DateTimeField(required=False)
    published_at = serializers.DateTimeField(required=False, help_text="This version's.")
    correction_note = serializers.CharField(
        required=False, help_text="Why this version differs from the one before ('' for v1)."
    )
    retraction_note = serializers.CharField(required=False, help_text="Retracted only.")
    corrections = PublicCorrectionSerializer(
        many=True,
        required=False,
        help_text="Every version after the first, oldest first: each correction, and the "
        "retraction, with what changed and the public note, as the reader page tells them.",
    )
    previous_rating = serializers.CharField(
        required=False,
        help_text="A correction that changed the verdict: the rating label readers saw before.",
    )


class PublicArticleSerializer(PublicArticleRefSerializer):
    """An article with published fact-checks, and those fact-checks."""

    organization = PublicOrganizationRefSerializer()
    updated_at = serializers.DateTimeField(
        help_text=(
            "When its fact-checks last changed: the latest `updated_at` of its claims, or "
            "later, when a claim has left it (its words edited away) since."
        )
    )
    claims = PublicClaimSerializer(many=True)


class PublicScaleRatingSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    colour = serializers.CharField()
    position = serializers.IntegerField(help_text="Order on the scale, best first.")
    description = serializers.CharField()
    is_hidden = serializers.BooleanField(
        help_text="No longer given to new verdicts; fact-checks published with it keep it."
    )


class PublicRatingScaleSerializer(serializers.Serializer):
    name = serializers.CharField()
    is_default = serializers.BooleanField()
    best = serializers.IntegerField()
    worst = serializers.IntegerField()
    ratings = PublicScaleRatingSerializer(many=True)


class PublicOrganizationSerializer(serializers.Serializer):
    """A fact-checking organization, its verdict scales and its methodology page."""

    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField(help_text="The organization's home page.")
    reader_url = serializers.URLField(help_text="Its page of fact-checks on this site.")
    methodology_url = serializers.URLField(help_text="How it chooses, checks and rates claims.")
    rating_scales = PublicRatingScaleSerializer(many=True)
