"""PostgreSQL indexes for the public API's reads: full-text `q`, tags, and the feed's orders.

Hand-written because Django cannot state them: an expression index whose expression must
match `annotations.api.filters.SEARCH_DOCUMENT` exactly (else the planner ignores it), and
partial indexes over the current versions only. On SQLite this migration does nothing:
there `q` falls back to a word-by-word search.
"""

from django.db import migrations

# Same text as annotations.api.filters.SEARCH_DOCUMENT, unqualified (a migration must not
# import application code that may change later).
SEARCH_DOCUMENT = (
    "to_tsvector('simple', coalesce(claim_reviewed, '') || ' ' || coalesce(claimant, '') "
    "|| ' ' || coalesce(conclusion, '') || ' ' || coalesce(tags::text, ''))"
)
TABLE = "annotations_publishedversion"
INDEXES = {
    # q: words of the wording, claimant, conclusion and tags.
    "published_search": f"USING gin ({SEARCH_DOCUMENT}) WHERE is_current",
    # tag=: jsonb containment.
    "published_tags": "USING gin (tags jsonb_path_ops) WHERE is_current",
    # The list newest first, and its cursor.
    "published_current_newest": "(published_at, id) WHERE is_current",
    # Sync by updated_since, and the newest change behind ETag / Last-Modified.
    "published_current_changed": "(changed_at, id) WHERE is_current",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0006_public_addresses_for_earlier_articles"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
