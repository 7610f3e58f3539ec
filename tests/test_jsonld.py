"""ClaimReview and DataFeed output: schema.org vocabulary, Google's rules, official shapes."""

import datetime as dt
import json
import re

import pytest

from annotations import jsonld, queries, services, versions
from annotations.models import (
    Article,
    Claim,
    Organization,
    PublishedVersion,
    Rating,
    RatingScale,
)
from tests import factories, published_world, schemaorg

PERMALINK = "https://facts.example/c/42/"
UTC = dt.UTC


def build_version(
    *,
    label="False",
    value=1,
    claimant="Jane Minister",
    claim_date=dt.date(2026, 3, 2),
    canonical_url="https://news.example/story",
    org_url="https://desk.example/",
    number=1,
    kind=PublishedVersion.Kind.PUBLISHED,
    published_at=dt.datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
):
    """An unsaved published version with everything `claim_review` reads already loaded."""
    organization = Organization(name="Deadline Desk", slug="deadline-desk", url=org_url)
    scale = RatingScale(organization=organization, worst_value=1, best_value=5)
    rating = Rating(scale=scale, label=label, value=value, position=1, colour="#cf222e")
    article = Article(
        organization=organization,
        title="Listeners and ages",
        canonical_url=canonical_url,
        publisher="Voice of East",
        published_on=dt.date(2026, 3, 1),
        language="en",
    )
    article.url_key = canonical_url.removeprefix("https://")
    return PublishedVersion(
        claim=Claim(article=article),
        number=number,
        kind=kind,
        claim_reviewed="Over 160,000 people listened in at once",
        claimant=claimant,
        claim_date=claim_date,
        rating=rating,
        **versions.rating_fields(rating),
        **versions.article_fields(article),
        publisher=organization,
        published_at=published_at,
    )


VARIANTS = {
    "numeric rating": {},
    "label outside the scale": {"label": "Misleading", "value": None},
    "anonymous claim": {"claimant": "", "claim_date": None},
    "pasted article without a URL": {"canonical_url": ""},
    "newsroom without a home page": {"org_url": ""},
    "second version": {"number": 2},
}


@pytest.mark.parametrize("changes", VARIANTS.values(), ids=VARIANTS.keys())
def test_claim_review_uses_only_schema_org_types_and_properties_in_their_domains(changes):
    review = jsonld.claim_review(build_version(**changes), permalink=PERMALINK)
    assert schemaorg.vocabulary().problems(review) == []


@pytest.mark.parametrize("changes", VARIANTS.values(), ids=VARIANTS.keys())
def test_claim_review_meets_googles_required_and_recommended_fields(changes):
    review = jsonld.claim_review(build_version(**changes), permalink=PERMALINK)
    assert schemaorg.google_errors(review) == []
    assert schemaorg.google_warnings(review) == []


def test_claim_review_carries_the_wording_the_verdict_and_the_permalink():
    review = jsonld.claim_review(build_version(), permalink=PERMALINK)
    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["url"] == PERMALINK
    assert review["claimReviewed"] == "Over 160,000 people listened in at once"
    assert review["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "False",
        "ratingValue": 1,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert review["author"] == {
        "@type": "Organization",
        "name": "Deadline Desk",
        "url": "https://desk.example/",
    }
    assert review["datePublished"] == "2026-03-04T09:30:00+00:00"
    assert "dateModified" not in review


def test_claim_reviewed_is_the_wording_never_the_rating():
    review = jsonld.claim_review(build_version(label="False"), permalink=PERMALINK)
    assert "False" not in review["claimReviewed"]


def test_label_outside_the_numeric_range_gets_alternate_name_only():
    review = jsonld.claim_review(
        build_version(label="Unverifiable", value=None), permalink=PERMALINK
    )
    assert review["reviewRating"] == {"@type": "Rating", "alternateName": "Unverifiable"}


def test_item_reviewed_is_a_claim_by_the_claimant_appearing_in_the_original_article():
    review = jsonld.claim_review(build_version(), permalink=PERMALINK)
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Jane Minister"},
        "datePublished": "2026-03-02",
        "appearance": {
            "@type": "CreativeWork",
            "headline": "Listeners and ages",
            "url": "https://news.example/story",
            "datePublished": "2026-03-01",
            "publisher": {"@type": "Organization", "name": "Voice of East"},
            "inLanguage": "en",
        },
    }


def test_anonymous_claim_has_no_invented_author_or_date():
    review = jsonld.claim_review(build_version(claimant="  ", claim_date=None), permalink=PERMALINK)
    assert "author" not in review["itemReviewed"]
    assert "datePublished" not in review["itemReviewed"]


def test_newsroom_without_home_page_is_linked_to_its_public_page_here():
    review = jsonld.claim_review(
        build_version(org_url=""),
        permalink=PERMALINK,
        organization_page="https://facts.example/o/deadline-desk/",
    )
    assert review["author"]["url"] == "https://facts.example/o/deadline-desk/"


def test_newsroom_home_page_wins_over_its_public_page_here():
    review = jsonld.claim_review(
        build_version(), permalink=PERMALINK, organization_page="https://facts.example/o/x/"
    )
    assert review["author"]["url"] != "https://facts.example/o/x/"


def test_later_version_keeps_first_publication_date_and_adds_date_modified():
    version = build_version(number=2, published_at=dt.datetime(2026, 3, 9, 12, tzinfo=UTC))
    first = dt.datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    review = jsonld.claim_review(version, permalink=PERMALINK, first_published_at=first)
    assert review["datePublished"] == "2026-03-04T09:30:00+00:00"
    assert review["dateModified"] == "2026-03-09T12:00:00+00:00"


