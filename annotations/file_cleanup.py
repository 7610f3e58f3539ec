"""Archived pages leave the disk with their rows, however the rows go."""

from django.db import transaction
from django.db.models.signals import post_delete


def _delete_archived_page(sender, instance, **kwargs) -> None:
    """Delete a snapshot's WARC file once the transaction deleting its row has committed.

    A signal rather than the services: a snapshot goes with its source, claim, article or
    organization, by cascade, which calls no model's delete(). A page archived for a
    source must not outlive it on disk (a takedown or a request to erase personal data
    removes the source, and its copy with it; review R20). A file another row still names
    is kept; a rolled-back delete keeps the file.
    """
    name = instance.warc.name
    if not name:
        return

    def delete() -> None:
        if not sender.objects.filter(warc=name).exists():
            instance.warc.storage.delete(name)

    transaction.on_commit(delete, robust=True)


def connect() -> None:
    from annotations.models import Snapshot

    post_delete.connect(_delete_archived_page, sender=Snapshot, dispatch_uid="snapshot-warc")
