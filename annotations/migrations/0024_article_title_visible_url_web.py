"""An article's title must have something visible, and its original URL be a web address."""

import django.core.validators
from django.db import migrations, models

import annotations.models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0023_published_tags_any_case"),
    ]

    operations = [
        migrations.AlterField(
            model_name="article",
            name="canonical_url",
            field=models.URLField(
                blank=True,
                max_length=2000,
                validators=[
                    django.core.validators.URLValidator(
                        message="Enter an http or https address.", schemes=["http", "https"]
                    )
                ],
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="title",
            field=models.CharField(max_length=500, validators=[annotations.models.require_visible]),
        ),
    ]
