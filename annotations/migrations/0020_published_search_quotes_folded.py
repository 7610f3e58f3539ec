"""The public API's full-text index reads curly quotes as straight ones.

PostgreSQL's parser, under the C locale, takes ’ and “ for letters: "Khan’s" was one word
that a reader typing "Khan's" never found. The indexed expression now straightens the
quotes first (`annotations.textsearch`), and the query does the same, so the index of 0007
is rebuilt on the new expression, which must match `annotations.api.filters.SEARCH_DOCUMENT`
exactly (else the planner ignores it). On SQLite this migration does nothing.
"""

from django.db import migrations

TABLE = "annotations_publishedversion"
FIELDS = (
    "coalesce(claim_reviewed, '') || ' ' || coalesce(claimant, '') || ' ' || "
    "coalesce(conclusion, '') || ' ' || coalesce(tags::text, '')"
)
# The same text as annotations.api.filters.SEARCH_DOCUMENT, unqualified (a migration must not
# import application code that may change later).
FOLDED_DOCUMENT = (
    f"to_tsvector('simple', translate({FIELDS}, "
    "'\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f', '''''''''\"\"\"\"'))"
)
EARLIER_DOCUMENT = f"to_tsvector('simple', {FIELDS})"


def _rebuild(schema_editor, document: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS published_search")
    schema_editor.execute(
        f"CREATE INDEX published_search ON {TABLE} USING gin ({document}) WHERE is_current"
    )


def fold(apps, schema_editor):
    _rebuild(schema_editor, FOLDED_DOCUMENT)


def unfold(apps, schema_editor):
    _rebuild(schema_editor, EARLIER_DOCUMENT)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0019_evidence_search_published_versions"),
    ]

    operations = [migrations.RunPython(fold, unfold, elidable=False)]
