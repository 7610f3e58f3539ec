"""The organization's claim-spotter page: its labels, retraining on request, and the reports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from annotations import current_organization, queries, services, spotting
from annotations.models import Job, Organization, SpotterModel
from annotations.services.suggestions import active_spotter

FIGURES = (
    ("held_out_map", "Held-out newsroom labels"),
    ("test_map", "Public test set (CLEF 2019)"),
)


def _administered(request, slug: str) -> Organization:
    return current_organization.administered(
        request, slug, "Only an organization admin can retrain the claim spotter."
    )


def _clock(moment) -> str:
    return date_format(timezone.localtime(moment), "H:i")


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


def _figure(key: str, name: str, report: dict) -> dict:
    """One measure before and after, with the change in a word."""
    before = (report.get("before") or {}).get(key)
    after = (report.get("after") or {}).get(key)
    if before is None or after is None:
        change = "not measured"
    elif after > before:
        change = "better"
    elif after < before:
        change = "worse"
    else:
        change = "unchanged"
    return {"name": name, "before": before, "after": after, "change": change}


def _training_status(run: SpotterModel, job: Job | None) -> str:
    """Where a training run is: waiting for a worker, or running for how long."""
    if job is None:
        return f"Training from the command line since {_clock(run.created_at)}."
    if job.state == Job.State.QUEUED or job.started_at is None:
        return (
            f"Waiting for a worker since {_clock(run.created_at)}. If this lasts more than a "
            "minute or two, check that the Celery worker is running."
        )
    elapsed = _duration((timezone.now() - job.started_at).total_seconds())
    return (
        f"Training since {_clock(job.started_at)} ({elapsed} so far). "
        "The report appears here when it finishes."
    )


def _outcome(run: SpotterModel) -> str:
    report = run.report or {}
    if run.state == SpotterModel.State.REJECTED and "after" not in report:
        return "Not run"
    if run.state == SpotterModel.State.REJECTED:
        return "Not kept"
    if run.state == SpotterModel.State.KEPT:
        return "Kept, in use" if run.is_active else "Kept, since replaced"
    return run.get_state_display()


def _details(report: dict) -> list[str]:
    """The report's other facts, in sentences."""
    lines = []
    if report.get("labels") is not None:
        labels, positives = report["labels"], report.get("positives", 0)
        articles = report.get("labelled_articles", 0)
        lines.append(
            f"{labels} newsroom label{'s' if labels != 1 else ''} ({positives} worth checking, "
            f"{labels - positives} dismissed) in {articles} article{'s' if articles != 1 else ''}"
            + (
                f"; {report['held_out_articles']} held out to compare the models."
                if report.get("held_out_articles") and not report.get("note")
                else "."
            )
        )
    for key in ("note", "held_out_note"):
        if report.get(key):
            lines.append(report[key])
    if report.get("shared_labels"):
        lines.append("Other organizations' labels were included (an instance-wide setting).")
    if report.get("seconds") is not None:
        lines.append(f"Took {_duration(report['seconds'])}.")
    return lines


def present_run(run: SpotterModel, job: Job | None = None) -> dict:
    """A retraining run for the page and its status endpoint: state, figures and reasons."""
    report = run.report or {}
    training = run.state == SpotterModel.State.TRAINING
    return {
        "id": run.pk,
        "state": run.state,
        "training": training,
        "outcome": _outcome(run),
        "started": timezone.localtime(run.created_at).isoformat(),
        "started_label": date_format(timezone.localtime(run.created_at), "j M Y, H:i"),
        "finished": timezone.localtime(run.finished_at).isoformat() if run.finished_at else None,
        "requested_by": run.requested_by.get_username() if run.requested_by else "command line",
        "status": _training_status(run, job) if training else "",
        "message": report.get("message", ""),
        "figures": [] if training else [_figure(key, name, report) for key, name in FIGURES],
        "details": [] if training else _details(report),
    }


def _runs(organization: Organization) -> list[SpotterModel]:
    return list(organization.spotter_models.select_related("requested_by")[:10])


def _job_of(run: SpotterModel | None) -> Job | None:
    if run is None or run.state != SpotterModel.State.TRAINING:
        return None
    return Job.objects.about("spotter_train", run.pk).order_by("-pk").first()


@login_required
@require_http_methods(["GET", "POST"])
def spotter_page(request, slug: str):
    """Admins see what the spotter learned from, start a retraining and read its report."""
    organization = _administered(request, slug)
    if request.method == "POST":
        try:
            services.spotter_train_request(organization=organization, actor=request.user)
        except ValidationError as error:
            messages.warning(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                "Retraining started. It runs in the background; this page shows the report "
                "when it finishes.",
            )
        return redirect(request.path)
    runs = _runs(organization)
    latest = runs[0] if runs else None
    presented = [present_run(run, _job_of(run) if run is latest else None) for run in runs]
    context = {
        "organization": organization,
        "section": "spotter",
        **queries.spotter_label_counts(organization),
        "active": active_spotter(organization),
        "shipped": spotting.get_model().meta,
        "runs": presented,
        "latest": presented[0] if presented else None,
        "training": bool(presented) and presented[0]["training"],
        "share_labels": settings.FACTCHECK_SPOTTER_SHARE_LABELS,
    }
    return render(request, "annotations/spotter.html", context)


@login_required
@require_GET
def spotter_status(request, slug: str):
    """The latest retraining run as JSON, polled by the page while it trains."""
    organization = _administered(request, slug)
    latest = organization.spotter_models.select_related("requested_by").first()
    run = present_run(latest, _job_of(latest)) if latest else None
    response = JsonResponse({"training": bool(run and run["training"]), "run": run})
    response["Cache-Control"] = "no-store"
    return response
