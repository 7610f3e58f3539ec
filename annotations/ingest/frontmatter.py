"""Recognising a title and a byline at the top of a document's paragraphs."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from annotations.anchoring import UNSPACED_SCRIPT
from annotations.ingest.text import has_hidden_characters, plain_inline

_MAX_TITLE_CHARS = 200
_MAX_TITLE_WORDS = 30
_BYLINE = re.compile(
    r"^(?:by|written by|words by|author:|von|par|por|di|door|av)\s+(?P<name>[^\d.!?;:]{2,120})$",
    re.IGNORECASE,
)


@dataclass
class FrontMatter:
    """The title and byline found at the top, and the body paragraphs after them."""

    title: str
    byline: str
    body: list[str]


# How sentences and clauses end in other scripts: Devanagari's danda, the ideographic and
# full-width stops, commas and colons, the Arabic, Urdu, Amharic and Armenian ones. A
# question or exclamation mark may end a headline, in any script.
_CLOSING_MARKS = (
    ".", ",", ";", ":",
    "\u0964", "\u0965",  # Devanagari danda, double danda
    "\u3002", "\uff0e", "\uff61", "\uff0c", "\uff1b", "\uff1a", "\u3001",  # CJK stops, commas
    "\u060c", "\u061b", "\u06d4",  # Arabic comma and semicolon, Urdu full stop
    "\u1362", "\u0589",  # Ethiopic and Armenian full stops
    "\u104b", "\u17d4",  # Myanmar and Khmer full stops
)  # fmt: skip
# A paragraph mostly in a script written without spaces is one "word": how many letters it
# has decides (Thai vowel and tone marks not counted: a 61-character Thai headline has 51).
_MAX_UNSPACED_TITLE_LETTERS = 55


def _too_long_unspaced(paragraph: str) -> bool:
    letters = [char for char in paragraph if not unicodedata.category(char).startswith("M")]
    unspaced = sum(1 for char in letters if UNSPACED_SCRIPT.match(char))
    return unspaced * 2 > len(letters) and len(letters) > _MAX_UNSPACED_TITLE_LETTERS


def looks_like_title(paragraph: str) -> bool:
    """Whether a paragraph reads as a headline: short, one sentence, no closing full stop."""
    return (
        len(paragraph) <= _MAX_TITLE_CHARS
        and not _too_long_unspaced(paragraph)
        and len(paragraph.split()) <= _MAX_TITLE_WORDS
        and not paragraph.rstrip("\"'\u201d\u2019\u300d\u300f)\uff09").endswith(_CLOSING_MARKS)
    )


def byline_name(paragraph: str) -> str:
    """The name in a byline paragraph such as 'By Andrew Korybko', or ''."""
    match = _BYLINE.match(paragraph.strip())
    if not match or len(match.group("name").split()) > 8:
        return ""
    return plain_inline(match.group("name"), 200)


def split_front_matter(paragraphs: list[str], title: str = "") -> FrontMatter:
    """Take a leading title and byline off `paragraphs`.

    Plain text, PDF and Word files carry the headline and "By ..." line as ordinary
    paragraphs, while an HTML page's main text does not; taking them off makes every format
    give the same body. The first paragraph is the title when it equals the `title` already
    known (from metadata or a heading style) or, with no known title, when it looks like a
    headline and more paragraphs follow. A byline is then the next paragraph if it starts
    with "By" (or its equivalent in a few languages) and is followed by more text.
    """
    body = list(paragraphs)
    if body and len(body) > 1:
        first = body[0]
        if (title and plain_inline(first) == plain_inline(title)) or (
            not title and looks_like_title(first) and not byline_name(first)
        ):
            title = first
            body.pop(0)
    byline = ""
    if len(body) > 1:
        byline = byline_name(body[0])
        if byline:
            body.pop(0)
    return FrontMatter(title=plain_inline(title), byline=byline, body=body)


def http_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL of sane length, else ''.

    One with control or invisible formatting characters is refused too: a right-to-left
    override in a page's canonical link would make the address read as another site's.
    """
    url = url.strip()
    if has_hidden_characters(url):
        return ""
    return url if re.match(r"https?://[^\s/?#]+", url, re.I) and len(url) <= 2000 else ""


def iso_date(value: str) -> date | None:
    """The date at the start of an ISO 8601 date or date-time string, or None."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", value.strip())
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def language_code(value: str) -> str:
    """The primary language subtag of a BCP 47 tag ('en' for 'en-US'), or ''."""
    match = re.match(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$", value.strip())
    return match.group(1).lower() if match else ""
