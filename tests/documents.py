"""Documents the tests build: the sample article as PDF, Word and an HTML page with boilerplate."""

# python-docx writes the .docx files; the small PDF writer below writes PDFs with a text
# layer in the standard Helvetica font.

import html
import io
import textwrap
import zipfile
from pathlib import Path

import docx

from annotations.ingest import canonical_text

DATA = Path(__file__).parent / "data" / "ingest"
SAMPLE = DATA / "imran-khan-twitter-spaces.txt"


def sample_paragraphs() -> list[str]:
    return canonical_text(SAMPLE.read_text(encoding="utf-8")).split("\n\n")


# --- fixture builders ------------------------------------------------------------------


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (cp1252), escaped."""
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_text_string(text: str) -> bytes:
    """A PDF text string for the document information dictionary (UTF-16 with BOM)."""
    return b"<" + ("\ufeff" + text).encode("utf-16-be").hex().encode() + b">"


def make_pdf(
    paragraphs: list[str],
    *,
    title: str = "",
    author: str = "",
    heading_size: int = 16,
    blank_pages: int = 0,
    drawing_only: bool = False,
    page_numbers: bool = False,
) -> bytes:
    """A PDF whose pages show `paragraphs` in Helvetica, wrapped, a blank line between.

    The first paragraph is set larger, as a headline. Paragraphs flow across pages, so a
    paragraph may be cut by a page break. `drawing_only` makes a page with a drawn line and
    no text (what a scanned page looks like to a text extractor).
    """
    pages: list[list[tuple[int, int, bytes]]] = []
    lines: list[tuple[int, int, bytes]] = []
    y = 750
    for number, paragraph in enumerate(paragraphs):
        size = heading_size if number == 0 else 11
        for line in textwrap.wrap(paragraph, width=88, break_on_hyphens=False):
            if y < 72:
                pages.append(lines)
                lines, y = [], 750
            lines.append((size, y, _pdf_string(line)))
            y -= int(size * 1.3)
        y -= int(size * 1.3)
    if lines:
        pages.append(lines)
    pages.extend([] for _ in range(blank_pages))
    streams = []
    for index, page in enumerate(pages or [[]]):
        ops = [b"BT /F1 %d Tf 72 %d Td %s Tj ET" % (size, y, text) for size, y, text in page]
        if page_numbers:
            ops.append(b"BT /F1 9 Tf 300 40 Td (%d) Tj ET" % (index + 1))
        if drawing_only:
            ops.append(b"0.5 w 72 700 m 540 100 l S")
        streams.append(b"\n".join(ops))
    return pdf_of_pages(streams, title=title, author=author)


def pdf_of_pages(streams: list[bytes], *, title: str = "", author: str = "") -> bytes:
    """A PDF whose pages draw the content streams `streams`, with Helvetica as font /F1."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = add(b"")
    kids = []
    for stream in streams:
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_id, font, content)
            )
        )
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R /Lang (en-GB) >>" % pages_id)
    info_entries = b""
    if title:
        info_entries += b" /Title " + _pdf_text_string(title)
    if author:
        info_entries += b" /Author " + _pdf_text_string(author)
    info = add(b"<<%s >>" % info_entries)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (
        len(objects) + 1,
        catalog,
        info,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def make_docx(paragraphs: list[str], *, title_style: bool = True, **properties) -> bytes:
    document = docx.Document()
    for key, value in properties.items():
        setattr(document.core_properties, key, value)
    for number, paragraph in enumerate(paragraphs):
        if number == 0 and title_style:
            document.add_paragraph(paragraph, style="Title")
        else:
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_html_page(paragraphs: list[str], *, title: str, byline: str) -> bytes:
    """A blog page around the article: navigation, share buttons, a comment form, footer."""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} | Voice of East</title>
<meta property="og:site_name" content="Voice of East">
<meta name="author" content="{html.escape(byline)}">
<meta property="article:published_time" content="2022-04-22T09:30:00+00:00">
<link rel="canonical" href="/2022/04/22/imran-khan-twitter-spaces/">
<script>window.dataLayer = [];</script>
</head>
<body>
<header><nav><ul>
<li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/opinion">Opinion</a></li><li><a href="/about">About us</a></li>
</ul></nav></header>
<main><article>
<h1 class="entry-title">{html.escape(title)}</h1>
<p class="byline">By {html.escape(byline)}</p>
<div class="entry-content">
{body}
</div>
<div class="share-buttons">
<a href="https://twitter.com/intent/tweet">Share on Twitter</a>
<a href="https://www.facebook.com/sharer.php">Share on Facebook</a>
<a href="mailto:?subject=article">Email this</a>
</div>
</article>
<section id="comments">
<h3>Leave a Reply</h3>
<form action="/wp-comments-post.php" method="post" id="commentform">
<p>Your email address will not be published. Required fields are marked *</p>
<label>Comment</label><textarea name="comment"></textarea>
<label>Name *</label><input name="author"><label>Email *</label><input name="email">
<input type="submit" value="Post Comment">
</form>
</section>
</main>
<footer><p>© 2022 Voice of East. All rights reserved.</p></footer>
</body>
</html>"""
    return page.encode("utf-8")


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def slow_pdf(*, pages: int = 20, operators: int = 200_000) -> bytes:
    """A PDF of a few kilobytes that takes pypdf seconds a page to read: every page draws
    one compressed content stream of `operators` operators that draw nothing."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter()
    content = StreamObject()
    content.set_data(b"BT (x) Tj ET\n" + b"1 0 0 1 0 0 cm\n" * operators)
    shared = writer._add_object(content.flate_encode(level=9))
    for _ in range(pages):
        writer.add_blank_page(612, 792)[NameObject("/Contents")] = shared
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
