"""Pure: a claim event's changes made compact, and read back as sentences with word diffs."""

import datetime as dt
import difflib
import hashlib
import re

from annotations.timestamps import timestamp

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
        "sha256": _sha256(text),
        "at": at,
        "changed": excerpt,
        "changed_length": len(passage),
    }


def text_before(after: str, change) -> str | None:
    """The text a summarised change (`text_change`) started from, rebuilt from the text after
    it; None when the summary cut its changed passage short or the rebuild does not match.

    A conflict shows the value both editors started from; history keeps long texts only as
    summaries, but a change shorter than EXCERPT is enough to undo it exactly.
    """
    if not (isinstance(change, list | tuple) and len(change) == 2):
        return None
    old, new = change
    if not all(isinstance(part, dict) for part in (old, new)):
        return None
    if old.get("changed_length", EXCERPT + 1) > EXCERPT or new.get("sha256") != _sha256(after):
        return None
    at = new.get("at", 0)
    text = after[:at] + old.get("changed", "") + after[at + new.get("changed_length", 0) :]
    return text if _sha256(text) == old.get("sha256") else None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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


# Reading the history: sentences a newsroom reads, not a diff of field names.

FIELD_LABELS = {
    "claim_reviewed": "Wording",
    "claimant": "Claimant",
    "claim_date": "Claim date",
    "rating": "Rating",
    "conclusion": "Conclusion",
    "assignee": "Assignee",
    "tags": "Tags",
    "status": "Status",
    "review_note": "Review note",
    "note": "Note",
    "exact": "Passage",
    "title": "Title",
    "publisher": "Publisher",
    "quote": "Quote",
    "stance": "Stance",
    "url": "Address",
    "byline": "Byline",
    "canonical_url": "Original address",
    "published_on": "Article date",
}
# Fields whose changes are shown as an inline word difference.
TEXT_FIELDS = {"claim_reviewed", "conclusion", "claimant", "title", "quote", "review_note", "exact"}
STATUS_LABELS = {
    "draft": "Draft",
    "in_review": "In review",
    "published": "Published",
    "retracted": "Retracted",
}
STATUS_SENTENCES = {
    ("draft", "in_review"): "Sent to review",
    ("in_review", "draft"): "Taken back to draft",
    ("in_review", "published"): "Published",
    ("published", "in_review"): "Sent back to review",
    ("published", "retracted"): "Retracted",
    ("draft", "retracted"): "Retracted",
    ("in_review", "retracted"): "Retracted",
    ("retracted", "in_review"): "Sent to review again",
    ("published", "draft"): "Reopened as a draft of a correction",
}
# Words, whitespace and punctuation; a number with separators ("164,000", "3.5") is one word.
_WORDS = re.compile(r"\s+|\d+(?:[.,]\d+)+|\w+|[^\w\s]", re.UNICODE)
# Quoted passages in sentences are cut to this many characters.
QUOTE_CHARS = 80


def entry(event, *, actor: str, when: str) -> dict:
    """One history entry for the workspace: a sentence and the changes with their diffs.

    `event` has `id`, `action`, `changes` (as stored, compacted) and `created_at`;
    `actor` is who made it and `when` its local time as people read it ("2 Dec 10:14").
    """
    changes = event.changes if isinstance(event.changes, dict) else {}
    return {
        "id": event.id,
        "at": timestamp(event.created_at),
        "actor": actor,
        "action": event.action,
        "sentence": f"{_what(event.action, changes)} by {actor}, {when}",
        "changes": _field_changes(changes),
    }


