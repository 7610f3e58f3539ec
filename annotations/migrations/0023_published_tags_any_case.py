"""The public API's `tag=` filter matches tags in any case: its PostgreSQL index is rebuilt
on the lower-cased tags.

The indexed expression must match `annotations.api.filters.FOLDED_TAGS` exactly (else the
planner ignores it). On SQLite this migration does nothing: there the filter compares
each tag in lower case.
"""

from django.db import migrations

TABLE = "annotations_publishedversion"
# The same text as annotations.api.filters.FOLDED_TAGS, unqualified.
FOLDED = "USING gin ((lower(tags::text)::jsonb) jsonb_path_ops) WHERE is_current"
EXACT = "USING gin (tags jsonb_path_ops) WHERE is_current"


def fold(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS published_tags_folded ON {TABLE} {FOLDED}")
    schema_editor.execute("DROP INDEX IF EXISTS published_tags")


def unfold(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS published_tags ON {TABLE} {EXACT}")
    schema_editor.execute("DROP INDEX IF EXISTS published_tags_folded")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0022_replaced_invitation_links"),
    ]

    operations = [migrations.RunPython(fold, unfold, elidable=False)]
