"""Plain-text and Markdown documents to article paragraphs."""

import re

from annotations.ingest.base import Extracted
from annotations.ingest.formats import MARKDOWN, TEXT
from annotations.ingest.frontmatter import http_url, iso_date, language_code, split_front_matter
from annotations.ingest.htmlpage import (
    NOTE_MARKER,
    drop_hidden,
    drop_note_references,
    raise_superscripts,
)
from annotations.ingest.structure import (
    HEADING,
    LIST_ITEM,
    PREFORMATTED,
    QUOTE,
    Block,
    assemble,
    flatten,
    table_row,
    texts,
)
from annotations.ingest.text import canonical_text, paragraphs_of, plain_inline, raised

# A YAML-style header ("---" lines around "key: value" pairs) as static site generators
# write it. Only flat string values are read; it is not parsed as YAML.
_YAML_HEADER = re.compile(r"\A---[ \t]*\n(?P<body>.{0,4000}?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_YAML_LINE = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:\s*(?P<value>.*?)\s*$", re.M)

# Raw HTML inside Markdown whose content is never article text (struck-out text included:
# "<del>5</del>6 percent" corrects the figure to 6, as on a web page).
_HIDDEN_TAGS = (
    "script", "style", "template", "noscript", "iframe", "object", "svg", "math",
    "del", "s", "strike",
)  # fmt: skip
_BREAK = re.compile(r"<br\b", re.I)
# Elements without content: hidden, they hide nothing after them.
_VOID = {
    "img",
    "br",
    "hr",
    "input",
    "wbr",
    "source",
    "track",
    "area",
    "col",
    "embed",
    "meta",
    "link",
}
# A <sup> that says it is a note reference (as `htmlpage.drop_note_references` reads one).
_NOTE_SUP = re.compile(
    r"doc-noteref|class=[\"']?[^\"'>]*\b(?:reference|footnote|noteref|fn)\b", re.I
)
# An inline element the reader never sees: "5<span hidden>0</span>%" is 5%, not 50%.
_HIDING_OPEN = re.compile(
    r"<([a-z][a-z0-9]*)\b[^>]*?(?:\shidden(?![=\w-])|\shidden=[\"']?(?!until-found)"
    r"|display\s*:\s*none|visibility\s*:\s*hidden)",
    re.I,
)
_BLOCK_TAGS = (
    "p", "div", "li", "dt", "dd", "tr", "blockquote", "pre", "section", "article",
    "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "details", "summary",
)  # fmt: skip
_HIDDEN_OPEN = re.compile(r"<(" + "|".join(_HIDDEN_TAGS) + r")\b", re.I)


def extract_text(text: str) -> Extracted:
    """Article paragraphs, title and byline of a plain-text document."""
    front = split_front_matter(paragraphs_of(canonical_text(text)))
    return Extracted(
        text="\n\n".join(front.body), media_type=TEXT, title=front.title, byline=front.byline
    )


