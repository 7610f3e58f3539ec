"""A retraction stays on the public record when the article's text changes."""

from django.db import migrations
from django.utils import timezone


def show_hidden_retractions(apps, schema_editor):
    # Re-anchoring used to hide a retracted version whose words changed, and retracting an
    # orphan copied its hidden state: both took the retraction notice away from readers.
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    # `changed_at` moves too, so syncing consumers and cached pages see them come back.
    PublishedVersion.objects.filter(kind="retracted", is_anchored=False).update(
        is_anchored=True, changed_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0015_published_via"),
    ]

    operations = [migrations.RunPython(show_hidden_retractions, migrations.RunPython.noop)]
