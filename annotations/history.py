"""Pure: a claim event's changes made compact, long texts summarised instead of copied."""

import hashlib

# Texts up to this many characters are kept whole in history; longer ones (a conclusion,
# a quote) are summarised, so two edits of a 20,000-character conclusion store about a
# kilobyte instead of 60,000 characters.
LONG_TEXT = 300
# Characters of a long text's changed passage kept in its summary.
EXCERPT = 200


def compact(changes: dict) -> dict:
    """Return `changes` with every long text replaced by a summary; other values unchanged.

    A `[old, new]` pair of texts where either is long becomes a pair of summaries that
    locate and show the passage that changed; a single long text becomes a summary.
    """
    result = {}
    for name, value in changes.items():
        if _is_text_pair(value) and max(len(value[0]), len(value[1])) > LONG_TEXT:
            result[name] = text_change(value[0], value[1])
        elif isinstance(value, str) and len(value) > LONG_TEXT:
            result[name] = summary(value)
        else:
            result[name] = value
    return result


def text_change(old: str, new: str) -> list[dict]:
    """Summaries of `old` and `new` that show where they differ: `[before, after]`.

    Each summary gives the text's length and SHA-256, the offset `at` where the two first
    differ, and up to EXCERPT characters of the passage that differs (`changed`) with that
    passage's full length.
    """
    prefix = _common_prefix_length(old, new)
    limit = min(len(old), len(new)) - prefix
    suffix = _common_prefix_length(old[::-1], new[::-1], limit)
    return [
        summary(old, at=prefix, changed=old[prefix : len(old) - suffix]),
        summary(new, at=prefix, changed=new[prefix : len(new) - suffix]),
    ]


def summary(text: str, *, at: int = 0, changed: str | None = None) -> dict:
    """A short stand-in for `text`: its length, SHA-256 and an excerpt from offset `at`."""
    passage = text if changed is None else changed
    excerpt = passage[:EXCERPT] + ("…" if len(passage) > EXCERPT else "")
    return {
        "length": len(text),
        "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        "at": at,
        "changed": excerpt,
        "changed_length": len(passage),
    }


def _is_text_pair(value) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], str)
    )


def _common_prefix_length(a: str, b: str, limit: int | None = None) -> int:
    """Length of the longest common prefix, found by halving (each comparison runs in C)."""
    high = min(len(a), len(b)) if limit is None else min(limit, len(a), len(b))
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low