def test_first_publication_date_may_come_from_a_query_annotation():
    version = build_version(number=3, published_at=dt.datetime(2026, 3, 9, 12, tzinfo=UTC))
    version.first_published_at = dt.datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    review = jsonld.claim_review(version, permalink=PERMALINK)
    assert review["datePublished"] == "2026-03-04T09:30:00+00:00"


def test_retracted_version_produces_no_claim_review():
    version = build_version(number=2, kind=PublishedVersion.Kind.RETRACTED)
    assert jsonld.claim_review(version, permalink=PERMALINK) is None


def test_claim_review_has_the_shape_of_googles_documented_example():
    ours = schemaorg.shape(jsonld.claim_review(build_version(), permalink=PERMALINK))
    theirs = schemaorg.shape(schemaorg.example("google-factcheck-doc-example"))
    # Images, logos, sameAs and the article's byline are things the product does not store.
    not_stored = {"sameAs", "image", "logo", "appearance.author"}
    expected = {path for path in theirs if not any(part in path for part in not_stored)} - {
        f"itemReviewed.appearance.author.{key}" for key in ("@type", "name")
    }
    assert expected - ours == set()


def test_official_examples_calibrate_the_checks():
    """Google's example passes the rules; eg-0324 warns; eg-0325 lacks reviewRating."""
    google = schemaorg.example("google-factcheck-doc-example")
    eg_0324 = schemaorg.example("eg-0324-ClaimReview")
    eg_0325 = schemaorg.example("eg-0325-ClaimReview")
    for document in (google, eg_0324, eg_0325):
        assert schemaorg.vocabulary().problems(document) == []
    assert schemaorg.google_errors(google) == []
    # Google's sample dates only the claim, not the review (a recommendation it skips).
    assert schemaorg.google_warnings(google) == ["datePublished is missing"]
    assert schemaorg.google_errors(eg_0324) == []
    assert "author.name is missing" in schemaorg.google_warnings(eg_0324)
    assert "reviewRating is missing" in schemaorg.google_errors(eg_0325)


def test_vocabulary_check_catches_invented_terms_and_misplaced_properties():
    vocabulary = schemaorg.vocabulary()
    assert vocabulary.problems({"@type": "FactCheck"}) == ["$: unknown type FactCheck"]
    assert vocabulary.problems({"@type": "Rating", "verdict": "x"}) == [
        "$.verdict: unknown property verdict"
    ]
    assert vocabulary.problems({"@type": "Person", "claimReviewed": "x"}) == [
        "$.claimReviewed: not a property of Person"
    ]
    assert vocabulary.problems(
        {"@type": "ClaimReview", "reviewRating": {"@type": "Person", "name": "x"}}
    ) == ["$.reviewRating: Person is outside its range"]


def test_data_feed_wraps_claim_reviews_without_repeating_their_context():
    reviews = [
        jsonld.claim_review(build_version(), permalink=PERMALINK),
        jsonld.claim_review(build_version(label="Misleading", value=None), permalink=PERMALINK),
    ]
    modified = dt.datetime(2026, 3, 9, 12, tzinfo=UTC)
    feed = jsonld.data_feed(
        reviews, url="https://facts.example/api/v1/claimreview/", modified=modified
    )
    assert feed["@context"] == "https://schema.org"
    assert feed["@type"] == "DataFeed"
    assert feed["url"] == "https://facts.example/api/v1/claimreview/"
    assert feed["dateModified"] == "2026-03-09T12:00:00+00:00"
    assert [element["@type"] for element in feed["dataFeedElement"]] == ["ClaimReview"] * 2
    assert all("@context" not in element for element in feed["dataFeedElement"])
    assert schemaorg.vocabulary().problems(feed) == []


def test_published_claim_from_the_database_gives_a_valid_claim_review(
    organization, article, editor, reviewer
):
    claim = factories.published_claim(article, editor, reviewer)
    version = queries.published_claims().get(claim=claim)
    review = jsonld.claim_review(version, permalink=PERMALINK)
    assert review["claimReviewed"] == claim.claim_reviewed
    assert review["reviewRating"]["alternateName"] == "Mostly true"
    assert review["reviewRating"]["ratingValue"] == 4
    assert review["author"]["name"] == organization.name
    assert schemaorg.vocabulary().problems(review) == []
    assert schemaorg.google_errors(review) == []


def test_drafts_have_no_published_version_to_review(organization, article, editor):
    services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(article.text, "the median age is only 22.8 years"),
    )
    assert list(queries.published_claims()) == []


def test_every_claim_page_has_one_valid_claim_review_matching_its_visible_verdict(
    client, organization, editor, reviewer
):
    world = published_world.build(organization, editor, reviewer)
    for key in ("published", "corrected", "working_copy"):
        html = client.get(f"/c/{world[key].pk}/").content.decode()
        scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        assert len(scripts) == 1, key
        review = json.loads(scripts[0])
        assert schemaorg.vocabulary().problems(review) == []
        assert schemaorg.google_errors(review) == []
        assert schemaorg.google_warnings(review) == []
        assert review["url"] == f"http://testserver/c/{world[key].pk}/"
        visible = re.search(
            r'<p class="entry-verdict">.*?<span class="chip[^"]*">([^<]+)</span>', html
        )
        assert review["reviewRating"]["alternateName"] == visible.group(1), key
        assert review["claimReviewed"] in html
    # Drafts, claims in review, orphans and retractions carry no ClaimReview.
    for key in ("draft", "in_review", "orphan", "retracted"):
        assert '"ClaimReview"' not in client.get(f"/c/{world[key].pk}/").content.decode(), key
