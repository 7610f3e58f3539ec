"""Celery tasks that score an article's sentences and retrain a newsroom's spotter."""

from __future__ import annotations

import logging

from django.conf import settings

from annotations import jobs, permissions
from annotations.models import Article, Job, SpotterModel
from annotations.services import suggestions

logger = logging.getLogger(__name__)


@jobs.job_task(
    "spot",
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def spot_article(job: Job) -> None:
    """Score an article's sentences and store its suggestions (idempotent: the latest text)."""
    article = Article.objects.filter(pk=job.subject_id).select_related("organization").first()
    if article is None:
        return  # deleted since
    report = suggestions.suggestions_refresh(article=article, actor=permissions.SYSTEM)
    logger.info("Spotted article %s: %s", article.pk, report)


def _training_failed(job: Job, reason: str) -> None:
    row = SpotterModel.objects.filter(pk=job.subject_id).first()
    if row is not None:
        suggestions.spotter_train_fail(row=row, actor=permissions.SYSTEM, reason=reason)


@jobs.job_task(
    "spotter_train",
    soft_time_limit=settings.FACTCHECK_SPOTTER_TRAIN_TIME_LIMIT,
    time_limit=settings.FACTCHECK_SPOTTER_TRAIN_TIME_LIMIT + 60,
    on_failure=_training_failed,
)
def train_spotter(job: Job) -> None:
    """Retrain an organization's spotter with its labels, as an admin asked; store the report."""
    from annotations import spotting_newsroom

    row = SpotterModel.objects.select_related("organization").get(pk=job.subject_id)
    if row.state != SpotterModel.State.TRAINING or row.organization is None:
        return  # already finished by an earlier attempt
    spotting_newsroom.retrain(row.organization, row=row, log=logger.info)