def word_diff(old: str, new: str) -> list[list[str]]:
    """An inline difference of two texts by words: [["equal"|"insert"|"delete", text], ...]."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    result: list[list[str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            _append(result, "equal", "".join(a[a1:a2]))
            continue
        if tag in ("delete", "replace"):
            _append(result, "delete", "".join(a[a1:a2]))
        if tag in ("insert", "replace"):
            _append(result, "insert", "".join(b[b1:b2]))
    return result


def _append(result: list[list[str]], op: str, text: str) -> None:
    if not text:
        return
    if result and result[-1][0] == op:
        result[-1][1] += text
    else:
        result.append([op, text])


def _display(name: str, value) -> str:
    """A stored history value as people read it."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, dict) and "changed" in value:
        return ("…" if value.get("at") else "") + value["changed"] + "…"
    if name == "status":
        return STATUS_LABELS.get(value, str(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if name == "claim_date":
        try:
            return dt.date.fromisoformat(value).strftime("%-d %b %Y")
        except (TypeError, ValueError):
            return str(value)
    return " ".join(str(value).split())


def _quote(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > QUOTE_CHARS:
        text = text[: QUOTE_CHARS - 1] + "…"
    return f"“{text}”"


def _field_changes(changes: dict) -> list[dict]:
    result = []
    for name, value in changes.items():
        if name not in FIELD_LABELS or not (isinstance(value, list) and len(value) == 2):
            continue
        old, new = value
        item = {
            "field": name,
            "label": FIELD_LABELS[name],
            "old": _display(name, old),
            "new": _display(name, new),
        }
        if name in TEXT_FIELDS:
            if isinstance(old, dict) and isinstance(new, dict):
                item["diff"] = [
                    ["equal", "…"],
                    *word_diff(old.get("changed", ""), new.get("changed", "")),
                    ["equal", "…"],
                ]
            else:
                item["diff"] = word_diff(_plain(old), _plain(new))
        result.append(item)
    return result


def _plain(value) -> str:
    return value if isinstance(value, str) else ""


def _field_sentence(name: str, old, new, *, lower: bool = False) -> str:
    label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
    label = label.lower() if lower else label
    before, after = _display(name, old), _display(name, new)
    if name in ("conclusion", "review_note", "quote") or isinstance(new, dict):
        return f"{label} {'written' if not before else 'edited'}"
    if not before:
        return f"{label} set to {after}"
    if not after:
        return f"{label} cleared (was {before})"
    return f"{label} changed from {before} to {after}"


def _what(action: str, changes: dict) -> str:
    """What happened, as the start of a sentence."""
    if action == "created":
        exact = changes.get("exact")
        passage = exact.get("changed", "") if isinstance(exact, dict) else str(exact or "")
        return f"Claim made from {_quote(passage)}" if passage else "Claim made"
    if action == "status":
        status = changes.get("status") or ["", ""]
        what = STATUS_SENTENCES.get(
            tuple(status), f"Status changed to {_display('status', status[1])}"
        )
        if changes.get("published_version"):
            what += f" (version {changes['published_version']})"
        note = changes.get("note")
        if isinstance(note, str) and note:
            what += f" with the note {_quote(note)}"
        return what
    if action == "changes requested":
        note = changes.get("review_note")
        return "Changes requested" + (f": {_quote(note)}" if isinstance(note, str) else "")
    if action in ("source added", "source removed"):
        verb = "added" if action == "source added" else "removed"
        return f"Source {verb}: {changes.get('url', '')}"
    if action == "source updated":
        parts = [
            _field_sentence(name, *value, lower=True)
            for name, value in changes.items()
            if name != "source" and isinstance(value, list) and len(value) == 2
        ]
        return "Source changed: " + "; ".join(parts) if parts else "Source changed"
    if action in ("reattached", "reanchored"):
        if "orphaned" in changes:
            return f"Orphaned: {changes['orphaned']}"
        if "restored" in changes:
            return "Found again: the article's new text has its words again"
        exact = changes.get("exact")
        if isinstance(exact, list) and len(exact) == 2:
            new = exact[1].get("changed", "") if isinstance(exact[1], dict) else exact[1]
            verb = "Re-attached to" if action == "reattached" else "Moved with the text to"
            return f"{verb} {_quote(str(new))}"
        return "Moved with the article's new text"
    if action == "article details changed":
        parts = [
            _field_sentence(name, *value, lower=True)
            for name, value in changes.items()
            if name != "status" and isinstance(value, list) and len(value) == 2
        ]
        sentence = "Article details changed: " + "; ".join(parts)
        if "status" in changes:
            sentence += "; reopened as a draft of a correction"
        return sentence
    if action == "article details checked":
        details = changes.get("details")
        title = details.get("title") if isinstance(details, dict) else None
        return "Article's new details checked" + (f": {_quote(title)}" if title else "")
    if action == "updated":
        parts = [
            _field_sentence(name, *value)
            for name, value in changes.items()
            if name in FIELD_LABELS and name != "status" and isinstance(value, list)
        ]
        sentence = "; ".join(parts) or "Edited"
        if "status" in changes:
            sentence += "; reopened as a draft of a correction"
        return sentence
    return action.capitalize()
