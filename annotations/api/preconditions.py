"""Optimistic concurrency for claims: the If-Match header (or a `version` field), 428 and 412."""

import re

from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions

IF_MATCH_HEADER = OpenApiParameter(
    name="If-Match",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description=(
        'The claim\'s version as you read it (its ETag, e.g. `"3"`). Required unless the body '
        "has a `version` field: without either the answer is 428. If the claim changed since: "
        "field edits (PATCH) are merged with the others' changes, or answer 409 "
        "`edit-conflict` when someone changed the same field; adding or editing a source is "
        "merged; a transition, a delete or a re-attachment answers 412 with the current "
        "working copy."
    ),
)

_IF_MATCH = re.compile(r'(?:W/)?"?([0-9]{1,10})"?', re.ASCII)


class PreconditionRequired(exceptions.APIException):
    """428: a write to a claim must say which version of it the client saw."""

    status_code = 428
    default_detail = (
        "Say which version of the claim you are changing: send the If-Match header with the "
        'version number you read (the claim\'s `version`, also its ETag) or a "version" '
        "field. Without it, your change could silently overwrite someone else's."
    )
    default_code = "precondition_required"


def expected_version(request, data) -> int:
    """The version the client opened: `If-Match: "3"` or a `version` field.

    Every write to a claim calls this: without either, the answer is 428 Precondition
    Required, so that no client can overwrite a change it has not seen.
    """
    header = request.headers.get("If-Match", "").strip()
    version = data.get("version")
    if header:
        match = _IF_MATCH.fullmatch(header)
        if match is None:
            # `*` and lists are HTTP's, and name no one version: the change is merged with
            # what others changed since the version read, so that one must be named.
            raise exceptions.ValidationError(
                {
                    "If-Match": [
                        "Expected the one version of the claim you read, as its ETag gives "
                        'it (e.g. "3"): a change is merged with what others changed since, '
                        "so `*` or a list of versions cannot stand for it."
                    ]
                }
            )
        said = int(match.group(1))
        # Two answers to one question: neither is taken over the other without a word.
        if version is not None and version != said:
            raise exceptions.ValidationError(
                {"version": [f"If-Match says version {said} and the body {version}: send one."]}
            )
        return said
    if version is None:
        raise PreconditionRequired()
    return version
