"""Web pages to article paragraphs and metadata, with the page's boilerplate left out."""

import json
import re
from typing import NamedTuple
from urllib.parse import urljoin

from annotations.ingest.base import Extracted, IngestError
from annotations.ingest.formats import HTML, decode_text_noting_guess, html_charset
from annotations.ingest.frontmatter import http_url, iso_date, language_code
from annotations.ingest.structure import (
    CAPTION,
    HEADING,
    LIST_ITEM,
    PARAGRAPH,
    PREFORMATTED,
    QUOTE,
    Block,
    assemble,
    table_row,
)
from annotations.ingest.text import canonical_text, paragraphs_of, plain_inline, raised

NO_ARTICLE = "no article text found in the page"
TOO_DEEP = (
    "the page's markup is nested deeper than it can be read (more than 255 elements inside "
    "one another): paste the article's text instead"
)
_ENOUGH_PROSE = 500

# Elements of trafilatura's output tree (and their HTML names, for safety) that start a
# paragraph of their own.
_BLOCKS = {
    "p", "head", "list", "item", "quote", "code", "table", "div", "section", "article",
    "main", "body", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
_ROWS = {"row", "tr"}
_HEADINGS = {"head", "h1", "h2", "h3", "h4", "h5", "h6"}
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", ": ", " · ")
_SKIPPED = {"graphic", "img", "script", "style", "template", "noscript"}
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
# What may mark an element the page never shows: the `hidden` attribute, or an inline style
# of display: none or visibility: hidden. A cheap look first: most pages have none.
_MAY_HIDE = re.compile(r"\shidden\b|display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_STRUCK = re.compile(r"<(?:del|s|strike)\b", re.I)
_INLINE_QUOTE = re.compile(r"<q\b", re.I)
_NUMBERING_ATTRIBUTE = re.compile(r"<(?:ol|li)\b[^<>]*\s(?:start|value|reversed|type)\b", re.I)
_HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b", re.I)
# A note reference: a superscript "1", "[2]", "*" or "†" (as the embed reads one too).
NOTE_MARKER = re.compile(r"\[?(?:\d{1,3}|[a-z]|[*\u2020\u2021\u00a7])\]?")


def extract_html(data: bytes, charset: str = "", source_url: str = "") -> Extracted:
    """Main text and metadata of an HTML page.

    trafilatura finds the main content and drops navigation, share buttons, comment forms
    and the like; the text comes out as plain text, since scripts, styles and tags are not
    content. A page is refused with "no article text found in the page" when the text
    found is thin and a precision-oriented pass finds no real prose in it either: a plain
    pass returns the menu and form labels of a page that has no article.
    """
    import trafilatura  # imported here: it is slow to import and only HTML needs it
    from trafilatura.settings import set_date_params

    markup, guessed = decode_text_noting_guess(data, charset or html_charset(data))
    # lxml refuses str input that carries an encoding declaration; the text is decoded.
    page = _prepared(_XML_DECLARATION.sub("", markup, count=1))
    markup = page.markup
    options = {
        "url": source_url or None,
        "with_metadata": True,
        "include_comments": False,
        "include_tables": True,
        "include_images": False,
        "include_links": False,
        # Dates from the page's metadata, its time elements and byline only: the extensive
        # search reads any year in the text, and a footer's "Copyright 2026" is no date.
        "date_extraction_params": set_date_params(extensive=False),
    }
    document = _run_trafilatura(trafilatura, markup, options)
    blocks = _as_the_page_shows(_blocks(document), page)
    paragraphs = paragraphs_of(assemble(blocks)[0])
    # Plenty of prose is an article; a thin result may be menus and form labels, so it
    # has to hold up in a precision-oriented pass too.
    if _prose_chars(paragraphs) < _ENOUGH_PROSE:
        strict = _run_trafilatura(trafilatura, markup, {**options, "favor_precision": True})
        if _prose_chars(_paragraphs(strict)) == 0:
            raise IngestError(_why_no_article(markup))
        # On a short page trafilatura may fall back to the body's whole text as one
        # paragraph, headline, byline and share links included; the page's own blocks
        # (without its navigation and boilerplate) keep its paragraphs, headings and lists.
        # It may also pass over a short page's list or subheading that sits beside the
        # paragraphs it keeps: the page's own blocks win when they hold all of those and more.
        own = _as_the_page_shows(_page_blocks(markup, document.author if document else ""), page)
        if len(own) > 1 and (len(blocks) <= 1 or _holds_more(own, blocks)):
            blocks = own
    fallback = _page_metadata(markup)
    title = plain_inline(document.title or fallback.get("title", ""))
    # The headline is the title, not the body's first paragraph.
    text, structure = assemble(_without_title(blocks, title))
    if not text:
        raise IngestError(_why_no_article(markup))
    # The page's own canonical link or og:url first: trafilatura reports the URL it was
    # given when there is one, even if the page names another.
    canonical = http_url(urljoin(source_url, fallback["url"])) if fallback.get("url") else ""
    return Extracted(
        text=text,
        structure=structure,
        media_type=HTML,
        title=title,
        byline=plain_inline(document.author or fallback.get("author", ""), 200),
        publisher=plain_inline(document.sitename or fallback.get("publisher", ""), 200),
        canonical_url=canonical or http_url(document.url or "") or http_url(source_url),
        published=iso_date(document.date or "") or iso_date(fallback.get("date", "")),
        language=language_code(fallback.get("language", "") or document.language or ""),
        guessed_encoding=guessed,
    )


def _why_no_article(markup: str) -> str:
    """Why no text was found: the parser stops at its depth limit, and a page nested past it
    was said to hold no article text, its text there all along (stop 51's note)."""
    import lxml.html  # imported here with trafilatura, which depends on it

    parser = lxml.html.HTMLParser()
    try:
        lxml.html.document_fromstring(markup, parser=parser)
    except (ValueError, lxml.etree.ParserError):
        return NO_ARTICLE
    if any("Excessive depth" in error.message for error in parser.error_log):
        return TOO_DEEP
    return NO_ARTICLE


class _Page(NamedTuple):
    """The page as trafilatura is to read it, and what it would lose of the page's own."""

    markup: str
    captions: frozenset[str]  # the figure captions' paragraphs
    numbers: dict[str, list[int]]  # list item text -> the numbers the page shows before it


def _prepared(markup: str) -> _Page:
    """The page without what it never shows, its figure captions made paragraphs, and the
    numbers of its numbered lists, from one parse (none for the many pages that need none).
    """
    hides = bool(_MAY_HIDE.search(markup))
    has_captions = "<figcaption" in markup.lower()
    numbers_lists = bool(_NUMBERING_ATTRIBUTE.search(markup))
    has_notes = "<sup" in markup.lower()
    strikes = bool(_STRUCK.search(markup))
    inline_quotes = bool(_INLINE_QUOTE.search(markup))
    if not (hides or has_captions or numbers_lists or has_notes or strikes or inline_quotes):
        return _Page(markup, frozenset(), {})
    import lxml.html  # imported here with trafilatura, which depends on it

    try:
        root = lxml.html.document_fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return _Page(markup, frozenset(), {})
    dropped = drop_hidden(root) if hides else False
    dropped = (drop_note_references(root) if has_notes else False) or dropped
    # Struck-out text first: "10<sup>2<del>3</del></sup>" is 10², as the embed reads it.
    dropped = (_drop_struck(root) if strikes else False) or dropped
    dropped = (raise_superscripts(root) if has_notes else False) or dropped
    dropped = (_inline_quotes_kept_inline(root) if inline_quotes else False) or dropped
    captions = _captions_made_paragraphs(root) if has_captions else frozenset()
    numbers = _list_numbers(root) if numbers_lists else {}
    if dropped or captions:
        markup = lxml.html.tostring(root, encoding="unicode")
    return _Page(markup, captions, numbers)


def drop_hidden(root) -> bool:
    """Drop the elements the page never shows its readers; whether there were any.

    A sentence in a `hidden` element or under `display: none` is no part of the article a
    reader saw: a verdict on it could not be found on the publisher's page by the embed.
    `hidden="until-found"` (collapsed text the browser's find reveals) stays, and so does
    `aria-hidden`, which hides text from screen readers only, not from the eye.
    """
    hidden = [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and element.tag not in ("html", "body")
        and (
            (element.get("hidden") is not None and element.get("hidden") != "until-found")
            or _HIDING_STYLE.search(element.get("style") or "")
        )
    ]
    for element in hidden:
        if element.getparent() is not None:
            element.drop_tree()
    return bool(hidden)


def drop_note_references(root) -> bool:
    """Drop the footnote markers in the prose ("motion<sup><a href="#fn1">1</a></sup>");
    whether there were any.

    A marker is no word of the sentence: kept, it read "motion1 earlier", and a claim on
    those words was not found on a page that shows its notes otherwise. A superscript that
    links to a place on the page, or says it is a note reference, and holds only "1",
    "[2]", "*" or "†", is one; other superscripts (m², 10⁶) stay.
    """
    markers = [
        sup
        for sup in root.iter("sup")
        if NOTE_MARKER.fullmatch(" ".join(sup.text_content().split()))
        and (
            any((link.get("href") or "").startswith("#") for link in sup.iter("a"))
            or sup.get("role") == "doc-noteref"
            or re.search(r"\b(?:reference|footnote|noteref|fn)\b", sup.get("class") or "", re.I)
        )
    ]
    for sup in markers:
        sup.drop_tree()
    return bool(markers)


def raise_superscripts(root) -> bool:
    """Write each superscript Unicode has characters for in those characters; whether any.

    trafilatura reads "10<sup>6</sup>" as "106", another number; "10⁶" is what readers see.
    The embed folds such characters to plain digits, as the page's text reads them.
    """
    changed = False
    for sup in list(root.iter("sup")):
        shown = sup.text_content()
        if sup.getparent() is None or raised(shown) == shown:
            continue
        for child in list(sup):
            sup.remove(child)
        sup.text = raised(shown)
        sup.drop_tag()
        changed = True
    return changed


def _drop_struck(root) -> bool:
    """Drop struck-out text (`<del>`, `<s>`, `<strike>`); whether there was any.

    A page corrects "<del>5</del><ins>6</ins> percent" in place: read through, that is
    "56 percent". What it struck out is what it withdrew; the embed leaves it out too.
    """
    struck = list(root.iter("del", "s", "strike"))
    for element in struck:
        if element.getparent() is not None:
            element.drop_tree()
    return bool(struck)


def _inline_quotes_kept_inline(root) -> bool:
    """Make each `<q>` a plain inline element; whether there were any.

    trafilatura reads `<q>` as a block quote: "He said <q>we won 52 percent</q> last night"
    became three paragraphs, and a claim on the sentence could not be made. The quotation
    marks a browser shows around it are styles, not text: the embed does not see them either.
    """
    quotes = list(root.iter("q"))
    for quote in quotes:
        quote.tag = "span"
    return bool(quotes)


def _captions_made_paragraphs(root) -> frozenset[str]:
    """Make the page's figure captions paragraphs; their texts, to mark them again later.

    trafilatura leaves out a `<figure>` whole, caption included; but a caption's words are
    the publisher's, often the very claim to check ("The crowd on Wednesday, 160,000
    strong"). As plain paragraphs they are kept.
    """
    captions = set()
    for caption in list(root.iter("figcaption")):
        text = canonical_text(caption.text_content())
        if not text:
            continue
        captions.update(paragraphs_of(text))
        caption.tag = "p"
        figure = caption.getparent()
        if figure is not None and figure.tag == "figure":
            figure.tag = "div"
    return frozenset(captions)


def _as_the_page_shows(blocks: list[Block], page: _Page) -> list[Block]:
    """`blocks` with what trafilatura loses put back: a plain paragraph that is one of the
    page's figure captions is a caption, and a numbered item has the number the page shows.
    """
    if not page.captions and not page.numbers:
        return blocks
    # Items of the same words in two lists ("Yes", "No") take their numbers in page order.
    numbers = {text: iter(found) for text, found in page.numbers.items()}
    shown = []
    for block in blocks:
        text = canonical_text(block.text)
        if block.kind == PARAGRAPH and text in page.captions:
            block = Block(block.text, CAPTION)
        elif block.number and text in numbers:
            number = next(numbers[text], None)
            if number is not None:
                block = Block(block.text, block.kind, block.level, number)
        shown.append(block)
    return shown


def _run_trafilatura(trafilatura, markup: str, options: dict):
    """Run trafilatura; on a crash in its metadata code, once more without metadata."""
    # Hostile or broken markup can trip assertions deep in lxml and htmldate; the date
    # and byline are worth less than the article, so the text is tried without them.
    try:
        return trafilatura.bare_extraction(markup, **options)
    except Exception:
        try:
            return trafilatura.bare_extraction(markup, **{**options, "with_metadata": False})
        except Exception as exc:
            raise IngestError("the page could not be read as HTML") from exc


def _blocks(document) -> list[Block]:
    """The blocks of a trafilatura result with their kinds (none for no result)."""
    if document is None or document.body is None:
        return []
    blocks: list[Block] = []
    _collect_blocks(document.body, blocks)
    return [b for b in blocks if canonical_text(b.text)]


def _holds_more(own: list[Block], found: list[Block]) -> bool:
    """Whether the page's own blocks keep every paragraph trafilatura found, and more prose."""
    own_paragraphs = paragraphs_of(assemble(own)[0])
    found_paragraphs = paragraphs_of(assemble(found)[0])
    return set(found_paragraphs) <= set(own_paragraphs) and _prose_chars(
        own_paragraphs
    ) > _prose_chars(found_paragraphs)


def _paragraphs(document) -> list[str]:
    """The canonical paragraphs of a trafilatura result (none for no result)."""
    return paragraphs_of(assemble(_blocks(document))[0])


def _prose_chars(paragraphs: list[str]) -> int:
    """Characters in sentence-like paragraphs, as opposed to menu labels.

    A paragraph counts with three words or more, or 20 characters (for scripts written
    without spaces).
    """
    return sum(len(p) for p in paragraphs if len(p.split()) >= 3 or len(p) >= 20)


def _kind_of(element, kind: str, level: int, depth: int) -> tuple[str, int, int]:
    """The kind and level an element gives its text, and the list depth inside it."""
    tag = element.tag
    if tag in _HEADINGS:
        rend = element.get("rend") or tag
        number = rend[1:] if rend[:1] == "h" and rend[1:].isdigit() else "2"
        return HEADING, int(number), depth
    if tag in ("list", "ul", "ol"):
        return kind, level, depth + 1
    if tag in ("item", "li"):
        return LIST_ITEM, max(depth, 1), depth
    if tag in ("quote", "blockquote"):
        return QUOTE, 0, depth
    if tag in ("code", "pre"):
        return PREFORMATTED, 0, depth
    return kind, level, depth


def _collect_blocks(
    element,
    out: list[Block],
    kind: str = PARAGRAPH,
    level: int = 0,
    depth: int = 0,
    number: int = 0,
) -> None:
    """Append each block of `element` to `out`, one paragraph per block, with its kind.

    A paragraph inside a quote or a list item is part of the quote or the item; the items of
    a numbered list carry their numbers.
    """
    if element.tag in _ROWS:
        # Empty cells (and trafilatura's padding after a cell spanning columns) are left out
        # of the text and kept as the row's blank cells.
        cells = [canonical_text(" ".join(cell.itertext())) for cell in element]
        if row := table_row([cell.replace("\n\n", " ") for cell in cells]):
            out.append(row)
        return
    kind, level, depth = _kind_of(element, kind, level, depth)
    numbers = _item_numbers(element)
    first = len(out)
    buffer = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):  # comments and processing instructions
            buffer.append(child.tail or "")
        elif child.tag in _BLOCKS or child.tag in _ROWS:
            out.append(Block("".join(buffer).replace("\n", " "), kind, level, number))
            buffer = []
            _collect_blocks(child, out, kind, level, depth, numbers.get(child, number))
            buffer.append(child.tail or "")
        elif child.tag in _SKIPPED:
            buffer.append(child.tail or "")
        elif child.tag in ("lb", "br"):
            buffer.extend((" ", child.tail or ""))
        else:
            buffer.extend(("".join(child.itertext()), child.tail or ""))
    out.append(Block("".join(buffer).replace("\n", " "), kind, level, number))
    if element.tag in ("item", "li"):
        _continued_as_paragraphs(out, first, level)


def _continued_as_paragraphs(out: list[Block], first: int, level: int) -> None:
    """Make the paragraphs of one list item after its first plain paragraphs.

    `<li><p>First</p><p>More</p></li>` is one item: its second paragraph, read as an item
    too, showed the item's number (or bullet) again. Its nested lists' items stay items.
    """
    own = [
        index
        for index in range(first, len(out))
        if out[index].kind == LIST_ITEM
        and out[index].level == level
        and canonical_text(out[index].text)
    ]
    for index in own[1:]:
        out[index] = Block(out[index].text, PARAGRAPH)


def _item_numbers(element) -> dict:
    """The number of each item of a numbered list (`<ol>`, or trafilatura's `rend="ol"`).

    Numbering starts at the list's `start`, follows an item's own `value` and counts down in
    a `reversed` list, as a browser shows them. The items of a bulleted list, or of one
    lettered or in Roman numerals (`type="a"`), are numbered 0: shown as bullets, not under
    numbers the page never showed. A 0 also ends the number an enclosing numbered item
    gives its paragraphs.
    """
    if element.tag not in ("list", "ul", "ol"):
        return {}
    items = [child for child in element if child.tag in ("item", "li")]
    if (
        element.tag == "ul"
        or (element.tag == "list" and element.get("rend") != "ol")
        or (element.get("type") or "1").strip() != "1"
    ):
        return dict.fromkeys(items, 0)
    step = -1 if element.get("reversed") is not None else 1
    numbers, next_number = {}, _whole_number(element.get("start"), len(items) if step < 0 else 1)
    for item in items:
        numbers[item] = _whole_number(item.get("value"), next_number)
        next_number = numbers[item] + step
    return {item: max(number, 0) for item, number in numbers.items()}


def _list_numbers(root) -> dict[str, list[int]]:
    """The numbers the page shows before the items of its numbered lists, by the item's
    text, in page order.

    trafilatura keeps whether a list is numbered, not where its numbering starts or whether it
    counts down or in letters: a page's "5. … 4. … 3." countdown would come out "1. 2. 3.".
    """
    numbers: dict[str, list[int]] = {}
    for numbered in root.iter("ol"):
        for item, number in _item_numbers(numbered).items():
            numbers.setdefault(_item_text(item), []).append(number)
    return numbers


def _item_text(item) -> str:
    """A list item's own words, as its block has them: without the lists or paragraphs in it."""
    parts = [item.text or ""]
    for child in item:
        if isinstance(child.tag, str) and child.tag not in _BLOCKS and child.tag not in _SKIPPED:
            parts.append(child.text_content())
        parts.append(child.tail or "")
    own = canonical_text("".join(parts).replace("\n", " "))
    return own or canonical_text(item.text_content().replace("\n", " "))


def _whole_number(value, default: int) -> int:
    """An attribute read as a positive list number (as browsers read it), else `default`."""
    try:
        number = int((value or "").strip())
    except ValueError:
        return default
    return number if 0 < number < 1_000_000_000 else default


# Containers that are the page's furniture, not its article, by element or by class or id.
_FURNITURE_TAGS = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "button", "select", "iframe", "svg", "object", "embed",
)  # fmt: skip
_FURNITURE_NAMES = re.compile(
    r"share|social|comment|related|byline|newsletter|advert|promo|cookie|subscribe", re.I
)


