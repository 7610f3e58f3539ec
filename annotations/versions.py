"""Pure: what readers see of a claim as a plain dict, and the words for how two of them differ."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

# What a reader sees, by snapshot key; the order is the order changes are told in.
_FIELD_NAMES = {
    "claim_reviewed": "wording",
    "claimant": "claimant",
    "claim_date": "claim date",
    "rating": "rating",
}
_SHORT = 60


def tag_key(tag: str) -> str:
    """The tag as the `tag=` filter matches it: in any case and any script ("Straße" and
    "STRASSE", "Économie" and "économie"), and in any Unicode spelling of one letter."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold())


# What a published version freezes of its rating, the fields readers' outputs read.
RATING_FIELDS = (
    "rating_label", "rating_value", "rating_colour", "rating_description",
    "rating_worst_value", "rating_best_value",
)  # fmt: skip


# What a published version freezes of its article, what readers are told of the page the
# claim appeared on: version field → article field.
ARTICLE_FIELDS = {
    "article_title": "title",
    "article_byline": "byline",
    "article_publisher": "publisher",
    "article_url": "canonical_url",
    "article_url_key": "url_key",
    "article_published_on": "published_on",
}
# The article's details as snapshots name them, in the order changes are told in.
_ARTICLE_NAMES = {
    "title": "article title",
    "byline": "article byline",
    "publisher": "article publisher",
    "canonical_url": "original article address",
    "published_on": "article date",
}


@dataclass(frozen=True)
class ShownArticle:
    """An article as a published version froze it, shaped like an `Article` for presenters.

    `language` is the article's own now: it says how its text, which readers see as it is
    now, is read; it is no verdict.
    """

    title: str
    byline: str
    publisher: str
    canonical_url: str
    published_on: dt.date | None
    language: str = ""


def article_fields(article) -> dict:
    """The `ARTICLE_FIELDS` of a version published on `article` now."""
    return {frozen: getattr(article, name) for frozen, name in ARTICLE_FIELDS.items()}


def details_read_the_same(old, new) -> bool:
    """Whether two values of an article detail read the same to everyone: equal, or text
    that differs only in its spacing (a no-break space retyped as an ordinary one)."""
    if isinstance(old, str) and isinstance(new, str):
        return " ".join(old.split()) == " ".join(new.split())
    return old == new


# The article's details as a sentence about the article names them.
DETAIL_WORDS = {
    "title": "title",
    "byline": "byline",
    "publisher": "publisher",
    "canonical_url": "original address",
    "published_on": "date",
}


def unpublished_details(article, shown: ShownArticle) -> list[str]:
    """The article's details that read otherwise now than readers were told (`shown`, whose
    fields bear the article's names), as `DETAIL_WORDS` names them."""
    return [word for word, _, _ in details_differences(article, shown)]


def details_differences(article, shown: ShownArticle) -> list[tuple[str, object, object]]:
    """(word, as readers were told, as it is now) for each detail of `unpublished_details`."""
    return [
        (word, getattr(shown, name), getattr(article, name))
        for name, word in DETAIL_WORDS.items()
        if not details_read_the_same(getattr(shown, name), getattr(article, name))
    ]


def shown_article(version, *, language: str = "") -> ShownArticle:
    """The article as `version` (a PublishedVersion, or a dict of its `ARTICLE_FIELDS`) froze it."""
    get = version.get if isinstance(version, dict) else functools.partial(getattr, version)
    return ShownArticle(
        title=get("article_title"),
        byline=get("article_byline"),
        publisher=get("article_publisher"),
        canonical_url=get("article_url"),
        published_on=get("article_published_on"),
        language=language,
    )


def _article_snapshot(details: dict) -> dict:
    published_on = details["published_on"]
    # Compared as they read (`details_read_the_same`): a title put back with other spacing
    # is no change to tell readers of ("changed from X to X").
    return {
        **{
            name: " ".join(details[name].split())
            for name in _ARTICLE_NAMES
            if name != "published_on"
        },
        "published_on": published_on.isoformat() if published_on else None,
    }


@dataclass(frozen=True)
class ShownScale:
    """The range of the scale a verdict was published on, as ClaimReview states it."""

    worst_value: int
    best_value: int


@dataclass(frozen=True)
class ShownRating:
    """A verdict as its published version froze it, shaped like a `Rating` for presenters.

    `pk` is the rating it was given (identity: filters, statistics); the rest is what readers
    were shown, whatever the scale says now. `position` is the rating's place on the scale
    today, for ordering only, when the caller knows it.
    """

    pk: int
    label: str
    value: int | None
    colour: str
    description: str
    scale: ShownScale
    position: int | None = None

    @property
    def key(self) -> str:
        """The name of its colour rule: the rating and the colour it was published with,
        so that a verdict kept in its old colour never takes the scale's new one."""
        return f"{self.pk}-{self.colour.lstrip('#').lower()}"


