"""Turning editors' Markdown into HTML that is safe to put on a page (markdown-it + nh3)."""

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _image_as_link(renderer, tokens, index, options, env) -> str:
    """An image becomes a link to it, named by its description: pages show no outside
    images (their CSP, and readers' privacy), but what the editor pointed to is kept."""
    token = tokens[index]
    described = renderer.renderInlineAsText(token.children or [], options, env).strip()
    source = token.attrGet("src") or ""
    name = described or source.rstrip("/").rsplit("/", 1)[-1] or "image"
    # An image that is a link's content ([![logo](img)](page)) names the link: a link
    # inside a link is not HTML, and the outer one would be left empty.
    inside_link = sum((t.type == "link_open") - (t.type == "link_close") for t in tokens[:index])
    if inside_link > 0:
        return f"Image: {escapeHtml(name)}"
    return f'<a href="{escapeHtml(source)}">Image: {escapeHtml(name)}</a>'


_markdown.add_render_rule("image", _image_as_link)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# The pages that show this HTML have their own h1 and h2 (the page's title, its sections):
# the text's headings start at h3.
TOP_HEADING_LEVEL = 3
# What is left of a paragraph that held only what the sanitiser removes.
_EMPTY_PARAGRAPH = re.compile(r"<p>(?:\s|<br>)*</p>\n?")


def _fit_headings(tokens) -> None:
    """Move the text's headings down so the highest is an h3, keeping their relative levels.

    "# Title" and "## What we found" would otherwise sit beside, or above, the page's own
    h1 and h2 (and the sanitiser, which allows no h1 or h2, would strip them to bare text).
    A text whose highest heading is already h3 or lower keeps its levels.
    """
    levels = [int(token.tag[1]) for token in tokens if token.type == "heading_open"]
    if not levels:
        return
    shift = max(TOP_HEADING_LEVEL - min(levels), 0)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"


def markdown_to_safe_html(text: str, *, relative_links: bool = False) -> str:
    """Render Markdown and sanitise it: no scripts, event handlers or javascript: URLs.

    Headings start at h3 (`_fit_headings`); images become links to them (`_image_as_link`).
    Links are whole addresses only, unless `relative_links` (a text shown on this site's
    own pages alone, as a methodology, may link to them by path).
    """
    tokens = _markdown.parse(text or "")
    _fit_headings(tokens)
    rendered = _markdown.renderer.render(tokens, _markdown.options, {})
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        # A relative address means another page on each surface that shows the text (the
        # reader page, a publisher's page, an API client's), and "java%09script:" is one:
        # only whole addresses are links; the words of the others stay, as text.
        url_relative="pass_through" if relative_links else "deny",
        link_rel="noopener noreferrer nofollow",
    )
    return _EMPTY_PARAGRAPH.sub("", cleaned)


def prose_of(text: str) -> str:
    """The Markdown `text` without its code (fenced or indented blocks, `spans`), one line per
    run of prose: what a reader takes as words addressed to someone."""
    lines = []
    for token in _markdown.parse(text):
        if token.type == "inline" and token.children:
            lines.append(" ".join(c.content for c in token.children if c.type == "text"))
    return "\n".join(lines)
