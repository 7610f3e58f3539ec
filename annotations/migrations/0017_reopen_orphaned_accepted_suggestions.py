"""Suggestions whose accepted claim was deleted go back among the undecided ones."""

from django.db import migrations


def reopen(apps, schema_editor):
    # Deleting the claim left them accepted with no claim: neither acceptable again nor
    # dismissable, and still training the spotter as sentences worth checking.
    Suggestion = apps.get_model("annotations", "Suggestion")
    Suggestion.objects.filter(state="accepted", claim__isnull=True).update(
        state="new", decided_by=None, decided_at=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0016_retractions_stay_public"),
    ]

    operations = [migrations.RunPython(reopen, migrations.RunPython.noop)]