def _page_blocks(markup: str, author: str) -> list[Block]:
    """The blocks of a short page read from its own markup: its <article>, <main> or body,
    without navigation, forms, share buttons and the byline."""
    import lxml.html  # imported here with trafilatura, which depends on it

    try:
        root = lxml.html.document_fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return []
    furniture = [element for tag in _FURNITURE_TAGS for element in root.iter(tag)]
    furniture += [
        element
        for element in root.iter()
        if isinstance(element.tag, str)
        and _FURNITURE_NAMES.search(f"{element.get('class', '')} {element.get('id', '')}")
        and element.tag not in ("html", "body", "article", "main")
    ]
    for element in furniture:
        if element.getparent() is not None:
            element.drop_tree()
    container = next(
        (found[0] for path in ("//article", "//main", "//body") if (found := root.xpath(path))),
        root,
    )
    blocks: list[Block] = []
    _collect_blocks(container, blocks)
    byline = {plain_inline(author).casefold(), f"by {plain_inline(author)}".casefold()} - {"by "}
    return [
        block
        for block in blocks
        if canonical_text(block.text) and plain_inline(block.text).casefold() not in byline
    ]


def _without_title(blocks: list[Block], title: str) -> list[Block]:
    """The blocks without a leading heading that repeats the title."""
    wanted = plain_inline(title).casefold()
    for number, block in enumerate(blocks[:3]):
        if block.kind != HEADING:
            continue
        heading = plain_inline(block.text).casefold()
        # A page title often adds the site's name: "Headline | Site", "Headline - Site".
        if heading and (
            heading == wanted or any(wanted.startswith(heading + s) for s in _TITLE_SEPARATORS)
        ):
            return blocks[:number] + blocks[number + 1 :]
        break
    return blocks


