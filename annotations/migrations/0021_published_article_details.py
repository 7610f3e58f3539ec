"""Published versions freeze the article's public details: title, byline, publisher, date and
original address, which readers, ClaimReview, the public API and the embed now read from
the version instead of the article the newsroom edits.

Existing versions take the article's details as they are now: what readers were shown
until this migration. On SQLite the columns are added in place: Django would rebuild the
table for a NOT NULL column, which drops the full-text triggers of migration 0019.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

TABLE = "annotations_publishedversion"
INDEX = "annotations_publishedversion_article_url_key"


def _new_fields():
    return {
        "article_title": models.CharField(max_length=500, default=""),
        "article_byline": models.CharField(max_length=300, blank=True, default=""),
        "article_publisher": models.CharField(max_length=200, blank=True, default=""),
        "article_url": models.URLField(max_length=2000, blank=True, default=""),
        "article_url_key": models.CharField(
            max_length=2000, blank=True, default="", db_index=True, editable=False
        ),
        "article_published_on": models.DateField(null=True, blank=True),
    }


def add_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        model = apps.get_model("annotations", "PublishedVersion")
        for name, field in _new_fields().items():
            field.set_attributes_from_name(name)
            schema_editor.add_field(model, field)
        return
    for name, field in _new_fields().items():
        column = schema_editor.quote_name(name)
        if isinstance(field, models.DateField):
            schema_editor.execute(f"ALTER TABLE {TABLE} ADD COLUMN {column} date NULL")
        else:
            schema_editor.execute(
                f"ALTER TABLE {TABLE} ADD COLUMN {column} varchar({field.max_length}) "
                "NOT NULL DEFAULT ''"
            )
    schema_editor.execute(f"CREATE INDEX {INDEX} ON {TABLE} (article_url_key)")


def drop_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        for name in reversed(_new_fields()):
            schema_editor.execute(
                f"ALTER TABLE {TABLE} DROP COLUMN {schema_editor.quote_name(name)}"
            )
        return
    # The state given here is the one before this migration: the fields are made again.
    model = apps.get_model("annotations", "PublishedVersion")
    for name, field in reversed(_new_fields().items()):
        field.set_attributes_from_name(name)
        field.model = model
        schema_editor.remove_field(model, field)


def copy_from_articles(apps, schema_editor):
    Article = apps.get_model("annotations", "Article")
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    names = {
        "article_title": "title",
        "article_byline": "byline",
        "article_publisher": "publisher",
        "article_url": "canonical_url",
        "article_url_key": "url_key",
        "article_published_on": "published_on",
    }
    PublishedVersion.objects.update(
        **{
            frozen: Subquery(Article.objects.filter(claims=OuterRef("claim")).values(field)[:1])
            for frozen, field in names.items()
        }
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0020_published_search_quotes_folded"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="publishedversion",
                    name=name,
                    field=field,
                    preserve_default=not isinstance(field, models.CharField),
                )
                for name, field in _new_fields().items()
            ],
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
        ),
        migrations.RunPython(copy_from_articles, migrations.RunPython.noop),
    ]
