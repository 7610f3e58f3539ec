"""A claimant is a name on one line: a line break or a tab in it is refused (a validator,
no change to the table)."""

from django.db import migrations, models

import annotations.models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0047_revision_structure"),
    ]

    operations = [
        migrations.AlterField(
            model_name="claim",
            name="claimant",
            field=models.CharField(
                blank=True,
                max_length=300,
                validators=[
                    annotations.models.require_visible,
                    annotations.models.require_one_line,
                    annotations.models.require_no_direction_override,
                ],
            ),
        ),
    ]