def rating_fields(rating) -> dict:
    """The `RATING_FIELDS` of a version given `rating` (a `Rating` with its scale), now."""
    return {
        "rating_label": rating.label,
        "rating_value": rating.value,
        "rating_colour": rating.colour,
        "rating_description": rating.description,
        "rating_worst_value": rating.scale.worst_value,
        "rating_best_value": rating.scale.best_value,
    }


def shown_rating(version, *, position: int | None = None) -> ShownRating:
    """The frozen verdict of `version`: a PublishedVersion, or a row with its `rating_id`
    and `RATING_FIELDS` as attributes or (a dict) keys."""
    get = version.get if isinstance(version, dict) else functools.partial(getattr, version)
    return ShownRating(
        pk=get("rating_id"),
        label=get("rating_label"),
        value=get("rating_value"),
        colour=get("rating_colour"),
        description=get("rating_description"),
        scale=ShownScale(get("rating_worst_value"), get("rating_best_value")),
        position=position,
    )


def best_first(verdict: ShownRating) -> tuple:
    """A sort key putting verdicts best first, as they were published.

    Numeric verdicts come first, by their place between the worst and best values of the
    scale they were published on; then the others. Ties keep the scale's order (`position`).
    """
    scale = verdict.scale
    place = (
        (verdict.value - scale.worst_value) / (scale.best_value - scale.worst_value)
        if verdict.value is not None and scale.best_value != scale.worst_value
        else 0
    )
    return (
        verdict.value is None, -place, verdict.position is None, verdict.position or 0,
        verdict.label, verdict.colour,
    )  # fmt: skip


def claim_snapshot(claim) -> dict:
    """The reader-visible content of a claim's working copy (uses prefetched sources if any)."""
    return {
        "claim_reviewed": claim.claim_reviewed,
        "claimant": claim.claimant,
        "claim_date": claim.claim_date.isoformat() if claim.claim_date else None,
        "rating": claim.rating.label if claim.rating_id else None,
        "rating_id": claim.rating_id,
        # The rest of what readers see of the rating: a recoloured or revalued rating makes
        # the working copy differ from its published version, so that it can be republished.
        "rating_shown": _rating_shown(rating_fields(claim.rating)) if claim.rating_id else None,
        "conclusion": claim.conclusion,
        "tags": list(claim.tags),
        "sources": [source_snapshot(source) for source in claim.sources.all()],
        "exact": claim.exact,
        "start": claim.start,
        "end": claim.end,
        "revision": claim.revision.number,
        "article": _article_snapshot(
            {name: getattr(claim.article, name) for name in _ARTICLE_NAMES}
        ),
    }


def source_snapshot(source) -> dict:
    """A cited source as a published version freezes it."""
    return {
        "id": source.pk,
        "url": source.url,
        "title": source.title,
        "publisher": source.publisher,
        "quote": source.quote,
        "stance": source.stance,
    }


_WAYBACK_STAMP = re.compile(r"/web/(\d{14})")


