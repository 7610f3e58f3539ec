"""Errors as RFC 9457 problem details, for every response under /api/ that is not a success."""

import logging
from collections.abc import Mapping
from http import HTTPStatus

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import DisallowedHost, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import csrf, defaults
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from annotations import anchoring, ingest, permissions, queries, services
from annotations.api.newsroom_serializers import ArticleDetailSerializer, ClaimSerializer
from annotations.rows import Gone

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"

# Every problem this API answers with: slug -> (title, status). The type URI of each is
# /api/v1/problems/<slug>/, which describes it; the slugs never change meaning.
PROBLEMS = {
    "invalid-request": ("Your request has invalid fields.", 400),
    "malformed-request": ("Your request could not be read.", 400),
    "not-authenticated": ("Sign in or send a token.", 401),
    "permission-denied": ("You may not do this.", 403),
    "csrf-failed": ("The CSRF check failed.", 403),
    "not-found": ("Not found.", 404),
    "method-not-allowed": ("This method is not allowed here.", 405),
    "not-acceptable": ("No acceptable representation.", 406),
    "conflict": ("The request conflicts with the current state.", 409),
    # Of a claim's field or an article's text (trial G13: the text's said "the same field").
    "edit-conflict": ("Someone else changed this since you read it.", 409),
    "published-meanwhile": ("The claim was published since you opened it.", 409),
    "already-imported": ("This page is already an article with claims here.", 409),
    "already-claimed": ("These words are a claim already.", 409),
    "canonical-taken": ("An annotation with this canonical IRI is here already.", 409),
    "already-received": ("This annotation was posted here already.", 409),
    "idempotency-key-in-use": ("The request with this Idempotency-Key is still running.", 409),
    "idempotency-key-reused": ("This Idempotency-Key was sent with another request.", 422),
    "stale-version": ("The claim changed since you read it.", 412),
    "no-such-version": ("The claim has no such version.", 412),
    "stale-details": ("The article's details changed since you read them.", 412),
    "gone": ("This was withdrawn for good.", 410),
    "request-too-large": ("The request is too large.", 413),
    "unsupported-media-type": ("This media type is not supported.", 415),
    "unprocessable-document": ("The document could not be turned into text.", 422),
    "precondition-required": ("Say which version you are changing.", 428),
    "throttled": ("Too many requests.", 429),
    "server-error": ("Something went wrong on our side.", 500),
    "bad-gateway": ("The remote site did not answer usefully.", 502),
    "unavailable": ("The service is busy; try again shortly.", 503),
}
_SLUG_FOR_STATUS = {
    400: "invalid-request",
    401: "not-authenticated",
    403: "permission-denied",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    412: "stale-version",
    413: "request-too-large",
    415: "unsupported-media-type",
    422: "unprocessable-document",
    428: "precondition-required",
    429: "throttled",
    500: "server-error",
    502: "bad-gateway",
    503: "unavailable",
}
# PostgreSQL states that mean "busy now, fine later": serialization failure, deadlock,
# lock not available, too many connections, server starting or stopping.
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03", "53300", "57P03"}
_TRANSIENT_MESSAGES = ("database is locked", "database table is locked", "connection failed")
RETRY_AFTER_BUSY = 2


