"""Times as every JSON answer writes them: ISO 8601 in UTC, with six digits of fraction."""

import datetime as dt


def timestamp(value: dt.datetime | None) -> str | None:
    """`value` in UTC with microseconds, as `updated_since` takes it:
    2026-12-01T10:00:00.500000Z. Always six digits, a whole second's too, so that the
    strings sort as the times do."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
