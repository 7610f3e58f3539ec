"""Celery tasks: a job id in, the row loaded, a service called; the job sweeper."""

import os
import socket

from celery import shared_task
from django.conf import settings

from annotations import jobs, permissions, services
from annotations.models import Article, ArticleImport, ArticleRevision, Job


def _import_failed(job: Job, reason: str) -> None:
    article_import = ArticleImport.objects.filter(pk=job.subject_id).first()
    if article_import is not None and article_import.state == ArticleImport.State.PENDING:
        services.import_fail(
            article_import=article_import,
            actor=permissions.SYSTEM,
            message=reason,
        )


@jobs.job_task(
    "import",
    soft_time_limit=settings.FACTCHECK_IMPORT_TIME_LIMIT,
    # The soft limit ends the attempt with a reason; the hard one stops a stuck parser.
    time_limit=settings.FACTCHECK_IMPORT_TIME_LIMIT
    + max(5, settings.FACTCHECK_IMPORT_TIME_LIMIT // 4),
    on_failure=_import_failed,
)
def run_import(job: Job) -> None:
    """Fetch and extract one import; transient fetch failures are retried by the job."""
    article_import = ArticleImport.objects.select_related("article", "organization").get(
        pk=job.subject_id
    )
    article_import = services.import_run(
        article_import=article_import, actor=permissions.SYSTEM, raise_transient=True
    )
    if article_import.state == ArticleImport.State.FAILED:
        # Recorded on the import and its article already; the job shows the reason too.
        raise jobs.PermanentError(article_import.error)


def _reanchor_failed(job: Job, reason: str) -> None:
    article = Article.objects.filter(pk=job.subject_id).first()
    if article is not None:
        services.claims_reanchor_abandon(
            article=article,
            actor=permissions.SYSTEM,
            reason=reason,
            revision_id=job.arguments.get("revision_id"),
        )


@jobs.job_task(
    "reanchor",
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
    on_failure=_reanchor_failed,
)
def reanchor_article(job: Job) -> None:
    """Re-anchor a large article's claims on the revision the job names, if still the latest."""
    revision = ArticleRevision.objects.select_related("article").get(
        pk=job.arguments["revision_id"], article_id=job.subject_id
    )
    latest = ArticleRevision.objects.filter(article_id=job.subject_id).order_by("-number").first()
    if latest != revision:
        return  # a later edit queued its own re-anchoring, on its own revision
    services.claims_reanchor(article=revision.article, revision=revision, actor=permissions.SYSTEM)


@shared_task(name="annotations.tasks.sweep_jobs", ignore_result=True)
def sweep_jobs() -> dict:
    """Send lost jobs again and take back those whose worker died (run by Celery beat)."""
    return jobs.sweep().__dict__


@shared_task(name="annotations.tasks.prune_history", ignore_result=True)
def prune_history() -> dict:
    """Delete finished background history past its retention (run by Celery beat, daily)."""
    return services.history_prune(actor=permissions.SYSTEM).__dict__


@shared_task(ignore_result=False)
def worker_identity() -> dict:
    """Say which process ran the task, to prove tasks leave the web process."""
    return {"pid": os.getpid(), "hostname": socket.gethostname()}