_META_KEYS = {
    "og:title": "title",
    "og:site_name": "publisher",
    "og:url": "url",
    "author": "author",
    "article:author": "author",
    "article:published_time": "date",
    "og:locale": "language",
    "content-language": "language",
}
_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "report"}
_HEAD_CHARS = 500_000
_MAX_JSON_LD = 20


def _page_metadata(markup: str) -> dict[str, str]:
    """Metadata from the page's <html lang>, <meta>, canonical link, JSON-LD and <title>.

    These only fill what trafilatura did not find (and the canonical link, which it does
    not report when it was given the page's URL). Parsed with lxml, which is linear in the
    input, from the first 500 kB where the head is.
    """
    import lxml.html  # imported here with trafilatura, which depends on it

    found: dict[str, str] = {}
    try:
        root = lxml.html.document_fromstring(markup[:_HEAD_CHARS])
    except Exception:  # lxml rejects some junk outright; then there is nothing to read
        return found
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if lang:
        found["language"] = lang
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("http-equiv") or "").lower()
        target = _META_KEYS.get(key.strip())
        value = (meta.get("content") or "").strip()
        if target and value and target not in found:
            found[target] = value
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            found["url"] = link.get("href").strip()
            break
    scripts = (
        script
        for script in root.iter("script")
        if (script.get("type") or "").strip().lower() == "application/ld+json"
    )
    for count, script in enumerate(scripts):
        if count >= _MAX_JSON_LD:
            break
        _json_ld_metadata(script.text or "", found)
    title = root.find(".//title")
    if title is not None and "title" not in found:
        found["title"] = title.text_content()
    return found


def _json_ld_metadata(block: str, found: dict[str, str]) -> None:
    try:
        data = json.loads(block)
    except (ValueError, RecursionError):  # broken or absurdly nested JSON-LD is ignored
        return
    items = data if isinstance(data, list) else [data]
    for item in list(items):
        if isinstance(item, dict) and isinstance(item.get("@graph"), list):
            items.extend(item["@graph"])
    for item in items:
        if not isinstance(item, dict):
            continue
        kinds = item.get("@type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
            continue
        values = {
            "title": item.get("headline"),
            "date": item.get("datePublished"),
            "author": _name(item.get("author")),
            "publisher": _name(item.get("publisher")),
            "url": item.get("url") or _name(item.get("mainEntityOfPage"), key="@id"),
            "language": item.get("inLanguage"),
        }
        for key, value in values.items():
            if isinstance(value, str) and value and key not in found:
                found[key] = value


def _name(value, key: str = "name") -> str:
    if isinstance(value, list):
        names = [_name(v, key) for v in value]
        return ", ".join(n for n in names if n)
    if isinstance(value, dict):
        name = value.get(key)
        return name if isinstance(name, str) else ""
    return value if isinstance(value, str) and key == "name" else ""
