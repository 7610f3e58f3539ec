"""Published versions freeze what readers see of their rating; earlier ones get it from the FK."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

# Each frozen field and where it is read from, relative to the rating (a migration must not
# import application code that may change later).
FROZEN = {
    "rating_label": "label",
    "rating_value": "value",
    "rating_colour": "colour",
    "rating_description": "description",
    "rating_worst_value": "scale__worst_value",
    "rating_best_value": "scale__best_value",
}


def backfill(apps, schema_editor):
    """Freeze each existing version's rating as the scale shows it now: the best record
    there is of what its readers saw."""
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    Rating = apps.get_model("annotations", "Rating")
    rating = Rating.objects.filter(pk=OuterRef("rating_id"))
    PublishedVersion.objects.update(
        **{name: Subquery(rating.values(source)[:1]) for name, source in FROZEN.items()}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0009_evidence_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedversion",
            name="rating_label",
            field=models.CharField(default="", max_length=60),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publishedversion",
            name="rating_value",
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="publishedversion",
            name="rating_colour",
            field=models.CharField(default="#57606a", max_length=7),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publishedversion",
            name="rating_description",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="publishedversion",
            name="rating_worst_value",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="publishedversion",
            name="rating_best_value",
            field=models.PositiveSmallIntegerField(default=5),
            preserve_default=False,
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
