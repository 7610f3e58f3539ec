"""Celery tasks: take ids, load rows, call a service, own the retries."""

import os
import socket

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from annotations import permissions, services
from annotations.models import ArticleImport, ArticleRevision


@shared_task(acks_late=True)
def reanchor_article(article_id: int, revision_id: int) -> dict:
    """Re-anchor a large article's claims on the given revision."""
    revision = ArticleRevision.objects.select_related("article").get(
        pk=revision_id, article_id=article_id
    )
    report = services.claims_reanchor(
        article=revision.article, revision=revision, actor=permissions.SYSTEM
    )
    return report.__dict__


@shared_task
def worker_identity() -> dict:
    """Say which process ran the task, to prove tasks leave the web process."""
    return {"pid": os.getpid(), "hostname": socket.gethostname()}


@shared_task(
    acks_late=True,
    soft_time_limit=settings.FACTCHECK_IMPORT_TIME_LIMIT,
    time_limit=settings.FACTCHECK_IMPORT_TIME_LIMIT + 30,
)
def run_import(import_id: int) -> str:
    """Fetch and extract one import; a document that takes too long to read fails with a reason."""
    article_import = ArticleImport.objects.select_related("article", "organization").get(
        pk=import_id
    )
    if article_import.state != ArticleImport.State.PENDING:
        return article_import.state
    try:
        services.import_run(article_import=article_import)
    except SoftTimeLimitExceeded:
        services.import_fail(
            article_import=article_import,
            message=f"reading the document took longer than "
            f"{settings.FACTCHECK_IMPORT_TIME_LIMIT} seconds",
        )
    article_import.refresh_from_db()
    return article_import.state
