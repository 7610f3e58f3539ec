"""Article addresses with control or invisible formatting characters are refused."""

import django.core.validators
from django.db import migrations, models

import annotations.models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0024_article_title_visible_url_web"),
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
                    ),
                    annotations.models.require_plain_address,
                ],
            ),
        ),
    ]
