"""A newsroom's home page is an http or https address (a validator, no change to the table):
an ftp:// one went into ClaimReview as the fact-checks' author."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0049_notification_article"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="url",
            field=models.URLField(
                blank=True,
                help_text="The newsroom's home page (ClaimReview author url).",
                validators=[
                    django.core.validators.URLValidator(
                        message="Enter an http or https address.", schemes=["http", "https"]
                    )
                ],
            ),
        ),
    ]
