"""Published versions keep the words the public search looks in folded (`search_text`):
without accents, in folded case, with straight quotes, so "Sao Paulo" finds "São Paulo".

The fold is written out here, as `annotations.textsearch.fold_for_search` does it today, so
this migration means the same whatever that function becomes. On SQLite the column is added
in place (see migration 0028); on PostgreSQL the full-text index of migration 0020 moves to
the new column, whose expression `annotations.api.filters.SEARCH_DOCUMENT` must match.
"""

import re
import unicodedata

from django.db import migrations, models

TABLE = "annotations_publishedversion"
SEARCH_DOCUMENT = "to_tsvector('simple', search_text)"
# The index of migration 0020, on the columns themselves.
FIELDS = (
    "coalesce(claim_reviewed, '') || ' ' || coalesce(claimant, '') || ' ' || "
    "coalesce(conclusion, '') || ' ' || coalesce(tags::text, '')"
)
EARLIER_DOCUMENT = (
    f"to_tsvector('simple', translate({FIELDS}, "
    "'\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f', '''''''''\"\"\"\"'))"
)
_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u064b-\u065f\u0670]"
)
_QUOTES = str.maketrans("\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f", "''''\"\"\"\"")


_UNDECOMPOSED = str.maketrans(
    {"đ": "d", "ð": "d", "ł": "l", "ø": "o", "ħ": "h", "ŧ": "t", "\u0131": "i", "æ": "ae",
     "œ": "oe", "þ": "th"}
)  # fmt: skip


def _fold(text: str) -> str:
    bare = unicodedata.normalize("NFC", _MARKS.sub("", unicodedata.normalize("NFKD", text)))
    return bare.casefold().translate(_QUOTES).translate(_UNDECOMPOSED)


def _field() -> models.TextField:
    return models.TextField(blank=True, editable=False)


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        model = apps.get_model("annotations", "PublishedVersion")
        field = _field()
        field.set_attributes_from_name("search_text")
        schema_editor.add_field(model, field)
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ADD COLUMN search_text text NOT NULL DEFAULT ''")


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN search_text")
        return
    model = apps.get_model("annotations", "PublishedVersion")
    field = _field()
    field.set_attributes_from_name("search_text")
    field.model = model
    schema_editor.remove_field(model, field)


def fill_search_text(apps, schema_editor):
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    rows = PublishedVersion.objects.only("pk", "claim_reviewed", "claimant", "conclusion", "tags")
    batch = []
    for version in rows.iterator(chunk_size=500):
        words = [version.claim_reviewed, version.claimant, version.conclusion]
        words += [str(tag) for tag in version.tags or []]
        version.search_text = _fold(" ".join(words))
        batch.append(version)
        if len(batch) == 500:
            _write(PublishedVersion, batch)
    _write(PublishedVersion, batch)


def _write(PublishedVersion, batch: list) -> None:
    # bulk_update() writes only search_text: changed_at stays, as readers see nothing new.
    PublishedVersion.objects.bulk_update(batch, ["search_text"])
    batch.clear()


def _index(schema_editor, document: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS published_search")
    schema_editor.execute(
        f"CREATE INDEX published_search ON {TABLE} USING gin ({document}) WHERE is_current"
    )


def index_search_text(apps, schema_editor):
    _index(schema_editor, SEARCH_DOCUMENT)


def index_columns(apps, schema_editor):
    _index(schema_editor, EARLIER_DOCUMENT)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0041_article_slug_keeps_marks"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="publishedversion", name="search_text", field=_field()
                )
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(index_search_text, index_columns, elidable=False),
    ]
