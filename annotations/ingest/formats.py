"""Detecting a document's format from its bytes, and decoding text of unknown encoding."""

import codecs
import io
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath

from annotations.ingest.base import IngestError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
MARKDOWN = "text/markdown"
TEXT = "text/plain"

MARKDOWN_EXTENSIONS = {".md", ".markdown", ".mdown", ".mkd"}
HTML_EXTENSIONS = {".html", ".htm", ".xhtml"}
MARKDOWN_TYPES = {"text/markdown", "text/x-markdown"}
HTML_TYPES = {"text/html", "application/xhtml+xml"}

# Data and code, not articles: read as plain text they would make an "article" of braces.
_NOT_ARTICLES = {
    ".json": "JSON data",
    ".js": "JavaScript code",
    ".mjs": "JavaScript code",
    ".css": "a style sheet",
    ".xml": "XML data",
    ".csv": "a table of data (CSV)",
    "application/json": "JSON data",
    "application/ld+json": "JSON data",
    "text/javascript": "JavaScript code",
    "application/javascript": "JavaScript code",
    "text/css": "a style sheet",
    "application/xml": "XML data",
    "text/xml": "XML data",
    "text/csv": "a table of data (CSV)",
}

# What a file name or declared type claims, for the binary formats whose claim is checked
# against the content: a mismatch is refused rather than guessed around.
_CLAIMED_BINARY = {
    ".pdf": (PDF, "a PDF"),
    ".docx": (DOCX, "a Word document"),
    PDF: (PDF, "a PDF"),
    DOCX: (DOCX, "a Word document"),
}

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Images that may hold no NUL byte early on (an 8-byte PNG signature alone decodes as Big5
# "text"): refused by their signatures, which no article starts with.
_IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF87a": "a GIF image",
    b"GIF89a": "a GIF image",
}
_ZIP = b"PK\x03\x04"

# The start of an HTML document, after the WHATWG MIME sniffing rules (case-insensitive,
# followed by a space or '>').
_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!DOCTYPE\s+HTML|<HTML|<HEAD|<SCRIPT|<IFRAME|<H1|<DIV|<FONT"
    rb"|<TABLE|<A|<STYLE|<TITLE|<B|<BODY|<BR|<P|<ARTICLE|<MAIN|<SECTION|<!--)[\s>]",
    re.IGNORECASE,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)

# Control characters (category Cc) other than tab, line ends and form feed.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")

_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def parse_declared_type(declared_type: str) -> tuple[str, str]:
    """Split a Content-Type value into its lower-case media type and charset ('' if none)."""
    media, _, params = (declared_type or "").partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def display_name(filename: str) -> str:
    """The base name of an uploaded file, safe and short enough for an error message."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = "".join(c for c in name if unicodedata.category(c)[0] not in "CZ" or c == " ")
    return name[:80] or "the file"


# What a file found to be something else than its name says is, and what to name it.
_FOUND_AS = {PDF: ("a PDF", ".pdf"), DOCX: ("a Word document", ".docx")}


def _what_it_is(found: str, problem: IngestError | None, data: bytes, *, named: bool) -> str:
    """What the content is, said after "report.pdf is not a PDF" so that the editor knows
    what they picked: a file renamed by mistake, or another file than the one meant. The
    renaming advice is for a file's name; a server's declared type is no one's to rename."""
    if found in _FOUND_AS:
        kind, suffix = _FOUND_AS[found]
        advice = f". Give it a name ending in {suffix} and upload it again" if named else ""
        return f": it is {kind}{advice}"
    if problem is not None:
        return f" ({problem})"
    if looks_like_html(data):
        return ": it is a web page (HTML)"
    return (
        ": it is plain text" if _reads_as_text(data) else ": it is a file this site does not read"
    )


def _reads_as_text(data: bytes) -> bool:
    """Whether the start of `data` reads as text, as an imported text is decoded (a binary
    file of a kind not recognised is not "plain text")."""
    try:
        decode_text_noting_guess(data[:4096])
    except IngestError:
        return False
    return True


