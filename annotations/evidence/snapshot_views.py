"""The download of a source's snapshot (its WARC record), for members of its newsroom only."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET
from rest_framework.decorators import api_view

from annotations import queries
from annotations.models import Snapshot


@require_GET
def snapshot_warc(request, pk: int):
    """The snapshot's gzipped WARC file; 404 for anyone outside the source's newsroom.

    A browser signs in (the link's sign-in page, as every page); a program sends the API
    token it read `snapshot.url` with, and gets problem details, not a sign-in page.
    """
    if "authorization" in request.headers:
        return _for_token(request, pk)
    return _for_session(request, pk)


@login_required
def _for_session(request, pk: int):
    return _download(request, pk)


@api_view(["GET"])
def _for_token(request, pk: int):
    # The API's authentication, scopes and throttles, and its errors (401 with the reason).
    return _download(request, pk)


def _download(request, pk: int):
    snapshot = (
        Snapshot.objects.filter(
            pk=pk, source__claim__article__in=queries.articles_for(request.user)
        )
        .only("pk", "warc", "sha256", "source_id")
        .first()
    )
    if snapshot is None or not snapshot.warc:
        raise Http404("No such snapshot.")
    try:
        stored = snapshot.warc.open("rb")
    except FileNotFoundError:
        raise Http404("The snapshot's file is missing.") from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=f"snapshot-{snapshot.pk}-{snapshot.sha256[:12]}.warc.gz",
        content_type="application/warc",
    )
    # The file is what it is: a browser must not sniff it into something it can run.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