class ProblemJSONRenderer(JSONRenderer):
    """JSON labelled as problem details; errors are rendered with it whatever was asked for."""

    media_type = CONTENT_TYPE


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem: what went wrong, for a person and for a program."""

    type = serializers.CharField(help_text="A URI naming the kind of problem; it describes it.")
    title = serializers.CharField(help_text="A short summary of the kind of problem.")
    status = serializers.IntegerField(help_text="The HTTP status code.")
    detail = serializers.CharField(help_text="What went wrong with this request.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text='Field errors: {"field": ["message", ...]}; nested fields are dotted.',
    )


class StaleVersionProblemSerializer(ProblemSerializer):
    """412: the claim changed since the client read it; here is what it is now."""

    claim = serializers.IntegerField(help_text="The id of the claim that changed.")
    changed_by = serializers.CharField(
        required=False,
        help_text="The name of who changed it last; absent for `no-such-version` (a version "
        "the claim never reached: fix the version sent, do not retry).",
    )
    current = ClaimSerializer(help_text="The working copy as it is now; its `version` is new.")


class AlreadyImportedProblemSerializer(ProblemSerializer):
    """409 `already-imported`: the address is an article with claims; nothing was changed."""

    article = serializers.IntegerField(
        help_text="The id of that article. Send `revise_existing`: true to replace its text."
    )


class AlreadyClaimedProblemSerializer(ProblemSerializer):
    """409 `already-claimed`: the selection is exactly the words of a claim; nothing was made."""

    claim = serializers.IntegerField(help_text="The id of the claim on these words.")


class StaleDetailsProblemSerializer(ProblemSerializer):
    """412: the article's details changed since the client read them; here they are now."""

    article = serializers.IntegerField(help_text="The id of the article.")
    current = ArticleDetailSerializer(
        help_text="The article as it is now; its `details_tag` is the new ETag."
    )


class EditConflictFieldSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    base = serializers.JSONField(
        help_text="The value you opened (null if history kept only a summary)."
    )
    yours = serializers.JSONField()
    theirs = serializers.JSONField()
    theirs_by = serializers.CharField()
    theirs_at = serializers.DateTimeField()


class EditConflictProblemSerializer(ProblemSerializer):
    """409: you and someone else changed the same field since you opened the claim."""

    claim = serializers.IntegerField()
    changed_by = serializers.CharField(help_text="The name of who changed it last.")
    current_version = serializers.IntegerField(help_text="Send it as If-Match to save again.")
    conflicts = EditConflictFieldSerializer(many=True)
    current = ClaimSerializer(help_text="The working copy as it is now.")


def problem_responses(*statuses: int) -> dict:
    """OpenAPI `responses` entries for `statuses`, each an application/problem+json body.

    For `extend_schema(responses={200: ..., **problem_responses(400, 404)})`; 412 is the
    stale-version problem with the current working copy.
    """
    responses = {}
    for status in statuses:
        serializer = StaleVersionProblemSerializer if status == 412 else ProblemSerializer
        title = PROBLEMS[_SLUG_FOR_STATUS[status]][0]
        responses[(status, CONTENT_TYPE)] = OpenApiResponse(serializer, description=title)
    return responses


def problem_type_uri(slug: str) -> str:
    """The stable type URI of a problem, relative to this instance."""
    return f"{API_PREFIX}v1/problems/{slug}/"


def problem(status: int, detail: str, *, slug: str | None = None, **extra) -> dict:
    """The problem-details body for `status`: type, title, status, detail, then `extra`."""
    slug = slug or _SLUG_FOR_STATUS.get(status) or ("server-error" if status >= 500 else "")
    if slug in PROBLEMS:
        type_, title = problem_type_uri(slug), PROBLEMS[slug][0]
    else:
        type_, title = "about:blank", HTTPStatus(status).phrase
    return {"type": type_, "title": title, "status": status, "detail": detail, **extra}


