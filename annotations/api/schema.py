"""OpenAPI generation: tags, security schemes, examples, and the errors each operation can give."""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter
from knox.auth import TokenAuthentication
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny

from annotations.api import examples

API_PREFIX = "/api/v1/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

# The first path segments after /api/v1/ -> the tag grouping those operations in the docs.
# Most specific first; the tags and their descriptions are SPECTACULAR_SETTINGS["TAGS"].
PATH_TAGS = (
    ("newsroom/organizations/", "Newsroom: exports"),
    ("newsroom/articles/", "Newsroom: articles"),
    ("newsroom/claims/", "Newsroom: claims"),
    ("newsroom/", "Newsroom"),
    ("claimreview/", "ClaimReview"),
    ("claims/", "Published fact-checks"),
    ("articles/", "Published fact-checks"),
    ("organizations/", "Organizations"),
    ("problems/", "Errors"),
)

# Example details for the problems added below; an example shows the shape, not every case.
_EXAMPLE_DETAILS = {
    400: ("The request is invalid.", {"errors": {"field": ["This field is required."]}}),
    401: ("Authentication credentials were not provided.", {}),
    403: ("You do not have permission to perform this action.", {}),
    404: ("Not found.", {}),
    413: ("The request body is too large.", {}),
    415: ('Unsupported media type "text/plain" in request.', {}),
    429: ("Request was throttled. Expected available in 42 seconds.", {"retry_after": 42}),
}
_DESCRIPTIONS = {
    400: "Invalid input: `errors` names each field at fault. Nothing was stored.",
    401: "No valid credentials: a missing, unknown, expired or revoked token.",
    403: "Not allowed: not a member, a read-only token, or a failed CSRF check.",
    404: "No such resource, or not one you may see; or no such page.",
    413: "The request body is over the size limit.",
    415: "The request body's media type is not accepted here.",
    429: "Too many requests: wait `Retry-After` seconds.",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the errors every operation can answer, as problem details.

    Views declare their successes and their own errors (412, 428...); the errors that follow
    from the view's shape (authentication, permissions, path parameters, bodies, throttles)
    are added here once, so that no operation forgets one. Every error response is
    `application/problem+json`, as `errors.api_exception_handler` answers them. Examples
    come from `examples.OPERATIONS` where a view has none. Read-only fields built from a
    model say what the column allows: null, or "" for a URL.
    """

    def get_tags(self) -> list[str]:
        path = self.path.removeprefix(API_PREFIX)
        if not path:
            return ["About"]
        # Member-only endpoints that sit beside a public resource's path.
        if path.endswith("/evidence/") or "/evidence/items/" in path:
            return ["Newsroom: evidence"]
        if "/suggestions/" in path:
            return ["Newsroom: suggestions"]
        for prefix, tag in PATH_TAGS:
            if path.startswith(prefix):
                return [tag]
        return super().get_tags()

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if getattr(field, "read_only", False) and not meta.get("nullable"):
            model_field = _model_field(field)
            if model_field is not None and model_field.null:
                meta["nullable"] = True
        return meta

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if isinstance(field, serializers.URLField) and _may_be_blank(field):
            # "" is a valid value of a URL that may be left blank, but not a "uri".
            schema.pop("format", None)

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self._problem_statuses(operation):
            responses.setdefault(str(status), self._problem_response(status))
        for code, response in responses.items():
            if not (code.isdigit() and int(code) >= 400):
                continue
            # Errors are problem details whatever media type the view renders otherwise,
            # and have a body even where a view declared only a description.
            if response.get("content"):
                response["content"] = {
                    PROBLEM_CONTENT_TYPE: next(iter(response["content"].values()))
                }
            else:
                response["content"] = self._problem_content(int(code))
        self._add_examples(operation)
        self._add_format_parameter(operation)
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _add_format_parameter(self, operation: dict) -> None:
        """`?format=` on a JSON read: the same choice as `Accept`, for clients (and links)
        that cannot set headers. Only formats whose media type the answer documents are
        listed; a view that writes its own bytes, as the exports do, ignores it and gets
        none."""
        if self.method not in ("GET", "HEAD"):
            return
        success = operation["responses"].get("200", {}).get("content", {})
        renderers = self.view.get_renderers()
        formats = sorted({r.format for r in renderers if r.media_type in success})
        parameters = operation.setdefault("parameters", [])
        if not formats or any(p["name"] == "format" for p in parameters):
            return
        parameters.append(
            {
                "in": "query",
                "name": "format",
                "schema": {"type": "string", "enum": formats},
                "description": "The answer's format, instead of `Accept`; another is a 400.",
            }
        )

    def _add_examples(self, operation: dict) -> None:
        """Examples from `examples.OPERATIONS` where the view gave none; problems for errors."""
        wanted = examples.OPERATIONS.get((self.method, self.path), {})
        for media_type, body in operation.get("requestBody", {}).get("content", {}).items():
            if "json" in media_type and wanted.get("requests") and "examples" not in body:
                body["examples"] = {
                    name: {"value": value} for name, value in wanted["requests"].items()
                }
        answers = wanted.get("responses", {})
        for code, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                if "examples" in media or "example" in media:
                    continue
                if code.isdigit() and int(code) in answers:
                    media["examples"] = {"Example": {"value": answers[int(code)]}}
                elif code.isdigit() and int(code) >= 400:
                    media["examples"] = self._problem_content(int(code))[PROBLEM_CONTENT_TYPE][
                        "examples"
                    ]

    def _problem_statuses(self, operation: dict) -> list[int]:
        view = self.view
        statuses = []
        parameters = operation.get("parameters", [])
        # A write parses a body even where none is documented: it can be malformed.
        has_body = "requestBody" in operation or self.method in ("POST", "PUT", "PATCH")
        if has_body or any(parameter["in"] == "query" for parameter in parameters):
            statuses.append(400)
        authenticators = view.get_authenticators()
        restricted = not all(isinstance(p, AllowAny) for p in view.get_permissions())
        if authenticators and (restricted or _reads_tokens(authenticators)):
            # DRF answers 401 when the first authenticator names a challenge, else 403.
            statuses.append(401 if authenticators[0].authenticate_header(view.request) else 403)
        if restricted or (has_body and authenticators):
            statuses.append(403)
        # A page number past the last page is a 404 (one that is no number: 400).
        paginator = self._get_paginator()
        paginated = isinstance(paginator, PageNumberPagination)
        paginated = paginated and self._is_list_view()
        if any(parameter["in"] == "path" for parameter in parameters) or paginated:
            statuses.append(404)
        if has_body:
            statuses += [413, 415]
        if view.get_throttles():
            statuses.append(429)
        return statuses

    def _problem_content(self, status: int) -> dict:
        # Not at the top: errors.py defines a view, and DRF imports this schema class while
        # it decorates any view, so a module-level import would be circular.
        from annotations.api.errors import ProblemSerializer, problem

        detail, extra = _EXAMPLE_DETAILS.get(status, (HTTPStatus(status).phrase + ".", {}))
        return {
            PROBLEM_CONTENT_TYPE: {
                "schema": self.resolve_serializer(ProblemSerializer(), "response").ref,
                "examples": {"Problem": {"value": problem(status, detail, **extra)}},
            }
        }

    def _problem_response(self, status: int) -> dict:
        response = {"description": _DESCRIPTIONS[status], "content": self._problem_content(status)}
        if status == 429:
            response["headers"] = {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before the next request.",
                }
            }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "schema": {"type": "string"},
                    "description": "The scheme to authenticate with: `Token`.",
                }
            }
        return response


def _model_field(field):
    """The model field behind a serializer field of a ModelSerializer, or None.

    DRF leaves `allow_blank` and `allow_null` off the read-only fields it builds (and off
    read-only nested serializers), so the model column says what a response can contain.
    """
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


def _may_be_blank(field) -> bool:
    """Whether a serializer field may hold "": it allows blank, or its model field does."""
    model_field = _model_field(field)
    return field.allow_blank or bool(model_field and model_field.blank)


def _reads_tokens(authenticators) -> bool:
    """Whether a bad `Authorization` header can fail a request (401) that anyone may make."""
    return any(isinstance(authenticator, TokenAuthentication) for authenticator in authenticators)


class TokenScheme(OpenApiAuthenticationExtension):
    """API tokens (django-rest-knox, and the project's subclass with scopes)."""

    target_class = "knox.auth.TokenAuthentication"
    match_subclasses = True
    # Before drf-spectacular's own knox extension, which would name the scheme knoxApiToken.
    priority = 1
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "A token from your settings page, sent as `Authorization: Token <key>` "
                "(in the docs' Authorize dialog, type `Token ` before the key). A read token "
                "may only GET; a write token may also write. Tokens are accepted only in "
                "this header, never in the URL."
            ),
        }


class SessionScheme(OpenApiAuthenticationExtension):
    """The browser session of a signed-in member (the workspace's own calls)."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    match_subclasses = True
    priority = 1
    name = "session"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": (
                "The session cookie of a member signed in to this site. Writes also need the "
                "CSRF token in the `X-CSRFToken` header."
            ),
        }


def created_location(*statuses: int) -> OpenApiParameter:
    """The `Location` response header of an operation that makes a resource."""
    return OpenApiParameter(
        "Location",
        # A path on this host, as RFC 9110 allows: clients resolve it against the request.
        {"type": "string", "format": "uri-reference"},
        OpenApiParameter.HEADER,
        response=list(statuses),
        description="Where the new resource is: its API address, as a path on this host.",
    )
