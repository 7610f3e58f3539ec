"""An evidence item found among this instance's fact-checks names the claim it shows, so the
panel can read that claim's verdict again: one retracted or rerated after the search no
longer stands as found. Items stored before name it in their address only, which is read."""

import re

import django.db.models.deletion
from django.db import migrations, models

# The two addresses the earlier fact-checks provider gives a claim: its permalink
# (`/c/<id>/`) and, for the newsroom's own drafts, its card in the workspace.
CLAIM_ADDRESS = re.compile(r"/c/(\d+)/$|#claim-(\d+)$")


def name_the_claims_of_stored_items(apps, schema_editor):
    EvidenceItem = apps.get_model("annotations", "EvidenceItem")
    Claim = apps.get_model("annotations", "Claim")
    named = {}
    for pk, url in EvidenceItem.objects.filter(provider="factchecks").values_list("pk", "url"):
        match = CLAIM_ADDRESS.search(url)
        if match:
            named[pk] = int(match.group(1) or match.group(2))
    existing = set(Claim.objects.filter(pk__in=set(named.values())).values_list("pk", flat=True))
    for pk, claim_id in named.items():
        if claim_id in existing:
            EvidenceItem.objects.filter(pk=pk).update(earlier_claim_id=claim_id)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0050_organization_url_web_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidenceitem",
            name="earlier_claim",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="annotations.claim",
            ),
        ),
        migrations.RunPython(name_the_claims_of_stored_items, migrations.RunPython.noop),
    ]
