"""A scale's rating labels are unique in any case ("True" and "true" are one verdict)."""

import django.db.models.functions.text
from django.db import migrations, models


def number_labels_that_differ_only_in_case(apps, schema_editor):
    # Made before the service refused them: the later ones get " (2)", " (3)"... Published
    # versions keep the label they were published with, so readers see no change.
    Rating = apps.get_model("annotations", "Rating")
    seen: dict[tuple[int, str], int] = {}
    for rating in Rating.objects.order_by("scale_id", "position", "pk"):
        key = (rating.scale_id, rating.label.lower())
        if key not in seen:
            seen[key] = 1
            continue
        seen[key] += 1
        label = f"{rating.label} ({seen[key]})"
        while Rating.objects.filter(scale_id=rating.scale_id, label__iexact=label).exists():
            seen[key] += 1
            label = f"{rating.label} ({seen[key]})"
        Rating.objects.filter(pk=rating.pk).update(label=label)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0013_addresses_for_imported_articles"),
    ]

    operations = [
        migrations.RunPython(number_labels_that_differ_only_in_case, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="rating",
            name="unique_rating_label",
        ),
        migrations.AddConstraint(
            model_name="rating",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("label"),
                models.F("scale"),
                name="unique_rating_label_any_case",
                violation_error_message="A rating with this label already exists on the scale.",
            ),
        ),
    ]
