"""Migrations carry earlier data forward: claims published before versions existed stay public."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0003_trust")]
AFTER = [("annotations", "0004_published_versions_for_earlier_claims")]


@pytest.mark.django_db(transaction=True)
def test_a_claim_published_before_versions_existed_gets_version_one():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("auth", "User")
    Organization = apps.get_model("annotations", "Organization")
    Article = apps.get_model("annotations", "Article")
    Revision = apps.get_model("annotations", "ArticleRevision")
    Scale = apps.get_model("annotations", "RatingScale")
    Rating = apps.get_model("annotations", "Rating")
    Claim = apps.get_model("annotations", "Claim")
    Source = apps.get_model("annotations", "Source")

    editor = User.objects.create(username="ed")
    reviewer = User.objects.create(username="rev")
    desk = Organization.objects.create(name="Desk", slug="desk")
    text = "Over 160,000 people listened in at once."
    article = Article.objects.create(organization=desk, title="T", text=text)
    revision = Revision.objects.create(article=article, number=1, text=text)
    scale = Scale.objects.create(organization=desk, name="Default")
    rating = Rating.objects.create(scale=scale, label="True", value=5, position=1, colour="#1a7f37")
    common = {"article": article, "revision": revision, "creator": editor, "rating": rating}
    published = Claim.objects.create(
        **common, exact=text[:39], start=0, end=39, claim_reviewed="160,000 listened",
        conclusion="Checked.", status="published", reviewer=reviewer, tags=["record"],
    )  # fmt: skip
    Source.objects.create(claim=published, url="https://example.org/", added_by=editor)
    Claim.objects.create(**common, exact="people", start=12, end=18, claim_reviewed="people")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    versions = apps.get_model("annotations", "PublishedVersion").objects.all()

    assert versions.count() == 1, "only the published claim gets a version"
    version = versions.get()
    assert (version.claim_id, version.number, version.kind) == (published.pk, 1, "published")
    assert (version.is_current, version.is_anchored) == (True, True)
    assert (version.claim_reviewed, version.conclusion, version.rating_id) == (
        "160,000 listened", "Checked.", rating.pk,
    )  # fmt: skip
    assert [source["url"] for source in version.sources] == ["https://example.org/"]
    assert (version.start, version.end, version.published_by_id) == (0, 39, reviewer.pk)
