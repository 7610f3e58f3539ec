"""The Idempotency-Key header: a create retried after its answer was lost is not done twice."""

# A client whose POST timed out cannot tell whether it was carried out. Sent again with the
# same `Idempotency-Key` (the IETF httpapi draft's header), it gets the first answer back,
# marked `Idempotent-Replayed: true`, and nothing is created a second time. Only answers
# that succeeded are kept: a refused or failed request is carried out afresh when retried.

from __future__ import annotations

import functools
import hashlib
import json

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.response import Response

from annotations import services
from annotations.models import ApiToken
from annotations.services import idempotency

HEADER = "Idempotency-Key"
# The answer's headers a replay repeats: where the new thing is, and its version.
KEPT_HEADERS = ("Location", "ETag")

IDEMPOTENCY_KEY_HEADER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=(
        "A key of your choice (a UUID), unique per request you mean, at most 255 printable "
        "ASCII characters. Sent again with the same request within 24 hours, the first "
        "answer is given again, with `Idempotent-Replayed: true`, and nothing is done twice. "
        "The same key with another request is a 422; sent while the first is still being "
        "answered, a 409."
    ),
)


class KeyInUse(exceptions.APIException):
    status_code = 409
    default_detail = (
        "A request with this Idempotency-Key is still being answered: send it again in a "
        "moment to get its answer."
    )
    default_code = problem_slug = "idempotency-key-in-use"


class KeyReused(exceptions.APIException):
    status_code = 422
    default_detail = (
        "This Idempotency-Key was sent before with another request: use a new key for each "
        "request you mean."
    )
    default_code = problem_slug = "idempotency-key-reused"


def idempotent(view_method):
    """Make a view's write answer a retry that carries the same Idempotency-Key with the
    first answer, instead of carrying it out again."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        if HEADER not in request.headers:
            return view_method(view, request, *args, **kwargs)
        key = _checked_key(request.headers[HEADER])
        try:
            record, fresh = services.idempotent_request_begin(
                actor=request.user,
                credential=_credential(request),
                key=key,
                fingerprint=_fingerprint(request),
            )
        except idempotency.KeyReused:
            raise KeyReused() from None
        except idempotency.KeyInUse:
            raise KeyInUse() from None
        if not fresh:
            return _replay(record)
        try:
            # The write and the answer kept for it commit together: a request that fails
            # after its write (while its answer is made) leaves neither, so its retry is
            # carried out once, rather than finding the key free and writing a second time.
            with transaction.atomic():
                response = view_method(view, request, *args, **kwargs)
                if 200 <= response.status_code < 300 and isinstance(response, Response):
                    services.idempotent_request_answered(
                        actor=request.user,
                        record=record,
                        status=response.status_code,
                        body=response.data,
                        headers={
                            name: response[name]
                            for name in KEPT_HEADERS
                            if response.has_header(name)
                        },
                    )
                    return response
        except BaseException:
            services.idempotent_request_abandon(actor=request.user, record=record)
            raise
        services.idempotent_request_abandon(actor=request.user, record=record)
        return response

    return wrapper


def _credential(request) -> str:
    """The session, or the token, the request came with: keys are each one's own."""
    token = request.auth if isinstance(request.auth, ApiToken) else None
    return f"token {token.pk}" if token is not None else "session"


def _checked_key(value: str) -> str:
    key = value.strip()
    if not key or len(key) > 255 or not (key.isascii() and key.isprintable()):
        raise exceptions.ValidationError(
            {HEADER: ["Send a key of 1 to 255 printable ASCII characters, e.g. a UUID."]}
        )
    return key


def _fingerprint(request) -> str:
    """The request as a digest: method, path, and the body as parsed (a file by its bytes)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    files = {}
    data = request.data
    if hasattr(data, "lists"):  # a form: each field's values
        fields = {name: values for name, values in data.lists() if name not in request.FILES}
    else:
        fields = data
    for name, upload in request.FILES.items():
        content = hashlib.sha256()
        for chunk in upload.chunks():
            content.update(chunk)
        upload.seek(0)
        files[name] = [upload.name, upload.size, content.hexdigest()]
    digest.update(json.dumps([fields, files], sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _replay(record) -> Response:
    response = Response(record.body, status=record.status)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response
