"""Public reader pages: an article with its published verdicts, and each claim's permalink page.

Anyone may read them, signed in or not. They show published versions only (through
`queries`), are rendered on the server so they work without JavaScript, and are cacheable:
the same answer for everyone, with an ETag and Last-Modified drawn from what they show.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import heapq
import importlib
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from html import escape  # the standard one: Django's adds a lazy-string wrapper per call
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import http_date
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from annotations import anchoring, contrast, freshness, jsonld, queries, versions
from annotations.ingest.structure import CELL_SEPARATOR, blocks_of, carry, mark_table_runs
from annotations.ingest.text import paragraphs_of
from annotations.models import ArticleRevision, Source

# Seconds a shared cache (a CDN) may keep a page before asking again. Browsers ask each time
# (max-age=0), which costs a 304 when nothing changed: a reader who reloads an article
# after a retraction or correction must see it then, not minutes later.
SHARED_MAX_AGE = 60
# Everything the public pages are made with (these and `organization_pages`): part of
# every ETag, so a deploy that changes how a page looks renews its validators.
TEMPLATES = (
    "reader/base.html",
    "reader/article.html",
    "reader/claim.html",
    "reader/home.html",
    "reader/organization.html",
    "reader/corrections.html",
    "reader/methodology.html",
    "reader/_organization_meta.html",
    "reader/_organization_nav.html",
    "reader/_pager.html",
)
STATIC_FILES = ("css/reader.css", "css/reader-organization.css", "js/reader.js")
MODULES = (
    "annotations.reader",
    "annotations.organization_pages",
    "annotations.queries",
    "annotations.versions",
    "annotations.rendering",
)

# Languages written right to left (ISO 639 codes), and scripts that make any language so.
RTL_LANGUAGES = {
    "ar", "arc", "azb", "ckb", "dv", "fa", "he", "iw", "ks", "mzn", "nqo", "pnb", "ps", "sd",
    "syr", "ug", "ur", "yi",
}  # fmt: skip
RTL_SCRIPTS = {"arab", "hebr", "syrc", "thaa", "nkoo", "adlm", "rohg"}
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_STANCES = dict(Source.Stance.choices)
_BY = re.compile(r"by\s", re.IGNORECASE)


def interface_language() -> str:
    """The `lang` of the pages' own words (headings, labels, dates): the site's language."""
    return settings.LANGUAGE_CODE.split("-")[0]


def text_language(language: str) -> tuple[str, str]:
    """The `lang` and `dir` of text in `language` (a BCP 47 tag such as `ur` or `pa-Arab`).

    Given to the article's own words only (its title, byline, body and quoted passages): the
    page around them is in the interface's language and direction, whatever the article's.
    A value that is no language tag falls back to the site's language, left to right.
    """
    tag = (language or "").strip().replace("_", "-")
    if not _LANGUAGE_TAG.match(tag):
        return interface_language(), "ltr"
    primary, *subtags = tag.lower().split("-")
    script = next((sub for sub in subtags if len(sub) == 4 and sub.isalpha()), None)
    rtl = script in RTL_SCRIPTS if script is not None else primary in RTL_LANGUAGES
    return tag, "rtl" if rtl else "ltr"


def line_colour(colour: str) -> str:
    """The rating's colour for a line drawn on the page (a passage's underline): itself when
    it stands out from white by 3:1 (WCAG's measure for marks that carry meaning), else the
    same hue darkened until it does. A white or pale rating left its passages unmarked."""
    return _standing_out(colour, contrast.PAPER, towards="#000000")


def line_colour_on_dark(colour: str) -> str:
    """The rating's colour for a passage's underline on the dark page: itself when it stands
    out from it by 3:1, else the same hue lightened (mixed with white) until it does. A
    black or navy rating left its passages unmarked there."""
    return _standing_out(colour, contrast.DARK_PAPER, towards="#ffffff")


def _standing_out(colour: str, paper: str, *, towards: str) -> str:
    """`colour` moved in tenths towards `towards` (black or white) until it stands out from
    `paper` by 3:1; `towards` itself at the end."""
    for step in range(11):
        shade = contrast.mix(colour, 1 - step / 10, base=towards)
        if contrast.ratio(shade, paper) >= 3:
            return shade
    return towards


def scale_css(ratings) -> str:
    """One CSS rule per rating, `.r-<key>`, setting its colour, the text colour on it, and its
    underline's colour on the light page and on the dark one.

    A rating of the scale is keyed by its id; a published verdict (`versions.ShownRating`)
    by its `key`, the id and the colour it was published with, so that it keeps that colour
    beside the scale's own. Colours are validated hex (`Rating` has a check constraint), so
    nothing here needs escaping; the rules go into a `<style>` element allowed by its hash
    in the CSP.
    """
    rules = {
        f".r-{getattr(rating, 'key', rating.pk)}"
        f"{{--c:{rating.colour};--t:{contrast.best_text(rating.colour)};"
        f"--u:{line_colour(rating.colour)};--ud:{line_colour_on_dark(rating.colour)}}}": None
        for rating in ratings
    }
    return "".join(rules)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def json_ld(data: dict) -> SafeString:
    """A JSON-LD script element; `<`, `>` and `&` are escaped so the text cannot close it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308


# Highlights


@dataclass
class Entry:
    """One checked claim as the article page shows it: a highlight, a tag and a list entry."""

    number: int
    version: object
    start: int | None = None
    end: int | None = None
    history: list[dict] = field(default_factory=list)
    claim_id: int = field(init=False)
    first_published_at: dt.datetime | None = field(init=False)

    def __post_init__(self):
        # Read for every segment and tag: an attribute, not a property through the version.
        self.claim_id = self.version.claim_id
        # Version 1's time; a later version's is set from the claim's history.
        self.first_published_at = self.version.published_at

    @property
    def placed(self) -> bool:
        return self.start is not None


def _tag(entry: Entry) -> str:
    rating = entry.version.verdict
    # The name is given whole: read from the spans, screen readers also spoke the number's
    # separator dot and a pause around each hidden span ("Claim 1 · , rated True"). It holds
    # the visible "1 · True" in order, so that a voice-control user can say what they see.
    name = escape(f"Claim {entry.number}: {rating.label}")
    return (
        f'<a class="tag r-{rating.key}" id="tag-{entry.claim_id}" href="#claim-{entry.claim_id}" '
        f'data-claims="{entry.claim_id}" aria-label="{name}">'
        f'<span class="visually-hidden">Claim </span>'
        f'<span class="tag-number">{entry.number}</span><span class="visually-hidden">, rated'
        f'</span> <span class="tag-label">{escape(rating.label)}</span></a>'
    )


def highlighted_paragraphs(text: str, entries: list[Entry]) -> list[SafeString]:
    """The article's paragraphs as HTML, each placed claim's words wrapped in highlights.

    Overlapping claims cut the text into segments; each segment lists every claim that
    covers it (`data-claims`), links to the innermost one's entry and takes its colour.
    After a claim's last segment comes its tag: the number and the rating's label, so
    colour is never the only signal, and the link to the entry without JavaScript.

    One pass over the sorted cut points: the time grows with the text, the claims and the
    size of the HTML written, however the claims overlap.
    """
    placed = sorted((e for e in entries if e.placed), key=lambda e: (e.start, -e.end, e.number))
    bounds = []
    offset = 0
    for paragraph in paragraphs_of(text):
        bounds.append((offset, offset + len(paragraph)))
        offset += len(paragraph) + 2
    cuts = sorted(
        {0, len(text)}
        | {point for span in bounds for point in span}
        | {e.start for e in placed}
        | {e.end for e in placed}
    )
    html: list[SafeString] = []
    parts: list[str] = []
    # Covering claims in the order they opened, which is innermost last; and their ends.
    active: dict[int, Entry] = {}
    ends: list[tuple[int, int]] = []
    pending: list[Entry] = []  # claims that ended, their tags not yet written
    opening = ""  # the highlight's start tag for the claims now active
    waiting = iter(placed)
    upcoming = next(waiting, None)
    paragraph = 0

    def inside(point: int) -> bool:
        # Whether the piece that ends at `point` was in the open paragraph.
        return paragraph < len(bounds) and bounds[paragraph][0] < point <= bounds[paragraph][1]

    def highlight() -> str:
        if not active:
            return ""
        # The innermost claim opened last; of several on the very same words, the first.
        covering = list(active.values())
        inner = covering[-1]
        for entry in reversed(covering):
            if (entry.start, entry.end) != (inner.start, inner.end):
                break
            inner = entry
        ids = " ".join(str(e.claim_id) for e in sorted(covering, key=lambda e: e.number))
        multi = " hl-multi" if len(covering) > 1 else ""
        return (
            f'<a class="hl r-{inner.version.verdict.key}{multi}" href="#claim-{inner.claim_id}" '
            f'data-claims="{ids}" tabindex="-1">'
        )

    for a, b in itertools.pairwise(cuts):
        changed = False
        ended = []
        while ends and ends[0][0] <= a:
            ended.append(active.pop(heapq.heappop(ends)[1]))
        if ended:
            pending.extend(sorted(ended, key=lambda e: e.number))
            changed = True
        if pending and inside(a):
            parts.extend(_tag(e) for e in pending)
            pending = []
        while upcoming is not None and upcoming.start == a:
            active[upcoming.number] = upcoming
            heapq.heappush(ends, (upcoming.end, upcoming.number))
            upcoming = next(waiting, None)
            changed = True
        if changed:
            opening = highlight()
        while paragraph < len(bounds) and a >= bounds[paragraph][1]:
            html.append(mark_safe(f"{_PARAGRAPH_OPEN}{''.join(parts)}</p>"))  # noqa: S308
            parts = []
            paragraph += 1
        if paragraph >= len(bounds) or a < bounds[paragraph][0]:
            continue  # the blank line between two paragraphs
        # A claim that ended on the blank line gets its tag at the next words.
        parts.extend(_tag(e) for e in pending)
        pending = []
        words = escape(text[a:b])
        parts.append(f"{opening}{words}</a>" if opening else words)
    pending.extend(sorted(active.values(), key=lambda e: e.number))
    parts.extend(_tag(e) for e in pending)
    if paragraph < len(bounds):
        html.append(mark_safe(f"{_PARAGRAPH_OPEN}{''.join(parts)}</p>"))  # noqa: S308
    return html


# Each paragraph takes its direction from its own words: an Arabic quotation in an English
# article (or the reverse) keeps its full stop and its verdict label in place.
_PARAGRAPH_OPEN = '<p dir="auto">'


_BLOCK_TAGS = {"quote": "blockquote", "preformatted": "pre"}


def structured_paragraphs(text: str, structure, paragraphs: list[SafeString]) -> list[SafeString]:
    """The `<p>` paragraphs of `highlighted_paragraphs` as the blocks they are.

    Headings become h2-h4 under the page's h1, runs of list items one `<ul>` (numbered
    items one `<ol>`, each item showing its own number), quotes `<blockquote>`; table rows,
    code and figure captions keep their own look. The words, and so every highlight in
    them, are unchanged.
    """
    blocks = mark_table_runs(blocks_of(text, structure))
    if len(blocks) != len(paragraphs):
        return paragraphs
    corners = _corner_rows(blocks)
    html = []
    for number, (block, paragraph) in enumerate(zip(blocks, paragraphs, strict=True)):
        inner = paragraph[len(_PARAGRAPH_OPEN) : -len("</p>")]
        kind = block["kind"]
        if kind == "heading":
            level = min(max(block["level"], 1) + 1, 4)
            piece = f'<h{level} dir="auto">{inner}</h{level}>'
        elif kind == "list_item":
            tag = "ol" if block["number"] else "ul"
            before = number > 0 and _list_tag(blocks[number - 1]) == tag
            after = number + 1 < len(blocks) and _list_tag(blocks[number + 1]) == tag
            value = f' value="{block["number"]}"' if block["number"] else ""
            # A nested list's items are set in by their depth (the lists are not nested).
            nested = f' class="level-{block["level"]}"' if block["level"] > 1 else ""
            piece = (
                f'{"" if before else f"<{tag}>"}<li dir="auto"{nested}{value}>{inner}</li>'
                f"{'' if after else f'</{tag}>'}"
            )
        elif kind in _BLOCK_TAGS:
            piece = f'<{_BLOCK_TAGS[kind]} dir="auto">{inner}</{_BLOCK_TAGS[kind]}>'
        elif kind == "table_row":
            blanks = block["blank_cells"]
            if number in corners:  # an empty corner first, and the row's own blanks after it
                blanks = (0, *(column + 1 for column in blanks))
            # Each run of rows in a box of its own, which scrolls when the table is wider.
            opening = '<div class="table-scroll">' if block["opens_table"] else ""
            closing = "</div>" if block["closes_table"] else ""
            row = f'<p class="table-row" dir="auto">{_table_cells(inner, blanks)}</p>'
            piece = f"{opening}{row}{closing}"
        elif kind == "caption":
            piece = f'<p class="caption" dir="auto">{inner}</p>'
        else:
            piece = paragraph
        html.append(mark_safe(piece))  # noqa: S308 - the words were escaped already
    return html


# Imports join a table row's cells with CELL_SEPARATOR in the text, where quotes and offsets
# count them; a row is drawn as cells, the separator kept in its cell, hidden.
_TAG = re.compile(r"(<[^>]*>)")


def _corner_rows(blocks: list[dict]) -> set[int]:
    """The first rows of tables that lack their top-left cell: imports before blank cells
    were kept left empty cells out, and a header row over row labels ("| 2023 | 2024" over
    "Spending | 80 | 100") would put each year over the column before its own. Those rows
    get an empty cell first."""
    corners, run = set(), []
    for number, block in enumerate([*blocks, {"kind": ""}]):
        if block["kind"] == "table_row":
            run.append(number)
            continue
        if len(run) > 1:
            widths = [
                blocks[row]["text"].count(CELL_SEPARATOR) + 1 + len(blocks[row]["blank_cells"])
                for row in run
            ]
            if widths[0] == max(widths[1:]) - 1 == min(widths[1:]) - 1:
                corners.add(run[0])
        run = []
    return corners


def _table_cells(inner: str, blanks=()) -> str:
    """A highlighted table row's HTML as one cell per column, every highlight kept.

    The row is cut at each separator that lies in the article's words (not inside a
    verdict label); a highlight running across a cell's edge is closed there and opened
    again in the next cell, so the HTML stays well formed and both halves stay linked.
    An empty cell stands at each column of `blanks` (the cells the text leaves out).
    """
    cells, cell, stack = [], [], []  # stack: the tags open at this point, as written
    for token in _TAG.split(inner):
        if not token:
            continue
        if token.startswith("</"):
            stack.pop()
            cell.append(token)
        elif token.startswith("<"):
            stack.append(token)
            cell.append(token)
        elif stack and (len(stack) > 1 or 'class="hl' not in stack[0]):
            cell.append(token)  # inside a verdict label: its words are not the row's
        else:
            pieces = token.split(CELL_SEPARATOR)
            cell.append(pieces[0])
            for piece in pieces[1:]:
                cell.append("</a>" * len(stack))
                cell.append(f'<span class="cell-separator">{CELL_SEPARATOR}</span>')
                cells.append("".join(cell))
                cell = [*stack, piece]
    cells.append("".join(cell))
    for column in blanks:
        if column <= len(cells):
            cells.insert(column, "")
    return "".join(f'<span class="cell">{cell}</span>' for cell in cells)


def _list_tag(block: dict) -> str:
    """The list a block belongs in: "ol" for a numbered item, "ul" for a bullet, else ""."""
    if block["kind"] != "list_item":
        return ""
    return "ol" if block["number"] else "ul"


def shown_text(article) -> tuple[str, list]:
    """The text readers see and its structure: the article's own, unless a newer text waits
    for a second look; then its public revision's, with the structure saved with it (or,
    for a revision older than that, the paragraphs still in the newer text keeping their
    kinds)."""
    if article.current_revision_id == article.newest_revision_id:
        return article.text, article.structure
    text, structure = queries.revision_text(article.current_revision_id)
    return text, carry(article.text, article.structure, text) if structure is None else structure


def _place(article, published, text: str) -> list[Entry]:
    """Number the versions in document order and place those that index the article's text.

    A version indexes the text it was published or last re-anchored on; while a large
    article's claims are re-anchored in the background, versions may still index the
    revision before. Those are listed, not highlighted, until they are moved.
    """
    entries = []
    for number, version in enumerate(published, start=1):
        entry = Entry(number=number, version=version)
        if (
            version.revision_id == article.current_revision_id
            and text[version.start : version.end] == version.exact
        ):
            entry.start, entry.end = version.start, version.end
        entries.append(entry)
    return entries


def summary(entries: list[Entry]) -> dict:
    """Counts by verdict in the scale's order, and the line "6 claims checked: 2 False, …".

    Verdicts count as published and by the label readers read: a rating renamed since, on
    some claims republished and on others not, is counted under each of its labels, while one
    only recoloured or revalued is counted once (its chip in the newest version's colour).
    """
    counts = Counter(entry.version.verdict.label for entry in entries)
    newest = _newest_verdicts(entries, lambda verdict: verdict.label)
    ordered = sorted(
        newest.values(), key=lambda r: (r.position is None, r.position or 0, r.pk, r.label)
    )
    parts = [{"rating": rating, "count": counts[rating.label]} for rating in ordered]
    text = ", ".join(f"{part['count']} {part['rating'].label}" for part in parts)
    noun = "claim" if len(entries) == 1 else "claims"
    return {
        "total": len(entries),
        "parts": parts,
        "text": f"{len(entries)} {noun} checked: {text}",
    }


def legend(entries: list[Entry]) -> list[LegendEntry]:
    """The verdicts the page shows, each once, best first: the legend beside their chips.

    Made of the published versions, never the scale as it is now, so that a legend entry
    reads exactly as its chips do after a rating is renamed, recoloured or revalued (until
    republished). A label, colour and value shown together are one entry, described as the
    newest of its versions describes it; entries are ordered by `versions.best_first`.
    """
    newest = _newest_verdicts(entries, lambda v: (v.label, v.colour, v.value))
    # One verdict shown in two colours (recoloured, some claims republished, some not) is
    # one entry, in its newest colour; its other colours go beside it as swatches, not as a
    # second "True" (`LegendEntry.other_keys`).
    grouped: dict[tuple, list[versions.ShownRating]] = {}
    for verdict in reversed(newest.values()):  # newest first
        grouped.setdefault((verdict.label, verdict.value, verdict.description), []).append(verdict)
    entries = [
        LegendEntry(rating=same[0], other_keys=tuple(v.key for v in same[1:]))
        for same in grouped.values()
    ]
    return sorted(entries, key=lambda entry: versions.best_first(entry.rating))


def _newest_verdicts(entries: list[Entry], key) -> dict:
    """Each `key(verdict)` with its verdict as most recently published, the latest last."""
    newest = {}
    for entry in sorted(entries, key=lambda entry: entry.version.published_at):
        verdict = entry.version.verdict
        newest.pop(key(verdict), None)  # moved to the end: the order is by latest publication
        newest[key(verdict)] = verdict
    return newest


@dataclass(frozen=True)
class LegendEntry:
    """A verdict the legend explains, and the keys of any other colour it is shown in."""

    rating: versions.ShownRating
    other_keys: tuple[str, ...] = ()


def byline(text: str) -> str:
    """The name in a byline, "Jane Doe" for "Jane Doe" or "By Jane Doe".

    The page puts its own "By" before it, outside the name's language and direction.
    """
    text = " ".join(text.split())
    if _BY.match(text):
        text = text[2:].lstrip()
    return text


def _whole_words(context: str, *, keep_end: bool) -> str:
    """A quote's prefix (`keep_end`) or suffix cut back to whole words, with "…" if cut.

    Context shorter than `anchoring.CONTEXT_LENGTH` reaches the start or end of the text,
    so nothing in it was cut.
    """
    if len(context) < anchoring.CONTEXT_LENGTH:
        return context
    if keep_end:
        head, space, tail = context.partition(" ")
        return f"…{tail if space and head else context}"
    head, space, tail = context.rpartition(" ")
    return f"{head if space and tail else context}…"


def _sources(version) -> list[dict]:
    """The frozen sources as the page lists them, with the stance's name and archived copy."""
    archives = versions.archive_links(version.archives)
    return [
        {
            **source,
            "stance_label": _STANCES.get(source.get("stance"), source.get("stance", "")),
            "archive_url": archives.get(source.get("id")),
        }
        for source in version.sources
    ]


def _conclusion(html: str) -> SafeString:
    """A published version's `conclusion_html` for the page."""
    # Rendered and sanitised (nh3, a closed list of tags and attributes) when the version
    # was written: safe to put in the page as it is.
    return mark_safe(html)  # noqa: S308


# The claim list


# Claims published the same day share their date's words.
_day = functools.lru_cache(maxsize=1024)(versions.day)


def _moment(value: dt.date | dt.datetime, zone: dt.tzinfo) -> str:
    """A date or time as a `<time>` element: ISO 8601 in the attribute, "3 Dec 2026" shown.

    A time is shown in `zone`, the current time zone.
    """
    if isinstance(value, dt.datetime):
        value = value.astimezone(zone)
        return f'<time datetime="{value.isoformat()}">{_day(value.date())}</time>'
    return f'<time datetime="{value.isoformat()}">{_day(value)}</time>'


def _source_item(source: dict) -> str:
    stance = source.get("stance", "")
    url = escape(source["url"])
    name = escape(source.get("title") or source["url"])
    parts = [
        f'<li><span class="stance stance-{escape(stance)}">'
        f"{escape(_STANCES.get(stance, stance))}</span> "
        f'<a href="{url}" rel="nofollow noopener"><bdi>{name}</bdi></a>'
    ]
    if source.get("publisher"):
        parts.append(f", <bdi>{escape(source['publisher'])}</bdi>")
    if source.get("quote"):
        parts.append(f'<q dir="auto">{escape(source["quote"])}</q>')
    if source.get("archive_url"):
        parts.append(
            f' <a href="{escape(source["archive_url"])}" rel="nofollow noopener">archived copy</a>'
        )
    parts.append("</li>")
    return "".join(parts)


def _verdict(rating) -> str:
    # Not "4 of 5", which beside "Claim 4 of 5" read as a count of claims (trial G11).
    scale = (
        f' <bdi class="entry-scale">{rating.value} on a scale of {rating.scale.worst_value} '
        f"to {rating.scale.best_value}</bdi>"
    )
    return (
        f'<p class="entry-verdict"><span class="chip r-{rating.key}">{escape(rating.label)}</span>'
        f"{scale if rating.value else ''}</p>"
    )


def entry_html(entry: Entry, *, permalink: str, verdict: str, zone: dt.tzinfo) -> str:
    """A claim's entry in the list after the article: everything its popover shows.

    `verdict` is its rating's line (`_verdict`), made once for all claims with that rating.
    Written here rather than by a template: an article may list hundreds of claims, and the
    template language would spend most of the page's time looking up their fields. Every
    text is escaped; the conclusion was sanitised when the version was written. Text the
    newsroom wrote may run in another direction than the article's (a Hebrew article's
    English claim, a formula): each such block takes its own (`dir="auto"`, `<bdi>`).
    """
    version = entry.version
    pk = entry.claim_id
    html = [
        f'<li class="claim-entry" id="claim-{pk}" data-claim="{pk}">\n'
        f"  {verdict}\n"
        f'  <h3 class="entry-claim" id="claim-{pk}-title" dir="auto">'
        f"{escape(version.claim_reviewed)}</h3>\n"
    ]
    if version.claimant or version.claim_date:
        claimed = (
            f"Claimed by <bdi>{escape(version.claimant)}</bdi>" if version.claimant else "Claimed"
        )
        if version.claim_date:
            claimed += f" on {_moment(version.claim_date, zone)}"
        # The interface's words, in its direction, around the claimant's (isolated by <bdi>).
        html.append(f'  <p class="entry-claimant">{claimed}</p>\n')
    html.append(f'  <div class="conclusion" dir="auto">{version.conclusion_html}</div>\n')
    if version.sources:
        archives = versions.archive_links(version.archives)
        items = "".join(
            _source_item({**source, "archive_url": archives.get(source.get("id"))})
            for source in version.sources
        )
        html.append(f'  <h4>Sources</h4>\n  <ul class="sources">{items}</ul>\n')
    if entry.history:
        items = "".join(
            f'<li dir="auto">{escape(change["correction"])}</li>' for change in entry.history
        )
        html.append(f'  <h4>Corrections</h4>\n  <ul class="corrections">{items}</ul>\n')
    html.append(
        f'  <p class="entry-footer">\n'
        f"    <span>Published {_moment(entry.first_published_at, zone)}</span>"
    )
    if version.number > 1:
        html.append(f"\n    <span>Updated {_moment(version.published_at, zone)}</span>")
    html.append(
        f"\n    <span>by <bdi>{escape(version.publisher.name)}</bdi></span>"
        f'\n    <span><a href="{permalink}">Permalink to this fact-check</a></span>'
    )
    if entry.placed:
        html.append(f'\n    <span class="back"><a href="#tag-{pk}">Back to the passage</a></span>')
    html.append("\n  </p>\n</li>")
    return "".join(html)


def claim_list(entries: list[Entry]) -> SafeString:
    """The numbered list's items, with each claim's public corrections and its sources'
    archived copies (two queries at most)."""
    # Only a republished claim, or one published with a note, has a correction line.
    corrected = [e.claim_id for e in entries if e.version.number > 1 or e.version.correction_note]
    histories = queries.claim_public_histories(corrected) if corrected else {}
    # One reverse() for all: the claim's id is the only part that differs.
    placeholder = str(2**31 - 1)
    head, _, tail = reverse("reader-claim", args=[placeholder]).rpartition(placeholder)
    zone = timezone.get_current_timezone()
    verdicts = {rating: _verdict(rating) for rating in {e.version.verdict for e in entries}}
    for entry in entries:
        history = histories.get(entry.claim_id)
        if history:
            entry.first_published_at = history[0]["published_at"]
            entry.history = [h for h in history if h["correction"]]
    html = "".join(
        entry_html(
            entry,
            permalink=f"{head}{entry.claim_id}{tail}",
            verdict=verdicts[entry.version.verdict],
            zone=zone,
        )
        for entry in entries
    )
    return mark_safe(html)  # noqa: S308


# Caching


def _code_stamp() -> str:
    """A digest of the templates, static files and code the pages are made with.

    It goes into every ETag, so a deploy that changes how the pages look is not answered
    with "304 Not Modified" or served from a shared cache as the page from before. Read
    once per process, or on every request in development, where templates are edited live.
    """
    return _read_code_stamp() if settings.DEBUG else _deployed_code_stamp()


def _read_code_stamp() -> str:
    digest = hashlib.sha256()
    for module in MODULES:
        digest.update(Path(importlib.import_module(module).__file__).read_bytes())
    for name in TEMPLATES:
        digest.update(Path(get_template(name).origin.name).read_bytes())
    for name in STATIC_FILES:
        found = finders.find(name)
        if found:
            digest.update(Path(found).read_bytes())
    return digest.hexdigest()


_deployed_code_stamp = functools.cache(_read_code_stamp)


def page_etag(*parts) -> str:
    """A weak ETag over what a public page shows (`parts`) and the code it is made with."""
    digest = hashlib.sha256(_code_stamp().encode())
    digest.update(repr(parts).encode())
    return f'W/"{digest.hexdigest()[:32]}"'


def validators(parts: tuple, newest: dt.datetime | None) -> tuple[str, int | None]:
    """The ETag and Last-Modified (whole seconds: `freshness.http_seconds`) of a public page
    showing `parts`, last changed at `newest` (turned over while a change may still commit
    late: `freshness.turnover`).

    Read once, before the page is: a page built across a second's end must not carry the
    date of the second its data was read in (review R21).
    """
    minute, modified = freshness.turnover(newest)
    return page_etag(*parts, minute), freshness.http_seconds(modified)


def cacheable(response, etag: str, seconds: int | None):
    """Mark a public page as the same for everyone, with its validators (see SHARED_MAX_AGE)."""
    response["ETag"] = etag
    if seconds is not None:
        response["Last-Modified"] = http_date(seconds)
    # Signed-in requests get `private, no-store` from PrivateNoStoreMiddleware instead.
    patch_cache_control(response, public=True, max_age=0, s_maxage=SHARED_MAX_AGE)
    return response


def not_modified(request, etag: str, seconds: int | None):
    """The 304 for a conditional request whose copy is current, else None."""
    response = freshness.conditional_response(request, etag=etag, last_modified=seconds)
    if response is None:
        return None
    # A browser merges a 304's headers into the copy it keeps. The page's own CSP allows
    # its rating-colour `<style>` by hash; the default policy on a 304 would replace it and
    # strip every verdict of its colour. With none, the kept copy's policy stands.
    response._csp_exempt = True
    return cacheable(response, etag, seconds)


def allow_style(response, css: str):
    """Allow the page's one rating-colour `<style>` element by its hash in the CSP."""
    if css:
        response._csp_update = {"style-src": [_csp_hash(css)]}
    return response


def scale_parts(ratings) -> tuple:
    return tuple((r.pk, r.label, r.colour, r.value, r.position, r.description) for r in ratings)


def annotation_service(request, response, article_id: int):
    """Advertise the article's Web Annotation container (W3C protocol, discovery)."""
    container = request.build_absolute_uri(reverse("v1:wap-article-annotations", args=[article_id]))
    response["Link"] = f'<{container}>; rel="http://www.w3.org/ns/oa#annotationService"'
    return response


# Views


def text_revised(organization, revised_at, reason: str, published_at: list) -> dict | None:
    """What readers are told when the article's text changed after verdicts on it were
    published: when, how, and of how many. The words each rates are the same (changed ones
    hide their verdict), but the text around them is not the text that was checked;
    `published_at` holds each shown verdict's publication."""
    earlier, total = sum(1 for moment in published_at if moment < revised_at), len(published_at)
    if not earlier:
        return None
    how = (
        "updated from the publisher's page"
        if reason == ArticleRevision.REIMPORTED
        else f"edited by {organization.name}"
    )
    if total == 1:
        which = "this fact-check was"
    elif earlier == total:
        which = f"these {total} fact-checks were"
    else:
        which = f"{earlier} of these {total} fact-checks {'was' if earlier == 1 else 'were'}"
    rated = "the words it rates are" if earlier == 1 else "the words they rate are"
    return {"on": revised_at, "how": how, "which": which, "rated": rated}


def _article_page(request, article) -> tuple[str, str]:
    """The article page's HTML and the CSP source of its colour rules."""
    organization = article.organization
    text, structure = shown_text(article)
    entries = _place(article, queries.article_published_claims(article), text)
    # Each verdict, in the legend too, wears the colour it was published with.
    css = scale_css(entry.version.verdict for entry in entries)
    lang, direction = text_language(article.language)
    overview = summary(entries)
    permalink = request.build_absolute_uri(
        reverse("reader-article", args=[organization.slug, article.slug])
    )
    retracted = queries.article_retracted_claims(article)
    for version in retracted:
        # "(retracted on 6 Dec 2026 because the transcript was misattributed)": a note
        # starting in lower case read as a sentence of its own after a full stop.
        version.reason = (
            versions.because(version.correction_note) if version.correction_note else ""
        )
    # The title, byline, date and address as last published: the newsroom's edits to them
    # reach readers only through a republished fact-check.
    # `reader_article` found one of these at least.
    newest = max(
        [*(entry.version for entry in entries), *retracted],
        key=lambda version: (version.published_at, version.id),
    )
    shown = versions.shown_article(newest, language=article.language)
    suspended = queries.article_suspended_ids(article)
    context = {
        "article": shown,
        "byline": byline(shown.byline),
        "organization": organization,
        "claim_list": claim_list(entries),
        "paragraphs": structured_paragraphs(text, structure, highlighted_paragraphs(text, entries)),
        "retracted": retracted,
        # Verdicts hidden since their words changed: an editor's text change takes them off
        # the page at once, and readers who saw one are told, as of a retraction.
        "suspended": len(suspended),
        # Their ids, for a link to one of them (#claim-<id>): the page says it is being
        # checked again rather than that it is gone.
        "suspended_ids": " ".join(map(str, suspended)),
        "text_revised": text_revised(
            organization,
            article.current_revision_at,
            article.current_revision_reason,
            [entry.version.published_at for entry in entries if entry.placed],
        ),
        "summary": overview,
        "legend": legend(entries),
        "scale_css": css,
        "article_lang": lang,
        "article_dir": direction,
        "canonical": permalink,
        # Only retractions left (the page stays so that they show): say that, not "0 claims".
        "description": f"{overview['text']}. Fact-checked by {organization.name}."
        if entries
        else f"{organization.name} retracted its fact-checks of this article.",
    }
    return render_to_string("reader/article.html", context), _csp_hash(css)


@require_safe
def article(request, org_slug: str, slug: str):
    """An article with its published claims highlighted, a summary and the list of checks."""
    article = queries.reader_article(org_slug, slug)
    if article is None:
        suspended = queries.suspended_article_publisher(org_slug, slug)
        if suspended is None:
            raise Http404("No published fact-check at this address.")
        # A link readers shared while its verdicts showed: say why there are none now.
        return render(
            request, "reader/article_suspended.html", {"organization": suspended}, status=404
        )
    organization = article.organization
    stamp = queries.article_public_stamp(article)
    # The page orders verdicts by their rating's place on the scale now (their labels,
    # colours and values are the versions' own, in `stamp`).
    scale = queries.organization_scale(organization)
    etag, last_modified = validators(
        (
            "article",
            request.build_absolute_uri("/"),
            article.pk,
            article.slug,
            article.language,
            article.current_revision_id,
            stamp,
            organization.name,
            organization.url,
            scale_parts(scale),
        ),
        # Not `article.updated_at`: a working-copy edit of the title or byline reaches
        # readers only when republished, and must not tell them when it was made.
        max(filter(None, [article.current_revision_at, stamp["newest"]])),
    )
    if unchanged := not_modified(request, etag, last_modified):
        return unchanged
    content, style_source = _article_page(request, article)
    response = HttpResponse(content)
    response._csp_update = {"style-src": [style_source]}
    annotation_service(request, response, article.pk)
    return cacheable(response, etag, last_modified)


@require_safe
def claim(request, pk: int):
    """A claim's permalink page: its verdict, its one ClaimReview and its public history."""
    version = queries.public_claim(pk)
    if version is None:
        suspended = queries.suspended_claim_publisher(pk)
        if suspended is None:
            raise Http404("No published fact-check with this number.")
        # A link readers followed before the article's words changed: say why it is not
        # shown (as the public API says "suspended"), with none of its content.
        return render(
            request, "reader/claim_suspended.html", {"organization": suspended}, status=404
        )
    article = version.claim.article
    organization = version.publisher
    stamp = queries.claim_public_stamp(pk)
    etag, last_modified = validators(
        (
            "claim",
            request.build_absolute_uri("/"),
            pk,
            article.language,
            article.slug,
            stamp,
            organization.name,
            organization.url,
            scale_parts([version.verdict]),
            version.verdict.scale,
        ),
        # The page shows the claim's versions only, not the working copy's edit times.
        stamp["newest"],
    )
    if unchanged := not_modified(request, etag, last_modified):
        return unchanged

    history = queries.claim_public_history(version.claim)
    for earlier, later in itertools.pairwise(history):
        # A reader told "conclusion revised" can read what the conclusion said before.
        revised = later["kind"] != "retracted" and "conclusion revised" in later["changes"]
        earlier["replaced_conclusion"] = (
            _conclusion(earlier["conclusion_html"]) if revised else None
        )
    permalink = request.build_absolute_uri(reverse("reader-claim", args=[pk]))
    first_published_at = history[0]["published_at"] if history else version.published_at
    review = jsonld.claim_review(
        version,
        permalink=permalink,
        organization_page=request.build_absolute_uri(
            reverse("reader-organization", args=[organization.slug])
        ),
        first_published_at=first_published_at,
    )
    retracted = version.kind == version.Kind.RETRACTED
    css = scale_css([version.verdict])
    lang, direction = text_language(article.language)
    rated = f"Rated {version.verdict.label}: {version.claim_reviewed}"
    context = {
        "version": version,
        "article": versions.shown_article(version, language=article.language),
        "organization": organization,
        "retracted": retracted,
        "retraction": history[-1] if retracted and history else None,
        "history": history,
        "first_published_at": first_published_at,
        "conclusion_html": _conclusion(version.conclusion_html),
        "sources": _sources(version),
        "text_revised": None
        if retracted
        else text_revised(
            organization,
            # When readers' text last changed, on the text readers see: a text put back as
            # they saw it is no change (trial G13), though it is a revision of its own.
            article.public_revision_shown_at
            if version.revision_id == article.public_revision_id
            and article.public_revision_shown_at
            else version.revision.created_at,
            version.revision.reason,
            [version.published_at],
        ),
        "before": _whole_words(version.prefix, keep_end=True),
        "after": _whole_words(version.suffix, keep_end=False),
        "scale_css": css,
        "article_lang": lang,
        "article_dir": direction,
        "canonical": permalink,
        "json_ld": json_ld(review) if review else "",
        "title": f"Retracted: {version.claim_reviewed}" if retracted else rated,
        "description": (
            f"{organization.name} retracted this fact-check."
            if retracted
            else f"{rated}. Fact-checked by {organization.name}."
        ),
        "article_url": reverse("reader-article", args=[organization.slug, article.slug])
        if article.slug
        else "",
    }
    response = render(request, "reader/claim.html", context)
    response._csp_update = {"style-src": [_csp_hash(css)]}
    annotation_service(request, response, article.pk)
    return cacheable(response, etag, last_modified)
