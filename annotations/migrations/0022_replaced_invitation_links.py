"""Links replaced by a resent invitation are remembered, so an older email's link says so."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0021_published_article_details"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReplacedInvitationLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("replaced_at", models.DateTimeField(auto_now_add=True)),
                (
                    "invitation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="replaced_links",
                        to="annotations.invitation",
                    ),
                ),
            ],
        ),
    ]
