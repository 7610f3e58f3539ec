"""The publishers' embed script, `/embed.js`: one public file any site may load."""

import functools
import hashlib

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition, require_safe

SCRIPT = settings.BASE_DIR / "static" / "embed" / "embed.js"
# Publishers' pages keep the tag for years; an hour keeps fixes flowing to their readers while
# caches answer most loads, and stale copies may be served while one is fetched anew.
MAX_AGE = 3600
STALE_WHILE_REVALIDATE = 86400


@functools.lru_cache(maxsize=1)
def _cached_script() -> tuple[bytes, str]:
    return _read_script()


def _read_script() -> tuple[bytes, str]:
    body = without_comment_lines(SCRIPT.read_text(encoding="utf-8")).encode()
    return body, hashlib.sha256(body).hexdigest()[:32]


def without_comment_lines(source: str) -> str:
    """The script without its whole-line comments: every publisher's reader downloads it,
    and the comments are for whoever works on the file (static/embed/embed.js keeps them).
    Only comment text at the start of a line goes; code after a block comment's end on the
    same line stays. The script has no string that spans a line starting with "//" or "/*",
    which the tests check by running what is served."""
    kept = []
    in_block = False
    for line in source.splitlines():
        text = line.strip()
        if not in_block and text.startswith("//"):
            continue
        if not in_block and text.startswith("/*"):
            in_block, text = True, text[2:]
        if in_block:
            _, end, after = text.partition("*/")
            if not end:
                continue
            in_block = False
            # `/* a */ b();` keeps `b();`: code after a comment's end is code all the same.
            if after.strip():
                kept.append(after.strip())
            continue
        kept.append(line)
    return "\n".join(kept) + "\n"


def _script() -> tuple[bytes, str]:
    # In development the file changes under runserver; in production it is read once.
    return _read_script() if settings.DEBUG else _cached_script()


@require_safe
@gzip_page
@condition(etag_func=lambda request: _script()[1])
def embed_script(request):
    """The embed script, cacheable by anyone, loadable from any origin.

    `Cross-Origin-Resource-Policy: cross-origin` lets pages that isolate themselves (COEP)
    load it; `Access-Control-Allow-Origin: *` lets a tag with `crossorigin="anonymous"`
    fetch it in CORS mode, which sends no cookies of this instance along.
    """
    body, _ = _script()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = (
        f"public, max-age={MAX_AGE}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"
    )
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Access-Control-Allow-Origin"] = "*"
    return response
