"""Turning editors' Markdown into HTML that is safe to put on a page (markdown-it + nh3)."""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def markdown_to_safe_html(text: str) -> str:
    """Render Markdown and sanitise it: no scripts, event handlers or javascript: URLs."""
    rendered = _markdown.render(text or "")
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def prose_of(text: str) -> str:
    """The Markdown `text` without its code (fenced or indented blocks, `spans`), one line per
    run of prose: what a reader takes as words addressed to someone."""
    lines = []
    for token in _markdown.parse(text):
        if token.type == "inline" and token.children:
            lines.append(" ".join(c.content for c in token.children if c.type == "text"))
    return "\n".join(lines)
