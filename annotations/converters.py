"""URL converters: ids that fit the database, so an absurd id is a 404 and never a crash."""

from django.urls import register_converter


class RowId:
    """A positive row id of at most 18 digits: below 2**63, what SQLite and PostgreSQL store.

    Django's `int` converter accepts any number of digits, and a 20-digit id then fails
    inside the database driver instead of matching nothing. Nor does it take leading zeros:
    /annotations/00001 answered as /annotations/1, one annotation at many addresses.
    """

    regex = "[1-9][0-9]{0,17}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


# Registered once, on first import by the URL modules that use it.
register_converter(RowId, "row_id")
