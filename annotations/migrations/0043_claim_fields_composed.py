"""Claims written before their fields were stored composed (NFC) are composed now.

The services compose the wording, claimant, conclusion and tags they store; a row kept
decomposed ("São" as "S", "a", a tilde, "o") would count as changed by a client sending it
back unchanged, bumping the version and, on a published claim, opening a correction. The
fold is written out here so that this migration means the same whatever the services do.
"""

import unicodedata

from django.db import migrations

FIELDS = ("claim_reviewed", "claimant", "conclusion")


def _composed(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_composed(item) for item in value]
    return value


def compose(apps, schema_editor):
    Claim = apps.get_model("annotations", "Claim")
    changed = []
    for claim in Claim.objects.only("pk", *FIELDS, "tags").iterator(chunk_size=500):
        before = [getattr(claim, name) for name in (*FIELDS, "tags")]
        for name in (*FIELDS, "tags"):
            setattr(claim, name, _composed(getattr(claim, name)))
        if [getattr(claim, name) for name in (*FIELDS, "tags")] != before:
            changed.append(claim)
        if len(changed) == 500:
            Claim.objects.bulk_update(changed, [*FIELDS, "tags"])
            changed.clear()
    Claim.objects.bulk_update(changed, [*FIELDS, "tags"])


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0042_published_search_text"),
    ]

    operations = [migrations.RunPython(compose, migrations.RunPython.noop)]
