"""Migrations carry earlier data forward: claims published before versions existed stay public."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0003_trust")]
AFTER = [("annotations", "0004_published_versions_for_earlier_claims")]
# What keeps published versions searchable on SQLite (migration 0019).
VERSION_SEARCH_TRIGGERS = {
    "evidence_fts_version_insert", "evidence_fts_version_update", "evidence_fts_version_delete",
}  # fmt: skip


@pytest.fixture(autouse=True)
def back_to_the_latest_migration():
    """Leave the test database fully migrated, whatever a test rolled it back to."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def call_command_output(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def migrate_to(name: str):
    """Migrate the test database to annotations' migration `name`; return its models."""
    target = [("annotations", name)]
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


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


@pytest.mark.django_db(transaction=True)
def test_versions_published_before_reader_pages_get_their_conclusion_rendered():
    before = [("annotations", "0005_public")]
    after = [("annotations", "0006_public_addresses_for_earlier_articles")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    User = apps.get_model("auth", "User")
    Organization = apps.get_model("annotations", "Organization")
    Article = apps.get_model("annotations", "Article")
    Revision = apps.get_model("annotations", "ArticleRevision")
    Scale = apps.get_model("annotations", "RatingScale")
    Rating = apps.get_model("annotations", "Rating")
    Claim = apps.get_model("annotations", "Claim")
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")

    reviewer = User.objects.create(username="rev")
    desk = Organization.objects.create(name="Desk", slug="desk")
    text = "Over 160,000 people listened in at once."
    article = Article.objects.create(organization=desk, title="T", text=text)
    revision = Revision.objects.create(article=article, number=1, text=text)
    scale = Scale.objects.create(organization=desk, name="Default")
    rating = Rating.objects.create(scale=scale, label="True", value=5, position=1, colour="#1a7f37")
    claim = Claim.objects.create(
        article=article, revision=revision, creator=reviewer, rating=rating, exact=text[:39],
        start=0, end=39, claim_reviewed="160,000 listened", status="published",
    )  # fmt: skip
    PublishedVersion.objects.create(
        claim=claim, number=1, revision=revision, exact=text[:39], start=0, end=39,
        claim_reviewed="160,000 listened", rating=rating, publisher=desk, published_by=reviewer,
        published_at="2026-11-30T12:00:00Z", conclusion='**Yes.** <script>x</script>',
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    version = apps.get_model("annotations", "PublishedVersion").objects.get()

    assert (
        version.conclusion_html == "<p><strong>Yes.</strong> &lt;script&gt;x&lt;/script&gt;</p>\n"
    )


@pytest.mark.django_db(transaction=True)
def test_versions_published_before_ratings_were_frozen_keep_their_rating_as_it_was():
    before = [("annotations", "0009_evidence_search")]
    after = [("annotations", "0010_published_rating_frozen")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    User = apps.get_model("auth", "User")
    Organization = apps.get_model("annotations", "Organization")
    Article = apps.get_model("annotations", "Article")
    Revision = apps.get_model("annotations", "ArticleRevision")
    Scale = apps.get_model("annotations", "RatingScale")
    Rating = apps.get_model("annotations", "Rating")
    Claim = apps.get_model("annotations", "Claim")
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")

    reviewer = User.objects.create(username="rev")
    desk = Organization.objects.create(name="Desk", slug="desk")
    text = "Over 160,000 people listened in at once."
    article = Article.objects.create(organization=desk, title="T", text=text)
    revision = Revision.objects.create(article=article, number=1, text=text)
    scale = Scale.objects.create(organization=desk, name="Default", worst_value=1, best_value=7)
    true = Rating.objects.create(
        scale=scale, label="True", value=7, position=1, colour="#1a7f37", description="Right."
    )
    odd = Rating.objects.create(scale=scale, label="Satire", position=2, colour="#6e7781")
    for number, rating in enumerate([true, odd], start=1):
        claim = Claim.objects.create(
            article=article, revision=revision, creator=reviewer, rating=rating,
            exact=text[:39], start=0, end=39, claim_reviewed=f"claim {number}",
            status="published",
        )  # fmt: skip
        PublishedVersion.objects.create(
            claim=claim, number=1, revision=revision, exact=text[:39], start=0, end=39,
            claim_reviewed=f"claim {number}", rating=rating, publisher=desk,
            published_by=reviewer, published_at="2026-11-30T12:00:00Z",
        )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    frozen = apps.get_model("annotations", "PublishedVersion").objects.order_by("claim_reviewed")
    assert list(
        frozen.values_list(
            "rating_label", "rating_value", "rating_colour", "rating_description",
            "rating_worst_value", "rating_best_value",
        )
    ) == [
        ("True", 7, "#1a7f37", "Right.", 1, 7),
        ("Satire", None, "#6e7781", "", 1, 7),
    ]  # fmt: skip

    # Renaming the rating afterwards leaves the frozen label alone; going back is allowed.
    apps.get_model("annotations", "Rating").objects.filter(pk=true.pk).update(label="Correct")
    assert frozen.first().rating_label == "True"
    executor = MigrationExecutor(connection)
    executor.migrate(before)


@pytest.mark.django_db(transaction=True)
def test_members_who_kept_every_email_kind_also_get_the_new_kinds_by_email():
    apps = migrate_to("0011_import_guessed_encoding")
    User = apps.get_model("auth", "User")
    Organization = apps.get_model("annotations", "Organization")
    Membership = apps.get_model("annotations", "Membership")
    desk = Organization.objects.create(name="Desk", slug="desk")
    every = ["assigned", "review_requested", "changes_requested", "published", "mentioned"]
    kept_all = Membership.objects.create(
        user=User.objects.create(username="all"),
        organization=desk,
        email_kinds=[*every, "orphaned"],
    )
    chose = Membership.objects.create(
        user=User.objects.create(username="chose"), organization=desk, email_kinds=["assigned"]
    )

    Membership = migrate_to("0012_notification_retracted_deleted").get_model(
        "annotations", "Membership"
    )

    assert Membership.objects.get(pk=kept_all.pk).email_kinds == [
        *every, "orphaned", "retracted", "deleted",
    ]  # fmt: skip
    assert Membership.objects.get(pk=chose.pk).email_kinds == ["assigned"]


@pytest.mark.django_db(transaction=True)
def test_members_emailed_review_requests_are_emailed_a_waiting_text_too():
    """A new text waiting to be shown came as a review request before 0049."""
    apps = migrate_to("0048_claimant_on_one_line")
    User = apps.get_model("auth", "User")
    Organization = apps.get_model("annotations", "Organization")
    Membership = apps.get_model("annotations", "Membership")
    desk = Organization.objects.create(name="Desk", slug="desk")
    reviews = Membership.objects.create(
        user=User.objects.create(username="reviews"),
        organization=desk,
        email_kinds=["assigned", "review_requested"],
    )
    other = Membership.objects.create(
        user=User.objects.create(username="other"), organization=desk, email_kinds=["assigned"]
    )

    Membership = migrate_to("0049_notification_article").get_model("annotations", "Membership")

    assert Membership.objects.get(pk=reviews.pk).email_kinds == [
        "assigned", "review_requested", "text_waiting",
    ]  # fmt: skip
    assert Membership.objects.get(pk=other.pk).email_kinds == ["assigned"]


@pytest.mark.django_db(transaction=True)
def test_articles_an_import_filled_in_get_their_reader_page_and_url_key():
    apps = migrate_to("0012_notification_retracted_deleted")
    Article = apps.get_model("annotations", "Article")
    Organization = apps.get_model("annotations", "Organization")
    desk = Organization.objects.create(name="Desk", slug="desk")
    common = {"organization": desk, "text": "Some text."}
    made = Article.objects.create(**common, title="Record", slug="record", status="ready")
    imported = Article.objects.create(
        **common, title="Record", canonical_url="https://www.news.example/a/", status="ready"
    )
    failed = Article.objects.create(**common, title="http://x.example/", status="failed")

    Article = migrate_to("0013_addresses_for_imported_articles").get_model("annotations", "Article")

    assert Article.objects.get(pk=made.pk).slug == "record"
    filled = Article.objects.get(pk=imported.pk)
    assert (filled.slug, filled.url_key) == ("record-2", "news.example/a")
    assert Article.objects.get(pk=failed.pk).slug == ""


@pytest.mark.django_db(transaction=True)
def test_rating_labels_that_differ_only_in_case_are_numbered_before_the_constraint():
    apps = migrate_to("0013_addresses_for_imported_articles")
    Organization = apps.get_model("annotations", "Organization")
    Scale = apps.get_model("annotations", "RatingScale")
    Rating = apps.get_model("annotations", "Rating")
    scale = Scale.objects.create(organization=Organization.objects.create(slug="d"), name="S")
    for position, label in enumerate(["True", "true", "TRUE", "False"], start=1):
        Rating.objects.create(
            scale=scale, label=label, value=position, position=position, colour="#1a7f37"
        )

    Rating = migrate_to("0014_rating_label_unique_in_any_case").get_model("annotations", "Rating")

    labels = list(Rating.objects.order_by("position").values_list("label", flat=True))
    assert labels == ["True", "true (2)", "TRUE (3)", "False"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_freezes_what_readers_were_shown_and_keeps_the_search_triggers():
    apps = migrate_to("0020_published_search_quotes_folded")
    User = apps.get_model("auth", "User")
    Organization = apps.get_model("annotations", "Organization")
    Article = apps.get_model("annotations", "Article")
    Revision = apps.get_model("annotations", "ArticleRevision")
    Scale = apps.get_model("annotations", "RatingScale")
    Rating = apps.get_model("annotations", "Rating")
    Claim = apps.get_model("annotations", "Claim")
    Version = apps.get_model("annotations", "PublishedVersion")
    reviewer = User.objects.create(username="rev")
    desk = Organization.objects.create(name="Desk", slug="desk")
    text = "Over 160,000 people listened in at once."
    article = Article.objects.create(
        organization=desk, title="Spaces", text=text, byline="Jane", publisher="Paper",
        canonical_url="https://news.example/2026/12/spaces",
        url_key="news.example/2026/12/spaces",
        published_on=dt.date(2026, 11, 30),
    )  # fmt: skip
    revision = Revision.objects.create(article=article, number=1, text=text)
    scale = Scale.objects.create(organization=desk, name="Default", worst_value=1, best_value=7)
    rating = Rating.objects.create(scale=scale, label="True", value=7, position=1, colour="#1a7f37")
    claim = Claim.objects.create(
        article=article, revision=revision, creator=reviewer, rating=rating, exact=text[:39],
        start=0, end=39, claim_reviewed="listeners", status="published",
    )  # fmt: skip
    Version.objects.create(
        claim=claim, number=1, revision=revision, exact=text[:39], start=0, end=39,
        claim_reviewed="listeners", rating=rating, rating_label="True", rating_colour="#1a7f37",
        rating_worst_value=1, rating_best_value=7, publisher=desk, published_by=reviewer,
        published_at="2026-11-30T12:00:00Z",
    )  # fmt: skip

    apps = migrate_to("0021_published_article_details")
    frozen = apps.get_model("annotations", "PublishedVersion").objects.get()
    assert (
        frozen.article_title, frozen.article_byline, frozen.article_publisher,
        frozen.article_url, frozen.article_url_key, frozen.article_published_on,
    ) == (
        "Spaces", "Jane", "Paper", "https://news.example/2026/12/spaces",
        "news.example/2026/12/spaces", dt.date(2026, 11, 30),
    )  # fmt: skip
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            triggers = {row[0] for row in cursor.fetchall()}
            assert triggers >= VERSION_SEARCH_TRIGGERS
            cursor.execute("SELECT count(*) FROM evidence_fts WHERE kind = 'version'")
            assert cursor.fetchone()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_stored_languages_are_mended_to_language_tags_or_cleared():
    apps = migrate_to("0026_claim_wording_visible")
    Article = apps.get_model("annotations", "Article")
    Organization = apps.get_model("annotations", "Organization")
    desk = Organization.objects.create(name="Desk", slug="desk")
    stored = {
        language: Article.objects.create(
            organization=desk, title=f"T{number}", text="Text.", language=language
        ).pk
        for number, language in enumerate(["en_US", "<script>", "pt-BR", "", " de "])
    }

    Article = migrate_to("0027_plausible_values").get_model("annotations", "Article")

    assert {language: Article.objects.get(pk=pk).language for language, pk in stored.items()} == {
        "en_US": "en-US",
        "<script>": "",
        "pt-BR": "pt-BR",
        "": "",
        " de ": "de",
    }


@pytest.mark.django_db(transaction=True)
def test_versions_published_before_tag_keys_get_their_tags_folded(organization, editor, reviewer):
    from annotations.models import PublishedVersion
    from tests import factories, published_world

    article = factories.article(organization, editor)
    published_world.publish(article, editor, reviewer, "Over 160,000 people listened in at once")
    PublishedVersion.objects.update(tags=["Straße", "Économie"], tag_keys=[])

    migrate_to("0027_plausible_values")
    PublishedVersion = migrate_to("0028_published_tag_keys").get_model(
        "annotations", "PublishedVersion"
    )

    assert PublishedVersion.objects.get().tag_keys == ["strasse", "économie"]


@pytest.mark.django_db(transaction=True)
def test_stored_names_and_conclusions_the_new_validators_refuse_are_mended(editor):
    apps = migrate_to("0032_conclusion_without_direction_overrides")
    Organization = apps.get_model("annotations", "Organization")
    Article = apps.get_model("annotations", "Article")
    Claim = apps.get_model("annotations", "Claim")
    broken = Organization.objects.create(name="Daily\r\nCheck\u2028Desk ", slug="broken")
    fine = Organization.objects.create(name="Fine  Desk", slug="fine")
    article = Article.objects.create(organization=broken, title="T", text="Some words here.")
    revision = apps.get_model("annotations", "ArticleRevision").objects.create(
        article=article, number=1, text=article.text
    )
    claims = {
        conclusion: Claim.objects.create(
            article=article, revision=revision, exact="Some", start=0, end=4,
            claim_reviewed="Some", creator_id=editor.pk, conclusion=conclusion,
        ).pk
        for conclusion in ("It is \u202elive\u202c.", "Fine as it is.")
    }  # fmt: skip

    apps = migrate_to("0033_mend_names_and_conclusions_the_validators_refuse")
    Organization = apps.get_model("annotations", "Organization")
    Claim = apps.get_model("annotations", "Claim")

    assert Organization.objects.get(pk=broken.pk).name == "Daily Check Desk"
    assert Organization.objects.get(pk=fine.pk).name == "Fine  Desk"
    assert {text: Claim.objects.get(pk=pk).conclusion for text, pk in claims.items()} == {
        "It is \u202elive\u202c.": "It is live\u202c.",
        "Fine as it is.": "Fine as it is.",
    }
    # What is stored now passes the checks an unrelated edit runs.
    from annotations import models

    models.Organization.objects.get(pk=broken.pk).full_clean()
    models.Claim.objects.get(pk=claims["It is \u202elive\u202c."]).full_clean()


@pytest.mark.django_db(transaction=True)
def test_stored_sources_and_comments_lose_their_direction_overrides(editor):
    apps = migrate_to("0033_mend_names_and_conclusions_the_validators_refuse")
    Organization = apps.get_model("annotations", "Organization")
    Article = apps.get_model("annotations", "Article")
    desk = Organization.objects.create(name="Desk", slug="desk")
    article = Article.objects.create(organization=desk, title="T", text="Some words here.")
    revision = apps.get_model("annotations", "ArticleRevision").objects.create(
        article=article, number=1, text=article.text
    )
    claim = apps.get_model("annotations", "Claim").objects.create(
        article=article, revision=revision, exact="Some", start=0, end=4,
        claim_reviewed="Some", creator_id=editor.pk,
    )  # fmt: skip
    source = apps.get_model("annotations", "Source").objects.create(
        claim=claim, url="https://example.org/", title="\u202eA", publisher="B\u202d",
        quote="C \u202eD", added_by_id=editor.pk,
    )  # fmt: skip
    comment = apps.get_model("annotations", "Comment").objects.create(
        claim=claim, author_id=editor.pk, body="E\u202eF"
    )

    apps = migrate_to("0034_sources_and_comments_without_direction_overrides")

    mended = apps.get_model("annotations", "Source").objects.get(pk=source.pk)
    assert (mended.title, mended.publisher, mended.quote) == ("A", "B", "C D")
    assert apps.get_model("annotations", "Comment").objects.get(pk=comment.pk).body == "EF"


@pytest.mark.django_db(transaction=True)
def test_versions_take_the_archived_copy_of_the_address_they_froze(organization, editor, reviewer):
    from annotations.models import PublishedVersion, Source
    from tests import factories, published_world

    article = factories.article(organization, editor)
    claim = published_world.publish(
        article, editor, reviewer, "Over 160,000 people listened in at once"
    )
    capture = "https://web.archive.org/web/20260301101500/https://example.org/record"
    source = Source.objects.get(claim=claim)
    Source.objects.filter(pk=source.pk).update(archive_url=capture)
    [frozen] = PublishedVersion.objects.get().sources
    assert frozen["url"] == source.url
    # A second claim whose working copy cites another page by now: its copy is not of the
    # address readers were shown.
    moved = published_world.publish(article, editor, reviewer, "median age is only 22.8 years")
    Source.objects.filter(claim=moved).update(url="https://example.org/elsewhere")
    Source.objects.filter(claim=moved).update(archive_url=capture.replace("record", "elsewhere"))

    migrate_to("0034_sources_and_comments_without_direction_overrides")
    PublishedVersion = migrate_to("0035_published_versions_keep_their_archived_copies").get_model(
        "annotations", "PublishedVersion"
    )

    archives = {row.claim_id: row.archives for row in PublishedVersion.objects.all()}
    assert archives[claim.pk] == {
        str(source.pk): {"url": capture, "at": "2026-03-01T10:15:00+00:00"}
    }
    assert archives[moved.pk] == {}


@pytest.mark.django_db(transaction=True)
def test_versions_published_before_accentless_search_are_found_without_accents(
    client, organization, editor, reviewer
):
    from annotations.models import PublishedVersion
    from tests import factories, published_world

    article = factories.article(organization, editor)
    published_world.publish(article, editor, reviewer, "Over 160,000 people listened in at once")
    PublishedVersion.objects.update(claimant="Prefeitura de São Paulo", tags=["Économie"])

    migrate_to("0041_article_slug_keeps_marks")
    PublishedVersion = migrate_to("0042_published_search_text").get_model(
        "annotations", "PublishedVersion"
    )

    assert "prefeitura de sao paulo" in PublishedVersion.objects.get().search_text
    for query in ("Sao Paulo", "economie", "listened"):
        found = client.get("/api/v1/claims/", {"q": query}).json()["results"]
        assert len(found) == 1, query


@pytest.mark.django_db(transaction=True)
def test_claims_written_decomposed_are_composed_so_an_unchanged_save_changes_nothing(
    organization, editor
):
    from annotations import services
    from annotations.models import Claim
    from tests import factories

    article = factories.article(organization, editor)
    claim = services.claim_create(
        article=article,
        creator=editor,
        selectors=factories.quote_selectors(
            article.text, "Over 160,000 people listened in at once"
        ),
    )
    decomposed = {
        "claimant": "Sa\u0303o Paulo",
        "conclusion": "Orc\u0327amento.",
        "tags": ["E\u0301"],
    }
    Claim.objects.filter(pk=claim.pk).update(**decomposed)

    migrate_to("0042_published_search_text")
    migrate_to("0043_claim_fields_composed")
    # The services below are today's: they need today's tables.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.claimant, claim.conclusion, claim.tags) == ("São Paulo", "Orçamento.", ["É"])
    version = claim.version
    # Sent back as it was (decomposed, as a client may keep it): no change, no new version.
    services.claim_update(claim=claim, actor=editor, expected_version=version, **decomposed)
    assert Claim.objects.get(pk=claim.pk).version == version


@pytest.mark.django_db(transaction=True)
def test_readers_see_each_articles_newest_text_after_the_migration(organization, editor):
    """Before 0046 readers always saw an article's newest revision: that is its public one."""
    from tests import factories

    article = factories.article(organization, editor)
    Article = migrate_to("0045_newest_first_indexes").get_model("annotations", "Article")
    assert not hasattr(Article.objects.get(pk=article.pk), "public_revision_id")

    Article = migrate_to("0046_text_readers_see").get_model("annotations", "Article")

    newest = article.revisions.order_by("-number").values_list("pk", flat=True).first()
    assert Article.objects.get(pk=article.pk).public_revision_id == newest


@pytest.mark.django_db(transaction=True)
def test_each_articles_newest_revision_keeps_the_articles_structure_after_the_migration(
    organization, editor
):
    """0047 keeps each revision's structure from then on; the newest revision's is the
    article's own, the older ones' were never kept."""
    from annotations import services

    heading = "Who listened in"
    article = services.article_create(
        organization=organization, title="Listeners", created_by=editor,
        text=f"{heading}\n\nOver 160,000 people listened in at once.",
        structure=[{"kind": "heading", "start": 0, "end": len(heading), "level": 1}],
    )  # fmt: skip
    services.article_update_text(article=article, actor=editor, text=article.text + " Or more.")
    article.refresh_from_db()
    apps = migrate_to("0046_text_readers_see")
    assert "structure" not in {
        f.name for f in apps.get_model("annotations", "ArticleRevision")._meta.fields
    }

    ArticleRevision = migrate_to("0047_revision_structure").get_model(
        "annotations", "ArticleRevision"
    )

    kept = dict(
        ArticleRevision.objects.filter(article_id=article.pk).values_list("number", "structure")
    )
    assert kept == {1: None, 2: article.structure} and article.structure


@pytest.mark.django_db
def test_the_full_text_triggers_survive_every_migration():
    """A migration that makes Django rebuild the published versions' table on SQLite (a NOT
    NULL column added the usual way) drops these triggers, and search stops finding new
    fact-checks."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps its search index in a generated column")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert triggers >= VERSION_SEARCH_TRIGGERS


@pytest.mark.django_db(transaction=True)
def test_the_newest_first_indexes_are_built_without_holding_writes_back():
    """A plain CREATE INDEX on PostgreSQL holds every write to the table until it is built:
    on a large notifications or jobs table each save would wait (the lesson of 0042). Both
    backends end with the indexes, and migrating back and forth works."""
    statements = call_command_output("sqlmigrate", "annotations", "0045_newest_first_indexes")
    if connection.vendor == "postgresql":
        assert statements.count("CREATE INDEX CONCURRENTLY") == 2, statements
    else:
        assert statements.count("CREATE INDEX") == 2, statements
    migrate_to("0044_two_person_rule_wording")
    executor = MigrationExecutor(connection)
    target = [("annotations", "0045_newest_first_indexes")]
    executor.migrate(target)
    with connection.cursor() as cursor:
        names = {
            index
            for table in ("annotations_job", "annotations_notification")
            for index in connection.introspection.get_constraints(cursor, table)
        }
    assert {"job_newest", "notification_newest"} <= names


@pytest.mark.django_db(transaction=True)
def test_evidence_found_among_earlier_checks_names_its_claim_after_the_migration(
    organization, editor, settings
):
    """Migration 0051 reads the claim an earlier fact-check item shows from its address."""
    from annotations import services
    from tests import factories

    article = factories.article(organization, editor)

    def claim(quote):
        selectors = factories.quote_selectors(article.text, quote)
        return services.claim_create(article=article, creator=editor, selectors=selectors)

    ours = claim("Over 160,000 people listened in at once")
    earlier = claim("the median age is only 22.8 years")
    apps = migrate_to("0050_organization_url_web_only")
    EvidenceItem = apps.get_model("annotations", "EvidenceItem")
    here = settings.PUBLIC_BASE_URL
    addresses = {
        "permalink": f"{here}/c/{earlier.pk}/",
        "card": f"{here}/articles/{article.pk}/#claim-{earlier.pk}",
        "deleted": f"{here}/c/987654/",
        "elsewhere": "https://en.wikipedia.org/wiki/Twitter_Spaces",
        # An imported ClaimReview of another instance of this app: its claim is over there
        # (review R21).
        "other instance": f"https://other-instance.example/c/{earlier.pk}/",
    }
    for name, url in addresses.items():
        provider = "mediawiki" if name == "elsewhere" else "factchecks"
        EvidenceItem.objects.create(claim_id=ours.pk, provider=provider, url=url, url_key=url)

    EvidenceItem = migrate_to("0051_evidence_item_earlier_claim").get_model(
        "annotations", "EvidenceItem"
    )

    named = dict(EvidenceItem.objects.values_list("url", "earlier_claim_id"))
    assert named == {
        addresses["permalink"]: earlier.pk,
        addresses["card"]: earlier.pk,
        addresses["deleted"]: None,
        addresses["elsewhere"]: None,
        addresses["other instance"]: None,
    }
