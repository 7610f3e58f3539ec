"""Published versions keep the `via` of their Web Annotation, as the rest of what they show."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def via_of_the_claim(apps, schema_editor):
    # Versions published before read the claim's own; it is the best record of theirs.
    Claim = apps.get_model("annotations", "Claim")
    PublishedVersion = apps.get_model("annotations", "PublishedVersion")
    PublishedVersion.objects.update(
        via=Subquery(Claim.objects.filter(pk=OuterRef("claim_id")).values("annotation_via")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0014_rating_label_unique_in_any_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedversion",
            name="via",
            field=models.CharField(blank=True, max_length=2000),
        ),
        migrations.RunPython(via_of_the_claim, migrations.RunPython.noop),
    ]
