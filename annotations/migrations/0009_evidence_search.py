"""Full-text search for earlier fact-checks: PostgreSQL GIN indexes and pg_trgm, SQLite FTS5.

Hand-written because Django cannot state them. On PostgreSQL: expression GIN indexes whose
expressions must match `annotations.evidence.providers.factchecks` exactly, and the pg_trgm
extension for the re-rank (skipped when the role may not create it; the provider then
re-ranks in Python). On SQLite: one FTS5 table kept up to date by triggers.
"""

from django.db import migrations

# The same text as annotations.evidence.providers.factchecks (a migration must not import
# application code that may change later).
CLAIM_DOCUMENT = (
    "to_tsvector('english', coalesce(claim_reviewed, '') || ' ' || coalesce(exact, ''))"
)
IMPORTED_DOCUMENT = (
    "to_tsvector('english', coalesce(claim_reviewed, '') || ' ' || coalesce(claimant, ''))"
)
PG_INDEXES = {
    "evidence_claim_search": f"ON annotations_claim USING gin ({CLAIM_DOCUMENT})",
    "evidence_imported_search": f"ON annotations_importedfactcheck USING gin ({IMPORTED_DOCUMENT})",
}

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS evidence_fts USING fts5("
    "body, kind UNINDEXED, ref UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')",
    # Claims: the wording and the exact words.
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_claim_insert AFTER INSERT ON annotations_claim "
    "BEGIN INSERT INTO evidence_fts(body, kind, ref) "
    "VALUES (new.claim_reviewed || ' ' || new.exact, 'claim', new.id); END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_claim_update "
    "AFTER UPDATE OF claim_reviewed, exact ON annotations_claim "
    "BEGIN DELETE FROM evidence_fts WHERE kind = 'claim' AND ref = old.id; "
    "INSERT INTO evidence_fts(body, kind, ref) "
    "VALUES (new.claim_reviewed || ' ' || new.exact, 'claim', new.id); END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_claim_delete AFTER DELETE ON annotations_claim "
    "BEGIN DELETE FROM evidence_fts WHERE kind = 'claim' AND ref = old.id; END",
    # Imported ClaimReview: the claim reviewed and the claimant.
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_imported_insert "
    "AFTER INSERT ON annotations_importedfactcheck "
    "BEGIN INSERT INTO evidence_fts(body, kind, ref) "
    "VALUES (new.claim_reviewed || ' ' || new.claimant, 'imported', new.id); END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_imported_update "
    "AFTER UPDATE OF claim_reviewed, claimant ON annotations_importedfactcheck "
    "BEGIN DELETE FROM evidence_fts WHERE kind = 'imported' AND ref = old.id; "
    "INSERT INTO evidence_fts(body, kind, ref) "
    "VALUES (new.claim_reviewed || ' ' || new.claimant, 'imported', new.id); END",
    "CREATE TRIGGER IF NOT EXISTS evidence_fts_imported_delete "
    "AFTER DELETE ON annotations_importedfactcheck "
    "BEGIN DELETE FROM evidence_fts WHERE kind = 'imported' AND ref = old.id; END",
    # What was there before this migration.
    "INSERT INTO evidence_fts(body, kind, ref) "
    "SELECT claim_reviewed || ' ' || exact, 'claim', id FROM annotations_claim",
    "INSERT INTO evidence_fts(body, kind, ref) "
    "SELECT claim_reviewed || ' ' || claimant, 'imported', id FROM annotations_importedfactcheck",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS evidence_fts_claim_insert",
    "DROP TRIGGER IF EXISTS evidence_fts_claim_update",
    "DROP TRIGGER IF EXISTS evidence_fts_claim_delete",
    "DROP TRIGGER IF EXISTS evidence_fts_imported_insert",
    "DROP TRIGGER IF EXISTS evidence_fts_imported_update",
    "DROP TRIGGER IF EXISTS evidence_fts_imported_delete",
    "DROP TABLE IF EXISTS evidence_fts",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for name, definition in PG_INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")
        # Creating an extension needs a privileged role; without it, the re-rank is in Python.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SAVEPOINT evidence_trgm")
            try:
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception:
                cursor.execute("ROLLBACK TO SAVEPOINT evidence_trgm")
            else:
                cursor.execute("RELEASE SAVEPOINT evidence_trgm")
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for name in PG_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0008_daily_evidence_standards_spotting"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
