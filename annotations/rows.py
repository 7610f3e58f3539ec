"""Rows taken for a write: locked FOR NO KEY UPDATE, and a clear 404 when one is gone."""

from __future__ import annotations

from django.http import Http404


class Gone(Http404):
    """The row was deleted while the request waited for its lock: a second DELETE of the same
    claim sent at once (a client retrying after a timeout), an edit of a source removed
    meanwhile. The API and the pages answer 404 with the message, not a server error."""


def locked(queryset, what: str, *, of: tuple[str, ...] = (), **lookup):
    """The row of `queryset` that `lookup` names, locked for this transaction; Gone, naming
    `what` it was, if it no longer exists. `of` limits the lock to those tables of a
    select_related query, as in QuerySet.select_for_update."""
    row = queryset.select_for_update(no_key=True, of=of).filter(**lookup).first()
    if row is None:
        raise Gone(f"This {what} no longer exists: it was deleted meanwhile.")
    return row
