"""The canonical form of article text that claims are anchored to."""

import re
import unicodedata

# Control, format and line/paragraph separator characters: nothing a reader sees, and a
# right-to-left override among them makes an address read as another site's.
_HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")


def has_hidden_characters(value: str) -> bool:
    """Whether `value` has a control or invisible formatting character (U+202E, U+200B…)."""
    return any(unicodedata.category(char) in _HIDDEN_CATEGORIES for char in value)


# Every Unicode space separator (category Zs, Unicode 15) plus the tab. They all become
# U+0020: trafilatura and PDF text layers do not keep no-break spaces reliably, and browsers
# copy them as plain spaces, so keeping them would make the same article differ by format
# and make quotes typed by an editor fail to match.
_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
_SPACES += "\u202f\u205f\u3000"

# Invisible characters that carry no content and break quote matching: C0/C1 controls other
# than line ends, zero-width space, word joiner, byte order mark and soft hyphen. Zero-width
# (non-)joiners stay: Persian, Indic scripts and emoji sequences need them.
_REMOVED = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r\x0b\x0c"]
_REMOVED += [chr(0x7F)] + [chr(c) for c in range(0x80, 0xA0) if c != 0x85]
_REMOVED += ["\u200b", "\u2060", "\ufeff", "\u00ad"]
# Direction overrides (LRO, RLO): they draw the letters after them in reverse, so a figure
# stored as "8.22", which a verdict rates, would read "22.8" on the page under it. Marks,
# embeddings and isolates stay: mixed right-to-left and left-to-right text needs them, and
# they never reverse a run of letters.
_REMOVED += ["\u202d", "\u202e"]

_TABLE = str.maketrans(
    {
        **dict.fromkeys(_SPACES, " "),
        **dict.fromkeys(_REMOVED, None),
        # Line ends: CR, vertical tab (Word's manual line break), NEL, line separator.
        "\r": "\n",
        "\x0b": "\n",
        "\x85": "\n",
        "\u2028": "\n",
        # Page and paragraph separators end a paragraph.
        "\x0c": "\n\n",
        "\u2029": "\n\n",
    }
)

_SPACE_RUN = re.compile(r" {2,}")
_BLANK_LINE = re.compile(r"\n[ \n]*\n")

# Tag-like sequences in a title or byline: a letter, '/', '!' or '?' right after '<', up to
# the next '>' or the end (an unclosed tag). "a < b" stays.
_TAG = re.compile(r"<[A-Za-z/!?][^>]*(?:>|$)")
# Elements whose content is code, not words: dropped with their content.
_CODE_ELEMENT = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.I | re.S)


def canonical_text(s: str) -> str:
    """Return `s` in the canonical article form.

    Line ends become ``\\n``; every Unicode space (no-break spaces included) and tab becomes
    a plain space; invisible control and formatting characters (direction overrides among
    them) are removed; the text is
    Unicode NFC; paragraphs are separated by exactly one blank line; the lines inside a
    paragraph are joined with a space, except that the items of a typed list ("1. …" lines)
    become paragraphs of their own; runs of spaces collapse to one; paragraphs and the
    whole text are trimmed. The function is idempotent.
    """
    s = s.replace("\r\n", "\n").translate(_TABLE)
    s = unicodedata.normalize("NFC", s)
    paragraphs = []
    for block in _BLANK_LINE.split(s):
        for lines in _list_items(block):
            paragraph = _SPACE_RUN.sub(" ", lines.replace("\n", " ")).strip(" ")
            if paragraph:
                paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


# A line that starts a list item as people type one: "1." or "12)", or a bullet, then a space.
_LIST_LINE = re.compile(r" *(?:\d{1,3}[.)]|[-*•‣◦▪]) +\S")


def _list_items(block: str) -> list[str]:
    """The block as its list items when it is a typed list, else whole.

    Pasted text has lists on lines of their own ("1. …" under "1. …"), which joining the
    lines would run into one paragraph. A block with two lines or more that start like
    list items is split before each of them; a line that does not start so continues the
    item above it (or is the text that leads into the list). A single such line is left in
    its paragraph: a wrapped sentence may happen to start a line with "12. ".
    """
    lines = block.split("\n")
    if len(lines) < 2 or sum(bool(_LIST_LINE.match(line)) for line in lines) < 2:
        return [block]
    items: list[str] = []
    for line in lines:
        if _LIST_LINE.match(line) or not items:
            items.append(line)
        else:
            items[-1] += "\n" + line
    return items


def canonical_characters(s: str) -> str:
    """Return `s` with the characters `canonical_text` changes changed the same way.

    Spaces, line ends and invisible characters as in `canonical_text`, and Unicode NFC;
    nothing is trimmed, joined or collapsed. For pieces of a text, such as the quote, prefix
    and suffix of a selection a client made on the text it sent before it was made canonical.
    """
    return unicodedata.normalize("NFC", s.replace("\r\n", "\n").translate(_TABLE))


# The characters Unicode has a superscript form of, and those forms.
_SUPERSCRIPTS = str.maketrans("0123456789+-\u2212=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ")
_HAS_SUPERSCRIPT = frozenset("0123456789+-\u2212=()ni")


def raised(text: str) -> str:
    """`text` set as superscript (a page's `<sup>`, Word's raised run) in the characters
    Unicode has for it, when it has one for each (spaces aside): "10<sup>6</sup>" is "10⁶",
    not 106, a different number. Other superscripts ("1<sup>st</sup>") are returned as they
    are. The embed reads a page's `<sup>` by the same rule (`RAISABLE` in embed.js)."""
    words = "".join(text.split())
    if words and set(words) <= _HAS_SUPERSCRIPT:
        return text.translate(_SUPERSCRIPTS)
    return text


def paragraphs_of(text: str) -> list[str]:
    """Split canonical text into its paragraphs (an empty list for empty text)."""
    return text.split("\n\n") if text else []


def plain_inline(s: str | None, max_chars: int = 500) -> str:
    """Return `s` as one line of plain text: tags stripped, whitespace collapsed, clipped.

    For titles, bylines and publisher names, which are shown outside the article body.
    """
    if not s:
        return ""
    # Clipped first: a title is short, and the patterns below cost more on long input.
    s = _TAG.sub(" ", _CODE_ELEMENT.sub(" ", s[: max_chars * 4]))
    s = " ".join(paragraphs_of(canonical_text(s)))
    if len(s) > max_chars:
        s = s[:max_chars].rsplit(" ", 1)[0].rstrip() + "…"
    return s
