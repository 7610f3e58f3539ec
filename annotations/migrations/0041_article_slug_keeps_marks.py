"""Article slugs keep combining marks (vowel signs, accents): only the validator changes.

The column is the same varchar(120) with its index, so nothing is done to the database
(SQLite would otherwise copy the whole article table for a change of Python class).
"""

from django.db import migrations

import annotations.models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0040_article_suggestions_cut"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="article",
                    name="slug",
                    field=annotations.models.ReadableSlugField(blank=True, max_length=120),
                ),
            ],
        ),
    ]
