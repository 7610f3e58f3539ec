"""Two more kinds of notification: a published claim retracted, a claim deleted."""

from django.db import migrations, models

EARLIER_KINDS = {
    "assigned",
    "review_requested",
    "changes_requested",
    "published",
    "mentioned",
    "orphaned",
}
NEW_KINDS = ["retracted", "deleted"]


def email_new_kinds_to_those_who_kept_every_kind(apps, schema_editor):
    # Every kind reaches a member by email until they choose otherwise: a member who still
    # has every earlier kind never chose, so the new kinds join theirs. Others chose a list,
    # which is left as they made it.
    Membership = apps.get_model("annotations", "Membership")
    for membership in Membership.objects.all().only("pk", "email_kinds"):
        kinds = list(membership.email_kinds or [])
        if set(kinds) >= EARLIER_KINDS:
            membership.email_kinds = kinds + [kind for kind in NEW_KINDS if kind not in kinds]
            membership.save(update_fields=["email_kinds"])


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0011_import_guessed_encoding"),
    ]

    operations = [
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
                ],
                max_length=24,
            ),
        ),
        migrations.RunPython(
            email_new_kinds_to_those_who_kept_every_kind, migrations.RunPython.noop
        ),
    ]
