"""Request body parsers for the API: JSON bounded in size and depth before it is decoded."""

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.http import parse_header_parameters
from rest_framework import parsers
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.utils.json import strict_constant

# No request of this API nests deeper than a handful of levels (a claim's selectors are
# three); 32 leaves room for any honest client and keeps every later walk shallow.
MAX_DEPTH = 32

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST_PAIR = re.compile(r"\[\]|\{\}")


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int | None:
    """How deep the arrays and objects of JSON `text` nest, up to `limit + 1`.

    Returns None when the brackets do not pair up (the text is not JSON). Each pass of the
    loop removes one level of nesting with a regular expression, so even a body of a
    hundred thousand opening brackets is measured in C without recursion.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if re.search(r"[\[{]{" + str(limit + 1) + "}", brackets):
        # A run of openers longer than the limit: too deep, whatever follows.
        return limit + 1
    depth = 0
    while brackets:
        if depth > limit:
            return depth
        fewer = _INNERMOST_PAIR.sub("", brackets)
        if fewer == brackets:
            return None
        brackets = fewer
        depth += 1
    return depth


def _object_without_repeated_names(pairs: list[tuple[str, object]]) -> dict:
    """An object whose names are each given once: `{"rating": 1, "rating": 2}` reads as 2
    here and as 1 to other parsers, so what was meant is refused rather than guessed."""
    found = {}
    for name, value in pairs:
        if name in found:
            raise ValueError(f"the name {json.dumps(name)} appears twice in one object")
        found[name] = value
    return found


# JSON between systems is UTF-8 (RFC 8259, section 8.1); "utf8" is a common spelling of it,
# and ASCII a part of it (G17).
_UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing oversized, deeply nested or non-Unicode bodies with a 4xx.

    The body may be at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 above, like Django's
    form parsing), nest at most MAX_DEPTH levels, name no member of an object twice, and
    hold no unpaired surrogate escape (which no database can store as text). A charset
    other than UTF-8 declared in its Content-Type is a 415.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        """Return the decoded JSON value of the request body, or raise ParseError (400)."""
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        declared = parse_header_parameters(media_type or "")[1].get("charset")
        if declared is not None and declared.strip().lower() not in _UTF8_NAMES:
            # Decoded as latin-1, "São" sent as UTF-8 would be stored as "SÃ£o" in silence.
            raise UnsupportedMediaType(
                media_type, detail=f"JSON is read as UTF-8 only, not as {declared}."
            )
        if declared is not None:
            encoding = "utf-8"  # whichever name it was given
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("The request body is too large.")
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(f"JSON parse error - the body is not valid {encoding}.") from None
        depth = nesting_depth(text)
        if depth is None:
            raise ParseError("JSON parse error - brackets do not pair up.")
        if depth > MAX_DEPTH:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        parse_constant = strict_constant if self.strict else None
        try:
            data = json.loads(
                text,
                parse_constant=parse_constant,
                object_pairs_hook=_object_without_repeated_names,
            )
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - a string holds an unpaired surrogate.") from None
        return data