def extract_markdown(text: str) -> Extracted:
    """Article paragraphs and metadata of a Markdown document.

    Markdown is parsed, not rendered: each paragraph, heading, list item, table row, quote
    paragraph and code block becomes one paragraph of plain text. Link targets, images and
    raw HTML tags are dropped (the text inside harmless tags is kept), so nothing of the
    markup reaches the article text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta = {}
    header = _YAML_HEADER.match(text)
    if header:
        meta = {
            m.group("key").lower(): m.group("value").strip("\"'")
            for m in _YAML_LINE.finditer(header.group("body"))
        }
        text = text[header.end() :]
    blocks, first_heading = _markdown_blocks(text)
    title = plain_inline(meta.get("title", ""))
    if not title and first_heading:
        title = first_heading
    blocks = flatten(blocks)
    front = split_front_matter(texts(blocks), title=title)
    body, structure = assemble(blocks[len(blocks) - len(front.body) :])
    return Extracted(
        text=body,
        structure=structure,
        media_type=MARKDOWN,
        title=front.title,
        byline=front.byline or plain_inline(meta.get("author", ""), 200),
        publisher=plain_inline(meta.get("publisher", "") or meta.get("site", ""), 200),
        canonical_url=http_url(meta.get("canonical_url", "") or meta.get("url", "")),
        published=iso_date(meta.get("date", "")),
        language=language_code(meta.get("lang", "") or meta.get("language", "")),
    )


def _markdown_blocks(text: str) -> tuple[list[Block], str | None]:
    """The blocks of a Markdown document with their kinds, and its leading heading if any."""
    from markdown_it import MarkdownIt  # imported here: only Markdown imports need it

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Accept every link target so that "[text](javascript:...)" parses as a link whose
    # target is then dropped, instead of staying in the text as literal markup.
    md.validateLink = lambda url: True
    blocks: list[Block] = []
    first_is_heading = False
    heading = 0  # the level of the heading being read, 0 outside headings
    lists = quotes = 0
    # The next number of each list being read (None for a bulleted one), and the number of
    # each item being read (0 for a bullet): "1." on every line still counts 1, 2, 3.
    next_numbers: list[int | None] = []
    items: list[int] = []
    item_paragraphs: list[int] = []  # how many paragraphs each item being read has had
    row: list[str] | None = None
    for token in md.parse(text):
        if token.type == "heading_open":
            heading = int(token.tag[1:]) if token.tag[1:].isdigit() else 2
        elif token.type == "heading_close":
            heading = 0
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            lists += 1
            ordered = token.type == "ordered_list_open"
            next_numbers.append(int(token.attrs.get("start", 1)) if ordered else None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists -= 1
            next_numbers.pop()
        elif token.type == "list_item_open":
            number = next_numbers[-1] if next_numbers else None
            items.append(number or 0)
            item_paragraphs.append(0)
            if number is not None:
                next_numbers[-1] = number + 1
        elif token.type == "list_item_close":
            items.pop()
            item_paragraphs.pop()
        elif token.type == "blockquote_open":
            quotes += 1
        elif token.type == "blockquote_close":
            quotes -= 1
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            # Empty cells are left out of the text, as a web page's are, and kept as blanks.
            if block := table_row(row):
                blocks.append(block)
            row = None
        elif token.type == "inline":
            content = canonical_text(_inline_text(token.children or []))
            if row is not None:
                row.append(content.replace("\n\n", " "))
            elif content:
                if not blocks:
                    first_is_heading = bool(heading)
                if item_paragraphs and item_paragraphs[-1] and not heading:
                    # An item's second paragraph is no second item: no number or bullet again.
                    blocks.append(Block(content, QUOTE) if quotes else Block(content))
                else:
                    blocks.append(_inline_block(content, heading, lists, quotes, items))
                if item_paragraphs:
                    item_paragraphs[-1] += 1
        elif token.type in ("fence", "code_block"):
            blocks.append(Block(token.content, PREFORMATTED))
        elif token.type == "html_block":
            blocks.extend(Block(p) for p in html_fragment_paragraphs(token.content))
    blocks = flatten(blocks)
    first = blocks[0].text if blocks and first_is_heading else None
    return blocks, first


def _inline_block(content: str, heading: int, lists: int, quotes: int, items: list) -> Block:
    if heading:
        return Block(content, HEADING, heading)
    if lists:
        return Block(content, LIST_ITEM, lists, items[-1] if items else 0)
    if quotes:
        return Block(content, QUOTE)
    return Block(content)


def _inline_text(children) -> str:
    parts = []
    hidden, depth = None, 0  # the element being left out, and how deep in its own kind
    struck = 0  # inside ~~struck-out~~ text
    sup_from, sup_tag, note_link = None, "", False  # an open <sup>: where its text starts
    for child in children:
        if child.type == "html_inline":
            tag = child.content
            if hidden is not None:
                if re.match(rf"<{hidden}\b", tag, re.I) and not tag.endswith("/>"):
                    depth += 1  # "<span hidden>x <span>y</span> z</span>" is all hidden
                elif re.match(rf"</{hidden}\s*>", tag, re.I):
                    depth -= 1
                    hidden = None if depth == 0 else hidden
                continue
            opened = _HIDDEN_OPEN.match(tag) or _HIDING_OPEN.match(tag)
            if opened and opened.group(1).lower() not in _VOID and not tag.endswith("/>"):
                hidden, depth = opened.group(1).lower(), 1
            elif _BREAK.match(tag):
                parts.append(" ")  # "1,000<br>200" is two numbers, not 1,000,200
            elif re.match(r"<sup\b", tag, re.I):
                sup_from, sup_tag, note_link = len(parts), tag, False
            elif sup_from is not None and re.match(r"<a\b[^>]*\bhref=[\"']?#", tag, re.I):
                note_link = True
            elif sup_from is not None and re.match(r"</sup\s*>", tag, re.I):
                words = "".join(parts[sup_from:])
                # A footnote marker is no word of the sentence, as on a web page.
                is_note = NOTE_MARKER.fullmatch(" ".join(words.split())) and (
                    note_link or _NOTE_SUP.search(sup_tag)
                )
                parts[sup_from:] = [] if is_note else [raised(words)]
                sup_from = None
            continue
        if child.type in ("s_open", "s_close"):
            # "~~5~~ 6 percent": struck out, withdrawn, as a page's <del> (GFM's ~~).
            struck += 1 if child.type == "s_open" else -1
            continue
        if hidden is not None or struck:
            continue
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    # Footnotes (an extension CommonMark lacks): a marker "[^1]" is no word of the sentence,
    # as a web page's superscript marker is not, and a note keeps its words, not its label.
    text = _FOOTNOTE_LABEL.sub("", "".join(parts), count=1)
    return _FOOTNOTE_MARKER.sub("", text)


_FOOTNOTE_MARKER = re.compile(r"\[\^[^\]\s]{1,40}\]")
_FOOTNOTE_LABEL = re.compile(r"^\[\^[^\]\s]{1,40}\]:\s*")


def html_fragment_paragraphs(fragment: str) -> list[str]:
    """The visible text of an HTML fragment, without scripts, styles and other hidden parts."""
    import lxml.html  # imported here: only HTML inside Markdown needs it

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types for junk; junk has no text to keep
        return []
    for element in list(root.iter(*_HIDDEN_TAGS, "head", "title", "button", "form")):
        element.drop_tree()
    drop_hidden(root)  # as a web page's: `hidden`, `display: none`
    drop_note_references(root)
    raise_superscripts(root)
    # A table's cells are set apart as a web page's row is ("2019 | 1,200", not "20191,200").
    for row in root.iter("tr"):
        cells = [cell for cell in row if cell.tag in ("td", "th")]
        for cell in cells[:-1]:
            cell.tail = " | " + (cell.tail or "")
    # text_content() runs blocks together; a blank line after each keeps them apart.
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n\n" + (element.tail or "")
    for element in root.iter("br"):
        element.tail = " " + (element.tail or "")
    return paragraphs_of(canonical_text(root.text_content()))
