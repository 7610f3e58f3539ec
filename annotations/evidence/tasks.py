"""Celery tasks that ask the evidence providers about a claim."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from annotations import fetching, jobs
from annotations.evidence import search
from annotations.models import EvidenceRequest, Job


def _request_failed(job: Job, reason: str) -> None:
    # A refusal was recorded with its own state when it happened; keep it.
    EvidenceRequest.objects.filter(pk=job.subject_id).exclude(
        state__in=[EvidenceRequest.State.REFUSED, EvidenceRequest.State.DONE]
    ).update(state=EvidenceRequest.State.FAILED, error=reason[:1000], finished_at=timezone.now())


@jobs.job_task(
    "evidence",
    soft_time_limit=getattr(settings, "FACTCHECK_EVIDENCE_TIME_LIMIT", 60),
    time_limit=getattr(settings, "FACTCHECK_EVIDENCE_TIME_LIMIT", 60) + 15,
    on_failure=_request_failed,
    jitter=getattr(settings, "FACTCHECK_IO_RETRY_JITTER", 0.0),
)
def run_evidence_request(job: Job) -> None:
    """Run one evidence request; transient failures go back to the queue with their reason."""
    try:
        search.run_request(job.subject_id)
    except jobs.Deferred:
        search.mark(job.subject_id, EvidenceRequest.State.QUEUED, "")
        raise
    except fetching.FetchRefused as error:
        search.mark(job.subject_id, EvidenceRequest.State.REFUSED, str(error))
        raise jobs.PermanentError(str(error)) from error
    except Exception as error:
        if jobs.is_transient(error) and job.attempts < job.max_attempts:
            search.mark(
                job.subject_id,
                EvidenceRequest.State.QUEUED,
                f"attempt {job.attempts} failed, trying again: {jobs.describe(error)}",
            )
        raise
