"""Earlier fact-checks of other organizations are searched in their published versions.

Until now the search matched every organization's working copies, so another newsroom's
unpublished rewording decided whether its published check came back (and its score on
PostgreSQL). Hand-written, like 0009: a GIN expression index on the published versions
(the expression must match `annotations.evidence.providers.factchecks.VERSION_DOCUMENT`),
and on SQLite rows of kind 'version' in the FTS5 table, kept for live published versions
only by triggers.
"""

from django.db import migrations

VERSION_DOCUMENT = (
    "to_tsvector('english', coalesce(claim_reviewed, '') || ' ' || coalesce(exact, ''))"
)
PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS evidence_version_search ON annotations_publishedversion "
    f"USING gin ({VERSION_DOCUMENT}) WHERE is_current AND is_anchored AND kind = 'published'"
)
SQLITE_CREATE = [
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_version_insert "
    "AFTER INSERT ON annotations_publishedversion "
    "WHEN new.is_current AND new.is_anchored AND new.kind = 'published' "
    "BEGIN INSERT INTO evidence_fts(body, kind, ref) "
    "VALUES (new.claim_reviewed || ' ' || new.exact, 'version', new.id); END",
    # A version stops being live (a newer one, its words gone) or moves: its row follows.
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_version_update "
    "AFTER UPDATE ON annotations_publishedversion "
    "BEGIN DELETE FROM evidence_fts WHERE kind = 'version' AND ref = old.id; "
    "INSERT INTO evidence_fts(body, kind, ref) "
    "SELECT new.claim_reviewed || ' ' || new.exact, 'version', new.id "
    "WHERE new.is_current AND new.is_anchored AND new.kind = 'published'; END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_version_delete "
    "AFTER DELETE ON annotations_publishedversion "
    "BEGIN DELETE FROM evidence_fts WHERE kind = 'version' AND ref = old.id; END",
    "INSERT INTO evidence_fts(body, kind, ref) "
    "SELECT claim_reviewed || ' ' || exact, 'version', id FROM annotations_publishedversion "
    "WHERE is_current AND is_anchored AND kind = 'published'",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS evidence_fts_version_insert",
    "DROP TRIGGER IF EXISTS evidence_fts_version_update",
    "DROP TRIGGER IF EXISTS evidence_fts_version_delete",
    "DELETE FROM evidence_fts WHERE kind = 'version'",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INDEX)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS evidence_version_search")
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0018_job_worker"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
