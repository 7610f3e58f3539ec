"""Pure: grapheme-cluster boundaries (Unicode UAX #29, via `regex`'s \\X) in code points."""

import regex

_CLUSTER = regex.compile(r"\X")
# How far back to look for a place that is certainly a boundary before walking clusters.
_LOOKBACK = 1_000


class SplitCluster(ValueError):
    """A selection starts or ends inside a user-perceived character."""


def is_boundary(text: str, offset: int) -> bool:
    """Whether code-point `offset` falls between two grapheme clusters of `text` (or at an end)."""
    if offset <= 0 or offset >= len(text):
        return 0 <= offset <= len(text)
    at = _safe_start(text, offset)
    if at == offset:
        return True
    for cluster in _CLUSTER.finditer(text, at):
        if cluster.end() >= offset:
            return cluster.end() == offset
    return True


def cluster_at(text: str, offset: int) -> str:
    """The whole grapheme cluster that covers code point `offset` of `text`."""
    at = _safe_start(text, offset)
    for cluster in _CLUSTER.finditer(text, at):
        if cluster.end() > offset:
            return cluster.group()
    return ""


def require_whole_clusters(text: str, start: int, end: int) -> tuple[int, int]:
    """Return `(start, end)` if both fall on cluster boundaries; raise SplitCluster if not."""
    for name, offset in (("starts", start), ("ends", end)):
        if not is_boundary(text, offset):
            cluster = cluster_at(text, offset)
            raise SplitCluster(
                f"The selection {name} inside the character {cluster!r} "
                f"({' '.join(f'U+{ord(c):04X}' for c in cluster)}), which is written with "
                f"several code points: select it whole."
            )
    return start, end


def _safe_start(text: str, offset: int) -> int:
    """A boundary at or before `offset` from which clusters can be walked to it.

    Between two ASCII characters there is always a boundary (none of them extends, joins or
    pairs with a neighbour), except inside CR LF; so is the start of a line. Otherwise the
    walk starts at the beginning of the line or of the text.
    """
    line_start = text.rfind("\n", 0, offset) + 1
    for at in range(offset, max(line_start, offset - _LOOKBACK), -1):
        pair = text[at - 1 : at + 1]
        if pair.isascii() and pair != "\r\n":
            return at
    return line_start
