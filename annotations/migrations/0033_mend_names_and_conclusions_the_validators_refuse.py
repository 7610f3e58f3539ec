"""Mend stored names with line breaks and conclusions with direction overrides.

Migrations 0031 and 0032 added validators without touching stored rows, so an organization
whose name had a line break, or a claim whose conclusion had an override, failed its own
checks on the next unrelated edit. Names get a space for each break (runs of spaces made
one); conclusions lose the overrides, which no reader should see.
"""

import re
import unicodedata

from django.db import migrations

LINE_BREAKING = ("Cc", "Zl", "Zp")
DIRECTION_OVERRIDES = ("\u202d", "\u202e")


def _on_one_line(name: str) -> str:
    spaced = "".join(" " if unicodedata.category(char) in LINE_BREAKING else char for char in name)
    return re.sub(" {2,}", " ", spaced).strip() if spaced != name else name


def mend(apps, schema_editor):
    Organization = apps.get_model("annotations", "Organization")
    Claim = apps.get_model("annotations", "Claim")
    for organization in Organization.objects.only("pk", "name").iterator():
        name = _on_one_line(organization.name)
        if name != organization.name:
            Organization.objects.filter(pk=organization.pk).update(name=name)
    overrides = dict.fromkeys(map(ord, DIRECTION_OVERRIDES))
    with_override = Claim.objects.none()
    for char in DIRECTION_OVERRIDES:
        with_override |= Claim.objects.filter(conclusion__contains=char)
    for claim in with_override.only("pk", "conclusion").iterator():
        Claim.objects.filter(pk=claim.pk).update(conclusion=claim.conclusion.translate(overrides))


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0032_conclusion_without_direction_overrides"),
    ]

    operations = [migrations.RunPython(mend, migrations.RunPython.noop)]