def archive_moment(url: str) -> dt.datetime | None:
    """When an archive made its copy, if its address says (the Wayback Machine's does)."""
    match = _WAYBACK_STAMP.search(url)
    if match is None:
        return None
    try:
        return dt.datetime.strptime(match.group(1), "%Y%m%d%H%M%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def frozen_archive(archive_url: str, fetched_at: dt.datetime | None, now: dt.datetime) -> dict:
    """A copy as a published version keeps it: its address, and when it was made (as its
    address says, else when the page was fetched, else `now`)."""
    moment = archive_moment(archive_url) or fetched_at or now
    return {"url": archive_url, "at": moment.isoformat()}


def frozen_archives(sources, fetched: dict[int, dt.datetime], now: dt.datetime) -> dict:
    """The outside archive's copies of the cited `sources` (Source rows), as a version
    freezes them (`PublishedVersion.archives`); `fetched` is when each page was fetched."""
    return {
        str(source.pk): frozen_archive(source.archive_url, fetched.get(source.pk), now)
        for source in sources
        if source.archive_url
    }


def archive_links(archives: dict) -> dict[int, str]:
    """A version's frozen `archives` as the address of each copy, by source id."""
    return {int(pk): copy["url"] for pk, copy in (archives or {}).items() if copy.get("url")}


def version_snapshot(version) -> dict:
    """The content of a published version, in the same shape as `claim_snapshot`.

    Its words are read composed (NFC), as a claim's are stored: a version published before
    they were may hold "São" decomposed, which reads the same to everyone, yet compared as
    it is stored it was an unpublished change of every such claim, asking for a correction.
    """
    return {
        "claim_reviewed": _composed(version.claim_reviewed),
        "claimant": _composed(version.claimant),
        "claim_date": version.claim_date.isoformat() if version.claim_date else None,
        "rating": version.rating_label,
        "rating_id": version.rating_id,
        "rating_shown": _rating_shown({name: getattr(version, name) for name in RATING_FIELDS}),
        "conclusion": _composed(version.conclusion),
        "tags": [_composed(tag) for tag in version.tags],
        "sources": list(version.sources),
        "exact": version.exact,
        "start": version.start,
        "end": version.end,
        "revision": version.revision.number,
        "article": _article_snapshot(
            {name: getattr(version, frozen) for frozen, name in ARTICLE_FIELDS.items()}
        ),
    }


def _composed(text):
    return unicodedata.normalize("NFC", text) if isinstance(text, str) else text


def _rating_shown(fields: dict) -> list:
    return [fields[name] for name in RATING_FIELDS[1:]]


# An address is told whole, up to this length: cut, two addresses read alike.
_ADDRESS_MAX = 300


def _short(text: str | None, *, limit: int = _SHORT) -> str:
    """The text quoted, cut to `limit` characters at the end of a word where it has to be:
    "the mayor s…" would put a word in the newsroom's mouth that it never wrote."""
    if not text:
        return "none"
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return f"“{text}”"
    cut = text[: limit - 1]
    if not text[limit - 1].isspace() and " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return f"“{cut.rstrip(' ,;:')}…”"


def _told_apart(old: str | None, new: str | None, *, limit: int = _SHORT) -> tuple[str, str]:
    """Both values quoted as `_short` quotes them; when both are cut to the same words, each
    from a couple of words before where they differ, so that readers see the change
    ("…Spaces Session (updated)" rather than the same opening twice)."""
    first, second = _short(old, limit=limit), _short(new, limit=limit)
    if first != second or not old or not new:
        return first, second
    words = [" ".join(str(value).split()).split(" ") for value in (old, new)]
    same = 0
    while same < min(map(len, words)) and words[0][same] == words[1][same]:
        same += 1
    start = max(0, same - 2)
    tail = [_short(" ".join(value[start:]), limit=limit) for value in words]
    return tuple(f"“…{quoted[1:]}" if start else quoted for quoted in tail)


def _source_name(source: dict) -> str:
    return _short(source.get("title") or source.get("url"))


def same_verdict(before: dict, after: dict) -> bool:
    """Whether two snapshots give the same verdict: the same rating of the scale with the
    same value, whatever its label says now (snapshots written before ratings were
    identified in them say nothing, so their labels decide)."""
    if before.get("rating_id") is None or before.get("rating_id") != after.get("rating_id"):
        return False
    return (before.get("rating_shown") or [None])[0] == (after.get("rating_shown") or [None])[0]


def changes_between(before: dict, after: dict) -> list[str]:
    """What changed from snapshot `before` to `after`, as short phrases a reader understands.

    >>> changes_between({"rating": "Mostly true"}, {"rating": "Half true"})
    ['rating changed from Mostly true to Half true']
    """
    phrases = []
    for key, name in _FIELD_NAMES.items():
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == "rating" and old and new and same_verdict(before, after):
            # Only the scale's label was edited: the verdict is the same.
            phrases.append(f"rating renamed from {old} to {new}")
        elif key == "rating":
            phrases.append(f"rating changed from {old or 'none'} to {new or 'none'}")
        else:
            was, now = _told_apart(old, new)
            phrases.append(f"{name} changed from {was} to {now}")
    if before.get("conclusion") != after.get("conclusion"):
        phrases.append("conclusion revised")
    if before.get("tags", []) != after.get("tags", []):
        old_tags = ", ".join(before.get("tags", [])) or "none"
        new_tags = ", ".join(after.get("tags", [])) or "none"
        phrases.append(f"tags changed from {old_tags} to {new_tags}")
    phrases.extend(_source_changes(before.get("sources", []), after.get("sources", [])))
    phrases.extend(_article_changes(before.get("article"), after.get("article")))
    if before.get("exact") != after.get("exact"):
        phrases.append(
            f"attached to {_short(after.get('exact'))} instead of {_short(before.get('exact'))}"
        )
    elif before.get("revision") == after.get("revision") and (
        before.get("start"),
        before.get("end"),
    ) != (after.get("start"), after.get("end")):
        phrases.append(f"attached to another occurrence of {_short(after.get('exact'))}")
    return phrases


def _article_changes(before: dict | None, after: dict | None) -> list[str]:
    # Snapshots recorded before versions froze their article say nothing of it.
    if before is None or after is None:
        return []
    phrases = []
    for key, name in _ARTICLE_NAMES.items():
        old, new = before.get(key) or None, after.get(key) or None
        if old != new:
            limit = _ADDRESS_MAX if key == "canonical_url" else _SHORT
            was, now = _told_apart(old, new, limit=limit)
            phrases.append(f"{name} changed from {was} to {now}")
    return phrases


def _source_changes(before: list[dict], after: list[dict]) -> list[str]:
    old = {source.get("id"): source for source in before}
    new = {source.get("id"): source for source in after}
    phrases = []
    for key, source in new.items():
        if key not in old:
            phrases.append(f"source added: {_source_name(source)} ({source['stance']})")
            continue
        previous = old[key]
        if previous["stance"] != source["stance"]:
            phrases.append(
                f"source {_source_name(source)} changed from {previous['stance']} "
                f"to {source['stance']}"
            )
        fields = ("url", "title", "publisher", "quote")
        if any(previous.get(name) != source.get(name) for name in fields):
            phrases.append(f"source {_source_name(source)} edited")
    for key, source in old.items():
        if key not in new:
            phrases.append(f"source removed: {_source_name(source)}")
    return phrases


# Words that start a sentence but not a name: after "because" they read in lower case. Any
# other first word keeps its case ("because Twitter published…", "because The Guardian…").
_SENTENCE_STARTERS = frozenset(
    ["a", "an", "it", "its", "our", "their", "there", "these", "they", "this", "those", "we"]
)


# A note that opens by naming itself ("Retracted:", "Correction -").
_LABEL = re.compile(
    # A colon, a full stop before a space, or a dash with a space before it:
    # "Retraction-worthy errors" is no label.
    r"^(?:retracted|retraction|corrected|correction|updated?|republished)"
    r"(?::|\.(?=\s)|\s+[-\u2013\u2014]|[\u2013\u2014])\s*",
    re.IGNORECASE,
)


def because(note: str) -> str:
    """A public note as the reason in a line: "because the transcript was misattributed"."""
    # The note is the reviewer's own words: its case is kept, proper nouns included.
    note = " ".join(note.split())
    # A label the line says already: "retracted because Retracted: the figure…" (G16).
    note = _LABEL.sub("", note, count=1) or note
    first, _, rest = note.partition(" ")
    if first.lower() == "because":
        return f"{first} {isolated(rest)}"
    if first.lower() in _SENTENCE_STARTERS and first[:1].isupper() and not first[1:].isupper():
        note = f"{first.lower()} {rest}".rstrip()
    elif first == "The" and rest[:1].islower():
        # "because The transit survey …" read as a name; "The Guardian" is one, and stays.
        note = f"the {rest}"
    return f"because {isolated(note)}"


def isolated(text: str) -> str:
    """`text` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (U+2068, U+2069) when it
    holds right-to-left letters, as it is then read inside an English line.

    The line is plain text (in ClaimReview and the API as on the pages): without the isolate,
    the note's closing punctuation and the words after it joined its right-to-left run and
    were laid out on the wrong side. Left-to-right text is left as it is.
    """
    if any(unicodedata.bidirectional(char) in ("R", "AL") for char in text):
        return f"\u2068{text}\u2069"
    return text


def day(moment: dt.datetime | dt.date) -> str:
    """A date as readers see it on a correction: 3 Dec 2026."""
    return f"{moment.day} {moment:%b %Y}"


def correction_line(*, kind: str, when: dt.date, note: str, changes: list[str]) -> str:
    """The public line of a correction or retraction: "3 Dec 2026: rating changed … because …"."""
    if not note:
        return ""
    summary = "retracted" if kind == "retracted" else "; ".join(changes) or "republished"
    # Reviewers copy the documented form ("3 Dec 2026: …"); the line gives the date itself.
    note = note.strip().removeprefix(f"{day(when)}:").strip() or note
    if changes and note.casefold().startswith(changes[0].casefold()):
        # The reviewer wrote the whole line, changes included: keep their words, once.
        return f"{day(when)}: {isolated(note)}"
    return f"{day(when)}: {summary} {because(note)}"


def public_history(entries: list[dict]) -> list[dict]:
    """Each published version, oldest first, with what changed and the public correction line.

    `entries` are dicts with `number`, `kind`, `published_at` (a date or datetime),
    `correction_note`, `snapshot` (as made by `version_snapshot`) and optionally the
    version's `conclusion_html`, passed through.
    """
    history = []
    previous = None
    for entry in sorted(entries, key=lambda e: e["number"]):
        changes = (
            []
            if previous is None or entry["kind"] == "retracted"
            else changes_between(previous["snapshot"], entry["snapshot"])
        )
        history.append(
            {
                "number": entry["number"],
                "kind": entry["kind"],
                "published_at": entry["published_at"],
                "changes": changes,
                "correction_note": entry["correction_note"],
                "correction": correction_line(
                    kind=entry["kind"],
                    when=entry["published_at"],
                    note=entry["correction_note"],
                    changes=changes,
                ),
                "rating": entry["snapshot"]["rating"],
                "conclusion_html": entry.get("conclusion_html", ""),
            }
        )
        previous = entry
    return history