def detect(data: bytes, filename: str = "", declared_type: str = "") -> str:
    """Return the media type of `data`: PDF, DOCX, HTML, MARKDOWN or TEXT.

    The content decides, not the name: a binary format is recognised by its signature.
    A file name or declared type that claims PDF or Word while the content is something
    else is refused ("report.pdf is not a PDF"), since that is a mistake the editor should
    see. Among the text formats the claim chooses (Markdown is not recognisable from its
    content), except that content which starts like HTML is read as HTML.
    """
    suffix = PurePosixPath((filename or "").lower()).suffix
    media, _ = parse_declared_type(declared_type)
    try:
        found, problem = _binary_format(data), None
    except IngestError as exc:  # another binary format: the claim's message comes first
        found, problem = "", exc
    for claim in (suffix, media):
        if claim in _CLAIMED_BINARY:
            claimed, what = _CLAIMED_BINARY[claim]
            if found != claimed:
                who = display_name(filename) if claim == suffix else "the content"
                said = _what_it_is(found, problem, data, named=claim == suffix)
                raise IngestError(f"{who} is not {what}{said}")
    if problem is not None:
        raise problem
    if found:
        return found
    for claim in (suffix, media):
        if claim in _NOT_ARTICLES and not looks_like_html(data):
            who = display_name(filename) if claim == suffix else "the content"
            raise IngestError(
                f"{who} is {_NOT_ARTICLES[claim]}, not an article: import the article as text, "
                "HTML, Markdown, Word (.docx) or PDF"
            )
    if media in MARKDOWN_TYPES or (suffix in MARKDOWN_EXTENSIONS and media not in HTML_TYPES):
        return MARKDOWN
    if media in HTML_TYPES or suffix in HTML_EXTENSIONS or looks_like_html(data):
        return HTML
    return TEXT


def looks_like_html(data: bytes) -> bool:
    """Whether the first bytes of `data` start like an HTML document."""
    head = data[:1024]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :].decode(encoding, "ignore").encode("ascii", "ignore")
            break
    return bool(_HTML_START.match(head))


def _binary_format(data: bytes) -> str:
    """PDF or DOCX if `data` is one, '' for text; raise for other binary formats."""
    # Readers accept the PDF header anywhere in the first 1024 bytes; away from the very
    # start, the end-of-file marker must be there too, so a text that merely mentions
    # "%PDF-" stays text.
    if data.startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and b"%%EOF" in data[-2048:]):
        return PDF
    if data.startswith(_ZIP):
        return _zip_format(data)
    if data.startswith(_OLE2):
        raise IngestError(
            "Word 97-2003 (.doc) and other old Office files are not supported: "
            "save the document as .docx or PDF"
        )
    image = next((what for sign, what in _IMAGE_SIGNATURES.items() if data.startswith(sign)), "")
    if not image and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        image = "a WebP image"
    if image:
        message = f"the file is {image}, not a text, HTML, Word or PDF document"
        raise IngestError(message, status=415)
    return ""


