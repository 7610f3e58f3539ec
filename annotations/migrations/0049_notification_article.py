"""A notification may be about an article rather than one claim, and a new text waiting to
be shown is its own kind: members who chose email for review requests, which used to carry
that news, get it by email too."""

import django.db.models.deletion
from django.db import migrations, models


def email_text_waiting_like_review_requests(apps, schema_editor):
    Membership = apps.get_model("annotations", "Membership")
    # JSON `contains` is not available on SQLite: each membership's list is read instead.
    for membership in Membership.objects.only("email_kinds").iterator():
        kinds = list(membership.email_kinds or [])
        if "review_requested" in kinds and "text_waiting" not in kinds:
            membership.email_kinds = [*kinds, "text_waiting"]
            membership.save(update_fields=["email_kinds"])


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0048_claimant_on_one_line"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="article",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to="annotations.article",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("assigned", "Assigned to you"),
                    ("review_requested", "Review requested"),
                    ("changes_requested", "Changes requested"),
                    ("published", "Published"),
                    ("mentioned", "Mentioned in a comment"),
                    ("orphaned", "Published claim orphaned"),
                    ("retracted", "Published claim retracted"),
                    ("deleted", "Claim deleted"),
                    ("text_waiting", "New text waiting to be shown"),
                ],
                max_length=24,
            ),
        ),
        migrations.RunPython(email_text_waiting_like_review_requests, migrations.RunPython.noop),
    ]
