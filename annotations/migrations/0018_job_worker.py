"""Jobs remember which process runs their attempt, so a dead one's job is taken back at once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0017_reopen_orphaned_accepted_suggestions"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="worker",
            field=models.CharField(
                blank=True, help_text="host:pid of the process running the attempt.", max_length=300
            ),
        ),
    ]