def _zip_format(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names:
                # Streamed and cut short: the entry may claim any size (a zip bomb).
                with archive.open("mimetype") as entry:
                    mimetype = entry.read(100)
    except Exception as exc:  # zipfile raises many types for damaged or exotic archives
        raise IngestError("the file is a damaged ZIP archive or Word document") from exc
    if "word/document.xml" in names:
        return DOCX
    if b"opendocument" in mimetype:
        raise IngestError("OpenDocument files are not supported: save the document as .docx")
    if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
        raise IngestError("spreadsheets and presentations are not supported")
    raise IngestError("the file is a ZIP archive, not a Word document")


def html_charset(data: bytes) -> str:
    """The charset named by a <meta> tag near the start of an HTML document, or ''."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else ""


def decode_text(data: bytes, charset: str = "") -> str:
    """Decode text bytes of unknown encoding (see `decode_text_noting_guess`)."""
    return decode_text_noting_guess(data, charset)[0]


def decode_text_noting_guess(data: bytes, charset: str = "") -> tuple[str, str]:
    """Decode text bytes of unknown encoding; return the text and the encoding guessed, or ""
    when nothing was guessed.

    In order: a byte order mark; UTF-8 when the bytes are valid UTF-8; the declared
    `charset` if Python knows it; else charset-normalizer's guess, which is the only case
    that returns an encoding (the editor should check the letters). Raises `IngestError` for
    binary data (NUL bytes, many control characters) and for bytes no encoding reads
    sensibly.
    """
    text, guessed = None, ""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise IngestError(f"the text is not valid {encoding.upper()}") from exc
            break
    if text is None:
        if b"\x00" in data:
            data = _without_stray_nuls(data)
        text, guessed = _decode_without_bom(data, charset)
    _reject_control_characters(text, data)
    return text, guessed


def encoding_name(encoding: str) -> str:
    """An encoding as editors know it: "Windows-1252" for Python's "cp1252"; "" for ""."""
    try:
        key = codecs.lookup(encoding).name if encoding else ""
    except LookupError:
        return encoding
    if match := re.fullmatch(r"cp(125\d)", key):
        return f"Windows-{match.group(1)}"
    if match := re.fullmatch(r"cp(\d+)", key):
        return f"code page {match.group(1)}"
    if match := re.fullmatch(r"iso8859-(\d+)", key):
        return f"ISO-8859-{match.group(1)}"
    return _ENCODING_NAMES.get(key, key)


_ENCODING_NAMES = {"mac-roman": "Mac Roman", "koi8-r": "KOI8-R", "koi8-u": "KOI8-U"}


# Declared charsets that browsers read as a wider encoding (the WHATWG Encoding Standard's
# labels): a page declared ISO-8859-1 or ASCII is Windows-1252 to every browser, and its
# curly quotes, dashes and euro signs (bytes 0x80-0x9F) are those letters, not controls.
_AS_BROWSERS_READ = {
    **dict.fromkeys(
        (
            "ansi_x3.4-1968", "ascii", "cp819", "csisolatin1", "ibm819", "iso-8859-1",
            "iso-ir-100", "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1",
            "latin1", "us-ascii", "x-cp1252",
        ),
        "cp1252",
    ),
    **dict.fromkeys(
        (
            "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
            "iso_8859-9:1989", "l5", "latin5",
        ),
        "cp1254",
    ),
    **dict.fromkeys(("iso-8859-11", "iso8859-11", "iso885911", "tis-620", "dos-874"), "cp874"),
    **dict.fromkeys(("gb2312", "gbk", "csgb2312", "x-gbk", "gb_2312-80"), "gb18030"),
    **dict.fromkeys(("euc-kr", "ks_c_5601-1987", "csksc56011987", "korean"), "cp949"),
    **dict.fromkeys(
        ("shift_jis", "shift-jis", "sjis", "ms_kanji", "csshiftjis", "x-sjis"), "cp932"
    ),
    **dict.fromkeys(("big5", "csbig5", "x-x-big5", "big5-hkscs", "cn-big5"), "big5hkscs"),
}  # fmt: skip
# The five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D): browsers read
# them as the C1 characters of the same number; Python's codec refuses the whole page.
_UNDEFINED_IN_WINDOWS_CODE_PAGES = "as-c1-controls"


def _as_c1_controls(error: UnicodeDecodeError) -> tuple[str, int]:
    return chr(error.object[error.start]), error.start + 1


codecs.register_error(_UNDEFINED_IN_WINDOWS_CODE_PAGES, _as_c1_controls)


# How much worse than charset-normalizer's best guess Windows-1252 may score and still be
# preferred: no more chaos to speak of, and a language fit within this of the best.
_CHAOS_SLACK = 0.01
_COHERENCE_SLACK = 0.15


def _decode_without_bom(data: bytes, charset: str) -> tuple[str, str]:
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    if charset:
        charset = _AS_BROWSERS_READ.get(charset.strip().lower(), charset)
        errors = "strict"
        if charset in ("cp1252", "cp1254"):
            errors = _UNDEFINED_IN_WINDOWS_CODE_PAGES
        try:
            codecs.lookup(charset)
            return data.decode(charset, errors), ""
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: fall through to detection
    import charset_normalizer  # imported here: it is slow to import and rarely needed

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        raise IngestError("could not detect the text encoding")
    encoding = best.encoding
    # On a short text the language-fit score (coherence) rests on a handful of letters and
    # often ranks a rare code page (cp775, mac_iceland) a little above Windows-1252, the
    # web's usual legacy encoding, turning "Café" into "Cafķ". So Windows-1252 wins when it
    # decodes the bytes as cleanly as the best guess (the chaos score, which counts
    # implausible characters, is the reliable signal) and fits the language nearly as well.
    # Texts in other code pages (cp1250 Polish, cp1251 Russian) read as mojibake in
    # Windows-1252 and score high chaos, so they are not caught by this.
    western = next(
        (
            match
            for match in matches
            if match.encoding == "cp1252" or "cp1252" in match.could_be_from_charset
        ),
        None,
    )
    if (
        western is not None
        and western.chaos <= best.chaos + _CHAOS_SLACK
        and western.coherence >= best.coherence - _COHERENCE_SLACK
    ):
        encoding = "cp1252"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        raise IngestError("could not detect the text encoding") from exc


def _reject_control_characters(text: str, data: bytes) -> None:
    # A stray form feed or DOS end-of-file mark is normal; a text where more than one
    # character in a hundred is a control character is binary data.
    controls = len(_CONTROL.findall(text))
    if controls > max(2, len(text) // 100):
        raise _binary_error(data)


def _without_stray_nuls(data: bytes) -> bytes:
    """UTF-8 text with a few NUL bytes (left by a PDF copy or a faulty export) without them;
    `IngestError` for anything else holding NULs: binary data, or UTF-16 without its mark,
    where every other byte of Latin text is a NUL."""
    if data.count(b"\x00") <= max(2, len(data) // 100):
        cleaned = data.replace(b"\x00", b"")
        try:
            cleaned.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return cleaned
    raise _binary_error(data)


def _binary_error(data: bytes) -> IngestError:
    import filetype  # only to name the format in the message

    kind = filetype.guess(data[:8192])
    if kind is not None:
        # A format we recognise and do not read: its media type is what is refused (415).
        message = f"the file is {kind.mime} data, not a text, HTML, Word or PDF document"
        return IngestError(message, status=415)
    return IngestError("the file contains binary data, not text")
