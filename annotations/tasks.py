"""Celery tasks: take ids, load rows, call a service, own the retries."""

import os
import socket

from celery import shared_task

from annotations import services
from annotations.models import ArticleRevision


@shared_task(acks_late=True)
def reanchor_article(article_id: int, revision_id: int) -> dict:
    """Re-anchor a large article's claims on the given revision."""
    revision = ArticleRevision.objects.select_related("article").get(
        pk=revision_id, article_id=article_id
    )
    report = services.claims_reanchor(article=revision.article, revision=revision)
    return report.__dict__


@shared_task
def worker_identity() -> dict:
    """Say which process ran the task, to prove tasks leave the web process."""
    return {"pid": os.getpid(), "hostname": socket.gethostname()}