def problem_response(status: int, detail: str, *, slug: str | None = None, **extra):
    """A plain Django response with a problem body, for errors raised outside DRF views."""
    return JsonResponse(
        problem(status, detail, slug=slug, **extra),
        status=status,
        content_type=CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def _messages(detail, path: str) -> list[str]:
    """Every message under `detail`, each prefixed with where it applies, e.g. `tags[1]`."""
    if isinstance(detail, Mapping):
        # DRF keys a list's item errors by index: tags[1]; an object's by name: .exact
        return [
            message
            for key, value in detail.items()
            for message in _messages(
                value, f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
            )
        ]
    if isinstance(detail, list):
        if all(not isinstance(item, Mapping | list) for item in detail):
            return [f"{path}: {item}" if path else str(item) for item in detail]
        return [m for i, item in enumerate(detail) if item for m in _messages(item, f"{path}[{i}]")]
    return [f"{path}: {detail}" if path else str(detail)]


def _field_errors(detail) -> dict[str, list[str]]:
    """DRF's error detail as {"field": ["message", ...]}, keyed by the fields the client sent.

    An error inside a list or object says where: {"tags": ["tags[1]: Expected text."]}.
    """
    if not isinstance(detail, Mapping):
        return {"non_field_errors": _messages(detail, "")}
    errors = {}
    for field, value in detail.items():
        nested = isinstance(value, Mapping) or (
            isinstance(value, list) and any(isinstance(item, Mapping | list) for item in value)
        )
        errors[str(field)] = _messages(value, str(field)) if nested else _messages(value, "")
    return errors


def _validation_detail(errors: dict[str, list[str]]) -> str:
    """One sentence naming the first field at fault, for clients that show only `detail`."""
    if not errors:
        return "The request is invalid."
    field, messages = next(iter(errors.items()))
    if field in ("non_field_errors", "detail"):
        return messages[0]
    return f"{field.replace('_', ' ')}: {messages[0]}"


def _stale_version(error: services.StaleVersion, request) -> Response:
    claim = queries.workspace_claims(error.claim.article).get(pk=error.claim.pk)
    # A version never reached names nobody's change: a client reading the type would else
    # fetch the claim again and retry, rather than fix the version it sends.
    who = {} if error.never_reached else {"changed_by": error.changed_by}
    body = problem(
        412,
        str(error),
        slug="no-such-version" if error.never_reached else None,
        claim=claim.pk,
        **who,
        # As the one asking may act on it: whether they may publish it, and what is missing.
        current=ClaimSerializer(claim, context={"request": request}).data,
    )
    response = Response(body, status=412)
    response["ETag"] = f'"{claim.version}"'
    return response


def _stale_details(error: services.StaleDetails) -> Response:
    article = error.article
    body = problem(
        412,
        str(error),
        slug="stale-details",
        article=article.pk,
        current=ArticleDetailSerializer(article).data,
    )
    response = Response(body, status=412)
    response["ETag"] = f'"{article.details_tag}"'
    return response


def _edit_conflict(error: services.EditConflict, request) -> Response:
    claim = queries.workspace_claims(error.claim.article).get(pk=error.claim.pk)
    body = problem(
        409,
        str(error),
        slug="edit-conflict",
        claim=claim.pk,
        changed_by=error.changed_by,
        current_version=claim.version,
        conflicts=error.conflicts,
        current=ClaimSerializer(claim, context={"request": request}).data,
    )
    response = Response(body, status=409)
    response["ETag"] = f'"{claim.version}"'
    return response


def _published_meanwhile(error: services.PublishedMeanwhile, request) -> Response:
    claim = queries.workspace_claims(error.claim.article).get(pk=error.claim.pk)
    body = problem(
        409,
        str(error),
        slug="published-meanwhile",
        claim=claim.pk,
        changed_by=error.changed_by,
        current_version=claim.version,
        # The edit-conflict shape (the one 409 the operation declares), with no field at odds.
        conflicts=[],
        current=ClaimSerializer(claim, context={"request": request}).data,
    )
    response = Response(body, status=409)
    response["ETag"] = f'"{claim.version}"'
    return response


def _as_drf_error(error):
    """The DRF exception for one of the project's or Django's; any other error as it is."""
    if isinstance(error, ingest.IngestError):
        return exceptions.APIException(error.message)
    if isinstance(error, anchoring.AnchorError):
        return exceptions.ValidationError({"selectors": [str(error)]})
    if isinstance(error, DjangoValidationError):
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        return exceptions.ValidationError(detail)
    if isinstance(error, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(error) or None)
    if isinstance(error, Gone):
        return exceptions.NotFound(str(error))
    if isinstance(error, Http404):
        return exceptions.NotFound()
    return error


def api_exception_handler(error, context):
    """DRF's exception handler for this API: every error answered as problem details.

    Service errors map to HTTP here, once: invalid input 400, not allowed 403, stale
    version 412 (with the current working copy), too large 413. Anything else is left to
    Django (a 500, which `server_error` also answers as a problem under /api/).
    """
    response = _problem_for(error, context)
    if response is not None:
        # Problem JSON, whatever the client's Accept header said (a view's own renderers
        # may be JSON-LD ones).
        request = context["request"]
        request.accepted_renderer = ProblemJSONRenderer()
        request.accepted_media_type = CONTENT_TYPE
    return response


def database_busy(error: OperationalError) -> bool:
    """Whether the database refused for now (busy, locked, out of connections), not for good."""
    if getattr(error.__cause__, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    return any(text in str(error) for text in _TRANSIENT_MESSAGES)


def _problem_for(error, context) -> Response | None:
    if isinstance(error, services.ArticleAlreadyHere):
        detail = (
            f"{error.situation} Send `revise_existing`: true to replace its text with the page "
            "as it is now."
        )
        body = problem(409, detail, slug="already-imported", article=error.article.pk)
        return Response(body, status=409)
    if isinstance(error, services.SameWordsClaimed):
        body = problem(409, error.message, slug="already-claimed", claim=error.claim.pk)
        return Response(body, status=409)
    if isinstance(error, services.CanonicalTaken):
        return _canonical_taken(error, context.get("request"))
    if isinstance(error, services.EditConflict):
        return _edit_conflict(error, context.get("request"))
    if isinstance(error, services.PublishedMeanwhile):
        return _published_meanwhile(error, context.get("request"))
    if isinstance(error, services.StaleVersion):
        return _stale_version(error, context.get("request"))
    if isinstance(error, services.StaleDetails):
        return _stale_details(error)
    if isinstance(error, permissions.RoleRefused):
        body = problem(403, str(error), slug="permission-denied", role=error.role)
        return Response(body, status=403)
    if isinstance(error, services.StaleText):
        body = problem(409, str(error), slug="edit-conflict", latest_revision=error.latest.number)
        return Response(body, status=409)
    if isinstance(error, OperationalError) and database_busy(error):
        # Not the client's fault and not a bug: say when to try again instead of a 500.
        logger.warning("Database busy, answered 503: %s", error)
        response = Response(problem(503, "The database is busy; try again."), status=503)
        response["Retry-After"] = str(RETRY_AFTER_BUSY)
        return response
    if isinstance(error, RequestDataTooBig):
        return Response(problem(413, "The request body is too large."), status=413)
    if isinstance(error, DisallowedHost):
        return Response(problem(400, WRONG_HOST, slug="malformed-request"), status=400)
    if isinstance(error, SuspiciousOperation):
        # Too many fields or files, malformed multipart: the client's fault, said plainly.
        return Response(problem(400, f"Refused: {error}", slug="malformed-request"), status=400)
    status_override = error.status if isinstance(error, ingest.IngestError) else None
    response = exception_handler(_as_drf_error(error), context)
    if response is None:
        return None
    if status_override:
        response.status_code = status_override
    response.data = _problem_from_drf(response.status_code, response.data, error)
    return response


def _canonical_taken(error, request) -> Response:
    """409 naming the annotation that holds the canonical, where a client can read it."""
    iri = reverse("v1:wap-annotation", args=[error.claim.pk])
    iri = request.build_absolute_uri(iri) if request is not None else iri
    body = problem(409, error.message, slug=error.slug, annotation=iri)
    return Response(body, status=409)


def _problem_from_drf(status: int, data, error) -> dict:
    if isinstance(error, exceptions.ParseError):
        return problem(status, str(error.detail), slug="malformed-request")
    if status == 400 and not (isinstance(data, Mapping) and set(data) == {"detail"}):
        errors = _field_errors(data)
        return problem(status, _validation_detail(errors), errors=errors)
    if isinstance(data, Mapping) and "detail" in data:
        detail = str(data["detail"])
        if status == 403 and detail.startswith("CSRF Failed"):
            # DRF's own check for session writes: the same problem as Django's.
            return problem(status, detail, slug="csrf-failed")
    else:
        detail = _validation_detail(_field_errors(data))
    extra = {}
    if isinstance(error, exceptions.Throttled) and error.wait is not None:
        extra["retry_after"] = int(error.wait)
    # An exception of the API's own may name its problem type (`problem_slug`).
    return problem(status, detail, slug=getattr(error, "problem_slug", None), **extra)


# Django-level errors: an unknown URL, a crash, a refused body, a failed CSRF check. Under
# /api/ they are problem details like every other API error; elsewhere Django's pages.


def is_api_request(request) -> bool:
    """Whether the request is for the API, whose errors are problem details, never HTML."""
    return request.path.startswith(API_PREFIX)


# A Host header the site is not served under: said as such, else "could not be read" sends
# a client looking for a fault in its body (and Django's own words name a setting).
WRONG_HOST = (
    "This site does not answer to the host name the request was sent to (its Host header): "
    "use the site's own address."
)


def bad_request(request, exception, template_name=defaults.ERROR_400_TEMPLATE_NAME):
    """handler400: 413 for a body over the limit, 400 for other refused input."""
    if not is_api_request(request):
        # Django renders its 400 page without the request; ours names the size limit and
        # carries the site's header, so it is rendered here.
        too_large = isinstance(exception, RequestDataTooBig)
        context = {
            "too_large": too_large,
            "limit_mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024),
        }
        return render(request, template_name, context, status=413 if too_large else 400)
    if isinstance(exception, RequestDataTooBig):
        return problem_response(413, "The request body is too large.")
    if isinstance(exception, DisallowedHost):
        return problem_response(400, WRONG_HOST, slug="malformed-request")
    return problem_response(400, "The request could not be read.", slug="malformed-request")


def permission_denied(request, exception, template_name=defaults.ERROR_403_TEMPLATE_NAME):
    """handler403."""
    if not is_api_request(request):
        return defaults.permission_denied(request, exception, template_name)
    return problem_response(403, str(exception) or "You may not do this.")


def page_not_found(request, exception, template_name=defaults.ERROR_404_TEMPLATE_NAME):
    """handler404: an unknown URL under /api/ names the path it did not find."""
    if not is_api_request(request):
        return defaults.page_not_found(request, exception, template_name)
    return problem_response(404, _nothing_at(request))


def _nothing_at(request) -> str:
    return f"Nothing at {request.path}; the endpoints are listed at {reverse('v1:docs')}."


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: never a stack trace, never an HTML page under /api/."""
    if not is_api_request(request):
        return defaults.server_error(request, template_name)
    return problem_response(500, "The server failed to answer this request; it has been logged.")


def csrf_failure(request, reason="", template_name=csrf.CSRF_FAILURE_TEMPLATE_NAME):
    """CSRF_FAILURE_VIEW: a signed-in browser's write without its CSRF token."""
    if _stale_sign_out(request):
        # The sign-out form of a page opened before a sign-in in another tab (as the site
        # advises after a session expired) carries the token that sign-in replaced: the
        # person was told the form had expired and stayed signed in (trial G19). The
        # browser itself says the form was sent from this site, which is what the token
        # proves; a sign-out from elsewhere still fails.
        logout(request)
        response = redirect(settings.LOGOUT_REDIRECT_URL)
        response["Clear-Site-Data"] = '"storage"'
        return response
    if not is_api_request(request):
        # The page the form was on, to go back to and copy the typing from: only this site's.
        referer = request.headers.get("Referer", "")
        back = (
            referer
            if url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            else ""
        )
        return render(request, template_name, {"back": back}, status=403)
    return problem_response(403, f"CSRF check failed: {reason}", slug="csrf-failed")


def _stale_sign_out(request) -> bool:
    """A sign-out POSTed by a page of this site (Sec-Fetch-Site, which pages cannot set)."""
    return (
        request.method == "POST"
        and request.path == reverse("logout")
        and request.headers.get("Sec-Fetch-Site") == "same-origin"
    )


def _generic_detail(response) -> str:
    if response.status_code == 405 and "Allow" in response:
        return f"Allowed here: {response['Allow']}."
    slug = _SLUG_FOR_STATUS.get(response.status_code, "")
    return PROBLEMS[slug][0] if slug else "The request failed."


class ProblemDetailsMiddleware:
    """Answer any other error response under /api/ as problem details.

    Exceptions go through the handlers above; this catches the error responses Django
    returns without raising (405 from `require_http_methods`, a bare 400), so that no
    client of the API ever has to parse an HTML page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api_request(request)
            and not response.get("Content-Type", "").startswith((CONTENT_TYPE, "application/json"))
        ):
            detail = _generic_detail(response)
            if response.status_code == 404:
                # With DEBUG on (as `make run` starts), Django answers an unknown address
                # with its own page, not handler404: the same words as without.
                detail = _nothing_at(request)
            if response.status_code == 400 and not _host_allowed(request):
                # With DEBUG on, Django answers a wrong Host with its own page, not handler400.
                detail = WRONG_HOST
            converted = problem_response(response.status_code, detail)
            # And what CORS said (a page on another site must be able to read why), and
            # what the answer varies with.
            for header in (
                "Allow", "Retry-After", "WWW-Authenticate", "Cache-Control", "Vary",
                "Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
            ):  # fmt: skip
                if header in response:
                    converted[header] = response[header]
            return converted
        return response


def _host_allowed(request) -> bool:
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


class MissingSlashMiddleware:
    """Send an API address that lacks its trailing slash to the one with it, by a 308.

    Django's own slash redirect (CommonMiddleware) is a 301, which clients follow with a
    GET, losing a POST's body; with DEBUG on it raises for a write. A 308 keeps the method
    and the body, and a client's library follows it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            is_api_request(request)
            and not path.endswith("/")
            and not _resolves(path, getattr(request, "urlconf", None))
            and _resolves(path + "/", getattr(request, "urlconf", None))
        ):
            location = request.get_full_path(force_append_slash=True)
            response = JsonResponse(
                {"detail": f"This address ends with a slash: {location}", "location": location},
                status=308,
            )
            response["Location"] = location
            return response
        return self.get_response(request)


class LengthRequiredMiddleware:
    """Answer an API write whose body comes in chunks, with no Content-Length, by a 411.

    WSGI hands Django such a body with no length, and Django reads it as empty: a valid
    article came back as "title: This field is required", sending the client to look for
    a fault in its fields rather than its transport (API trial D3). Clients that stream a
    body (a generator in httpx, a stream in fetch) send it this way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            is_api_request(request)
            and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
            and not request.META.get("CONTENT_LENGTH")
        ):
            return problem_response(
                411,
                "This request's body was sent in chunks, with no Content-Length: send it "
                "whole, with a Content-Length header.",
            )
        return self.get_response(request)


def _resolves(path: str, urlconf) -> bool:
    try:
        resolve(path, urlconf)
    except Resolver404:
        return False
    return True


@extend_schema(
    tags=["Errors"],
    summary="What a problem type URI means",
    responses={
        200: inline_serializer(
            "ProblemType",
            {
                "type": serializers.CharField(),
                "title": serializers.CharField(),
                "status": serializers.IntegerField(),
            },
        ),
        **problem_responses(404),
    },
)
@api_view(["GET", "HEAD"])
@authentication_classes([])
@permission_classes([AllowAny])
def problem_type(request, slug: str):
    """What a problem `type` URI means: its title and the status it comes with."""
    if slug not in PROBLEMS:
        raise exceptions.NotFound(f"No problem type {slug!r}.")
    title, status = PROBLEMS[slug]
    return Response({"type": problem_type_uri(slug), "title": title, "status": status})
