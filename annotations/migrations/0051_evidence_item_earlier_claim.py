"""An evidence item found among this instance's fact-checks names the claim it shows, so the
panel can read that claim's verdict again: one retracted or rerated after the search no
longer stands as found. Items stored before name it in their address only, which is read
when it is one of this instance's (PUBLIC_BASE_URL)."""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The two addresses the earlier fact-checks provider gives a claim: its permalink
# (`/c/<id>/`) and, for the newsroom's own drafts, its card in the workspace.
CLAIM_ADDRESS = re.compile(r"/c/(\d+)/$|#claim-(\d+)$")


def name_the_claims_of_stored_items(apps, schema_editor):
    EvidenceItem = apps.get_model("annotations", "EvidenceItem")
    Claim = apps.get_model("annotations", "Claim")
    ImportedFactCheck = apps.get_model("annotations", "ImportedFactCheck")
    # Only this instance's own addresses: an imported ClaimReview from another instance of
    # this app has a permalink of the same form, naming a claim over there.
    here = settings.PUBLIC_BASE_URL.rstrip("/") + "/"
    imported = set(ImportedFactCheck.objects.values_list("url", flat=True))
    named = {}
    for pk, url in EvidenceItem.objects.filter(provider="factchecks").values_list("pk", "url"):
        if not url.startswith(here) or url in imported:
            continue
        match = CLAIM_ADDRESS.search(url)
        if match:
            named[pk] = int(match.group(1) or match.group(2))
    existing = set(Claim.objects.filter(pk__in=set(named.values())).values_list("pk", flat=True))
    # One UPDATE per claim named, not per item.
    items_of: dict[int, list[int]] = {}
    for pk, claim_id in named.items():
        if claim_id in existing:
            items_of.setdefault(claim_id, []).append(pk)
    for claim_id, pks in items_of.items():
        EvidenceItem.objects.filter(pk__in=pks).update(earlier_claim_id=claim_id)


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
