"""API pagination: public cursors stable under new rows, newsroom page numbers; both strict."""

import base64
import binascii
from urllib.parse import parse_qs, urlencode

from django.utils.dateparse import parse_datetime
from rest_framework import exceptions
from rest_framework.pagination import Cursor, CursorPagination, PageNumberPagination
from rest_framework.utils.urls import replace_query_param

MAX_PAGE_SIZE = 100


def _from_one(parameters: list[dict], *names: str) -> list[dict]:
    """`parameters` with the named ones documented as starting at 1, as they are checked:
    a client generated from the schema would else send 0 and be refused."""
    for parameter in parameters:
        if parameter["name"] in names and parameter["schema"].get("type") == "integer":
            parameter["schema"] = {**parameter["schema"], "minimum": 1}
    return parameters


class PublicCursorPagination(CursorPagination):
    """Opaque `cursor` links, `page_size` up to 100; the view names its orderings.

    A view sets `orderings` ({"value of ?ordering=": (field, tie-breaker)}) and
    `default_ordering`. The cursor holds the first field's value, so rows inserted before
    it (newer claims, when walking newest first) never shift the pages that follow.
    """

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = f"Items per page, 1 to {MAX_PAGE_SIZE} (default 50)."
    max_page_size = MAX_PAGE_SIZE
    cursor_query_description = "Where the page starts: take it from `next` or `previous`."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = _from_one(
            super().get_schema_operation_parameters(view), self.page_size_query_param
        )
        # A list whose filters do not take `ordering` themselves (the claims' do) documents
        # the orderings it has here.
        filterset = getattr(view, "filterset_class", None)
        if getattr(view, "orderings", None) and "ordering" not in getattr(
            filterset, "base_filters", {}
        ):
            parameters.append(
                {
                    "name": "ordering",
                    "required": False,
                    "in": "query",
                    "description": f"Order of the list (default {view.default_ordering}).",
                    "schema": {"type": "string", "enum": list(view.orderings)},
                }
            )
        return parameters

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get("ordering") or view.default_ordering
        if value not in view.orderings:
            raise exceptions.ValidationError(
                {"ordering": [f"One of: {', '.join(view.orderings)}."]}
            )
        self.ordering_name = value
        return view.orderings[value]

    # The cursor also names the ordering it was made in: sent with another `ordering`, its
    # position (a time, an id) would place the page by the wrong key, without a word.
    ORDERING_KEY = "s"

    def encode_cursor(self, cursor):
        tokens = {self.ORDERING_KEY: self.ordering_name}
        if cursor.offset:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        encoded = base64.b64encode(urlencode(tokens).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def _cursor_ordering(self, request) -> str | None:
        """The ordering the cursor sent was made in; None for a cursor that names none."""
        try:
            decoded = base64.b64decode(request.query_params[self.cursor_query_param]).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        return parse_qs(decoded).get(self.ORDERING_KEY, [None])[0]

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = None
            valid = False
        else:
            valid = cursor is None or self._position_is_valid(cursor.position)
            # A cursor this list gave always says where it is; one that decodes to nothing
            # ("%00", stray characters) would silently restart at the first page.
            sent = request.query_params.get(self.cursor_query_param)
            if sent and cursor == Cursor(offset=0, reverse=False, position=None):
                valid = False
            made_in = self._cursor_ordering(request) if sent else None
            if made_in is not None and made_in != self.ordering_name:
                raise exceptions.ValidationError(
                    {self.cursor_query_param: [
                        f"This cursor walks the list in `{made_in}` order, not "
                        f"`{self.ordering_name}`: follow `next` with the ordering it came with."
                    ]}
                )  # fmt: skip
        if not valid:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["Not a cursor this list gave: follow `next`."]}
            )
        return cursor

    def _position_is_valid(self, position: str | None) -> bool:
        if position is None:
            return True
        field = self.ordering[0].lstrip("-")
        if field.endswith("_at"):
            try:
                return parse_datetime(position) is not None
            except ValueError:
                return False
        if field == "id":
            # isdigit() alone takes "²" and other digits int() refuses; and an id fits 64 bits.
            return position.isascii() and position.isdigit() and len(position) < 19
        return True


class NewsroomPagePagination(PageNumberPagination):
    """Numbered pages for the newsroom lists; `?page=` that is no page number is a 400.

    DRF answers `?page=abc` with 404 "Invalid page", which reads as "this list is gone".
    A number past the last page stays a 404: the list is there, that page is not.
    """

    def get_schema_operation_parameters(self, view):
        return _from_one(super().get_schema_operation_parameters(view), self.page_query_param)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        numbered = raw is not None and raw.isascii() and raw.isdigit() and 0 < len(raw) < 10
        if raw is not None and raw not in self.last_page_strings and not (numbered and int(raw)):
            raise exceptions.ValidationError(
                {self.page_query_param: ["A page number from 1 (or `last`): follow `next`."]}
            )
        return super().paginate_queryset(queryset, request, view)
