"""Sources cited for claims: add, edit, remove; each a change to the claim's working copy."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations import fetching, jobs, permissions, urlnorm
from annotations.evidence import search as evidence_search
from annotations.models import (
    Claim,
    EvidenceItem,
    Source,
)
from annotations.rows import locked
from annotations.services.claims import (
    _record_change,
    lock_for_source_change,
)

SOURCE_EDITABLE_FIELDS = ("url", "title", "publisher", "quote", "stance")


def _require_public_address(url: str) -> None:
    """Refuse at once an address the fetcher would never fetch (169.254.169.254, localhost):
    it would still count as the claim's source and be published as a link readers cannot
    open. Names that resolve to such addresses are caught when the page is fetched."""
    try:
        fetching.check_url(url, fetching.policy_from_settings())
    except fetching.FetchRefused as error:
        reason = str(error).removeprefix("refused: ")
        raise ValidationError({"url": f"Cite a page on the public web: {reason}."}) from error


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
    expected_version: int | None = None,
) -> Source:
    """Cite a source for the claim; on a published claim this starts a correction."""
    permissions.require_edit(actor, claim.article.organization)
    claim = lock_for_source_change(claim, expected_version)
    url = urlnorm.as_typed(url)
    # A double click, or a second window, sending the same citation again: the claim's lock
    # makes the second request see the first one's source.
    _require_new_citation(claim, url, quote.strip())
    source = Source(
        claim=claim,
        url=url,
        title=title.strip(),
        publisher=publisher.strip(),
        quote=quote.strip(),
        stance=stance,
        added_by=permissions.as_user(actor),
    )
    source.full_clean()
    _require_public_address(source.url)
    source.save()
    jobs.enqueue(kind="snapshot", subject_id=source.pk)  # fetched and archived on commit
    evidence_search.source_added(source)  # an evidence item at this URL is now cited
    changes = {"source": source.pk, "url": url, "stance": stance}
    _record_change(claim, actor, "source added", changes, public=True)
    return source


@transaction.atomic
def source_update(
    *, source: Source, actor, expected_version: int | None = None, **fields
) -> Source:
    """Change a cited source (its stance, title, quote...); on a published claim, a correction."""
    unknown = set(fields) - set(SOURCE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    claim = source.claim
    permissions.require_edit(actor, claim.article.organization)
    claim = lock_for_source_change(
        claim, expected_version, source_id=source.pk, fields=tuple(fields)
    )
    source = locked(Source.objects, "source", pk=source.pk, claim=claim)
    changes = {}
    for name, value in fields.items():
        if name == "url" and isinstance(value, str):
            value = urlnorm.as_typed(value)
        elif isinstance(value, str):
            value = value.strip()
        if getattr(source, name) != value:
            changes[name] = [getattr(source, name), value]
            setattr(source, name, value)
    if not changes:
        return source
    if "url" in changes or "quote" in changes:
        _require_new_citation(claim, source.url, source.quote, other_than=source.pk)
    if "url" in changes:
        _forget_fetch(source, old_url=changes["url"][0], keep=fields)
    source.full_clean()
    if "url" in changes:
        _require_public_address(source.url)
    source.save()
    if "url" in changes:
        # Another address is another page: fetched and archived anew (on commit), and what
        # the old page said stops deciding anything.
        jobs.enqueue(kind="snapshot", subject_id=source.pk)
        evidence_search.source_moved(source)
        evidence_search.source_added(source)
    _record_change(claim, actor, "source updated", {"source": source.pk, **changes}, public=True)
    return source


def _require_new_citation(claim: Claim, url: str, quote: str, other_than=None) -> None:
    """Refuse a citation the claim makes already: the same address with the same passage."""
    key = urlnorm.url_key(url)
    for cited in claim.sources.exclude(pk=other_than):
        if key and urlnorm.url_key(cited.url) == key and cited.quote == quote:
            raise ValidationError(
                {"url": "This claim already cites this address with the same quoted passage."}
            )


def _forget_fetch(source: Source, *, old_url: str, keep: dict) -> None:
    """Clear what was learnt at the source's old address (its snapshots stay as history).

    A title or publisher the old page (or the search result the source was added from)
    filled in goes too, unless this edit sets it: the new page's own fill only blanks.
    """
    old_page = source.snapshots.filter(requested_url=old_url).order_by("-fetched_at", "-id")
    # What described the old address: its page, or the search result the source came from.
    described = [
        *old_page.values_list("title", "publisher")[:1],
        *EvidenceItem.objects.filter(source=source).values_list("title", "publisher"),
    ]
    for title, publisher in described:
        if "title" not in keep and title and source.title == title:
            source.title = ""
        if "publisher" not in keep and publisher and source.publisher == publisher:
            source.publisher = ""
    source.fetch_state = Source.FetchState.PENDING
    source.fetch_error = source.final_url = source.content_type = source.extracted_text = ""
    source.content_sha256 = source.archive_url = source.link_note = ""
    source.http_status = source.fetched_at = source.published_on = source.link_checked_at = None
    source.link_state = Source.LinkState.UNCHECKED
    source.link_failures = 0


@transaction.atomic
def source_remove(*, source: Source, actor, expected_version: int | None = None) -> None:
    """Stop citing a source; on a published claim, readers keep it until republication."""
    claim = source.claim
    permissions.require_edit(actor, claim.article.organization)
    claim = lock_for_source_change(claim, expected_version, source_id=source.pk)
    source = locked(Source.objects, "source", pk=source.pk, claim=claim)
    changes = {"source": source.pk, "url": source.url, "stance": source.stance}
    evidence_search.source_removed(source)
    source.delete()
    _record_change(claim, actor, "source removed", changes, public=True)
