"""Published versions keep their tags folded (`tag_keys`), which the API's `tag=` filter
matches in any case and any script; on PostgreSQL the filter's index moves to them.

The fold is written out here, as `annotations.versions.tag_key` does it today, so this
migration means the same whatever that function becomes. On SQLite the column is added
in place, as migration 0021 adds its columns: Django would rebuild the table for it, which
drops the full-text triggers of migration 0019 and renames the indexes.
"""

import unicodedata

from django.db import migrations, models

TABLE = "annotations_publishedversion"
KEYS = "USING gin (tag_keys jsonb_path_ops) WHERE is_current"
# The index of migration 0023, on the SQL-lower-cased tags.
LOWERED = "USING gin ((lower(tags::text)::jsonb) jsonb_path_ops) WHERE is_current"


def _fold(tag: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold())


def _field() -> models.JSONField:
    return models.JSONField(blank=True, default=list, editable=False)


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        model = apps.get_model("annotations", "PublishedVersion")
        field = _field()
        field.set_attributes_from_name("tag_keys")
        schema_editor.add_field(model, field)
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN tag_keys text NOT NULL DEFAULT '[]' "
        "CHECK (JSON_VALID(tag_keys))"
    )


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN tag_keys")
        return
    # The state given here is the one before this migration: the field is made again.
    model = apps.get_model("annotations", "PublishedVersion")
    field = _field()
    field.set_attributes_from_name("tag_keys")
    field.model = model
    schema_editor.remove_field(model, field)


def fill_keys(apps, schema_editor):
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    tagged = PublishedVersion.objects.exclude(tags=[]).only("pk", "tags")
    for version in tagged.iterator(chunk_size=500):
        keys = [_fold(tag) for tag in version.tags if isinstance(tag, str)]
        # update(): changed_at stays, as readers see nothing new.
        PublishedVersion.objects.filter(pk=version.pk).update(tag_keys=keys)


def index_keys(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS published_tag_keys ON {TABLE} {KEYS}")
    schema_editor.execute("DROP INDEX IF EXISTS published_tags_folded")


def index_lowered(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS published_tags_folded ON {TABLE} {LOWERED}")
    schema_editor.execute("DROP INDEX IF EXISTS published_tag_keys")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0027_plausible_values"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name="publishedversion", name="tag_keys", field=_field())
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        migrations.RunPython(index_keys, index_lowered, elidable=False),
    ]
