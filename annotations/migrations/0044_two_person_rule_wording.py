"""The two-person rule's setting says the rule it enforces: whoever changed a claim last."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0043_claim_fields_composed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="requires_two_person_review",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "Whoever made the latest change to what readers see of a claim may not "
                    "publish it: another member looks at each change first."
                ),
            ),
        ),
    ]
