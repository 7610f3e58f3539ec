"""Sources cited for claims."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from annotations import permissions
from annotations.models import (
    Claim,
    Source,
)
from annotations.services.claims import _event

# Sources


@transaction.atomic
def source_add(
    *,
    claim: Claim,
    actor,
    url: str,
    title: str = "",
    publisher: str = "",
    quote: str = "",
    stance: str = Source.Stance.CONTEXT,
) -> Source:
    """Cite a source for the claim."""
    permissions.require_edit(actor, claim.article.organization)
    source = Source(
        claim=claim,
        url=url,
        title=title.strip(),
        publisher=publisher.strip(),
        quote=quote.strip(),
        stance=stance,
        added_by=actor,
    )
    source.full_clean()
    source.save()
    Claim.objects.filter(pk=claim.pk).update(version=F("version") + 1)
    _event(claim, actor, "source added", {"url": url, "stance": stance})
    return source
