"""Benchmark: ingesting a 5 MB HTML page, a 100-page PDF and a folder of 200 mixed files.

Each measurement runs in its own process so its peak memory (max RSS) is its own. The
baselines, measured in the same run, are the bare libraries on the same bytes
(trafilatura.extract for the page, pypdf's extract_text for the PDF): the difference is
what our checks, metadata and canonical text cost. The folder goes through
`manage.py import_article` against a throwaway SQLite database, as a user would run it.

Run: .venv/bin/python bench/ingest.py
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.documents import make_docx, make_html_page, make_pdf, sample_paragraphs  # noqa: E402


def build_inputs(folder: Path) -> dict[str, Path]:
    paragraphs = sample_paragraphs()
    title, byline, body = paragraphs[0], paragraphs[1], paragraphs[2:]
    # A heavy news page as publishers serve them: the article (about 300 KB of text) inside
    # some 5 MB of markup: inline scripts with the app's JSON state, styles, menus, an
    # inline SVG sprite and a long comment thread.
    long_body = [f"{body[n % len(body)]} (paragraph {n})" for n in range(300)]
    html_page = make_html_page(long_body, title=title, byline=byline.removeprefix("By "))
    state = json.dumps({"items": [{"id": n, "headline": body[n % len(body)]} for n in range(6000)]})
    menu = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(3000))
    sprite = "".join(f'<symbol id="i{n}"><path d="M0 0L{n} {n}Z"/></symbol>' for n in range(8000))
    comments = "".join(
        f'<div class="comment"><p>Reader {n} wrote a comment about it.</p></div>'
        for n in range(4000)
    )
    heavy = (
        f"<script>window.__STATE__ = {state};</script>"
        f"<style>{'.x{color:red}' * 20000}</style>"
        f"<nav><ul>{menu}</ul></nav><svg style='display:none'>{sprite}</svg>"
    )
    html_page = html_page.replace(b"<body>", b"<body>" + heavy.encode(), 1)
    html_page = html_page.replace(
        b"</body>", f'<section id="comments">{comments}</section></body>'.encode(), 1
    )
    inputs = {"page.html": html_page, "report.pdf": _pdf_of_pages(title, byline, body, 100)}
    paths = {}
    for name, data in inputs.items():
        paths[name] = folder / name
        paths[name].write_bytes(data)
    mixed = folder / "mixed"
    mixed.mkdir()
    text = "\n\n".join(paragraphs)
    for n in range(200):
        kind = n % 4
        variant = [f"{title} ({n})", byline, *body[: 4 + n % 9]]
        if kind == 0:
            (mixed / f"{n:03}.txt").write_text("\n\n".join(variant), encoding="utf-8")
        elif kind == 1:
            (mixed / f"{n:03}.md").write_text("# " + "\n\n".join(variant), encoding="utf-8")
        elif kind == 2:
            page = make_html_page(variant[2:], title=variant[0], byline=byline.removeprefix("By "))
            (mixed / f"{n:03}.html").write_bytes(page)
        else:
            (mixed / f"{n:03}.docx").write_bytes(make_docx(variant))
    paths["mixed"] = mixed
    assert text
    return paths


def _pdf_of_pages(title: str, byline: str, body: list[str], pages: int) -> bytes:
    """A PDF of the sample's paragraphs repeated until it runs to at least `pages` pages."""
    import io

    import pypdf

    paragraphs = list(body)
    while True:
        data = make_pdf([title, byline, *paragraphs])
        count = len(pypdf.PdfReader(io.BytesIO(data)).pages)
        if count >= pages:
            return data
        paragraphs += body * max(1, (pages - count) * len(body) // max(count, 1) // 2)


def measure_in_child(kind: str, path: Path) -> dict:
    """Time one extraction in a fresh process and report its peak memory."""
    code = f"""
import json, sys, time
sys.path.insert(0, {str(ROOT)!r})
data = open({str(path)!r}, "rb").read()
started = time.perf_counter()
if {kind!r} == "ours":
    from annotations.ingest import extract
    result = extract(data, filename={path.name!r})
    chars = len(result.text)
elif {kind!r} == "trafilatura":
    import trafilatura
    chars = len(trafilatura.extract(data.decode("utf-8")) or "")
else:
    import io, pypdf
    reader = pypdf.PdfReader(io.BytesIO(data))
    chars = sum(len(page.extract_text() or "") for page in reader.pages)
seconds = time.perf_counter() - started
# VmHWM is this process image's own peak; ru_maxrss would carry the parent's across exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status")
            if line.startswith("VmHWM")) / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak, "chars": chars}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if result.returncode != 0:
        return {"seconds": float("nan"), "peak_mb": float("nan"), "chars": 0,
                "error": result.stderr.strip().splitlines()[-1]}  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def batch_import(folder: Path) -> tuple[float, int, float]:
    """Import the folder with the management command; return seconds, files and peak MB."""
    var_dir = tempfile.mkdtemp(prefix="factcheck-bench-")
    env = {**os.environ, "FACTCHECK_VAR_DIR": var_dir}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True, cwd=ROOT, env=env)
    subprocess.run([*manage, "load_demo"], check=True, cwd=ROOT, env=env, capture_output=True)
    # Run manage.py under a wrapper that reports the process's own peak memory at exit.
    report_peak = (
        "import atexit, runpy, sys; atexit.register(lambda: print('PEAK', "
        "open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr)); "
        "sys.argv = sys.argv[1:]; runpy.run_path('manage.py', run_name='__main__')"
    )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", report_peak, "manage.py", "import_article", str(folder),
         "--org", "demo-fact-desk", "--user", "demo-editor"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak = int(result.stderr.rsplit("PEAK", 1)[1].split()[0]) / 1024
    imported = result.stdout.count(": ok, article #")
    if result.returncode != 0:
        print(result.stderr[-2000:])
    return seconds, imported, peak


def main():
    with tempfile.TemporaryDirectory(prefix="factcheck-ingest-bench-") as folder:
        paths = build_inputs(Path(folder))
        html_mb = paths["page.html"].stat().st_size / 1024 / 1024
        pdf_mb = paths["report.pdf"].stat().st_size / 1024 / 1024
        rows = [
            (f"HTML page {html_mb:.1f} MB: ours", measure_in_child("ours", paths["page.html"])),
            ("  baseline trafilatura.extract", measure_in_child("trafilatura", paths["page.html"])),
            (f"PDF 100 pages {pdf_mb:.2f} MB: ours", measure_in_child("ours", paths["report.pdf"])),
            ("  baseline pypdf extract_text", measure_in_child("pypdf", paths["report.pdf"])),
        ]
        print(f"{'input':<36}{'seconds':>9}{'peak MB':>9}{'chars':>11}")
        for label, figures in rows:
            print(
                f"{label:<36}{figures['seconds']:>9.2f}{figures['peak_mb']:>9.0f}"
                f"{figures['chars']:>11,}  {figures.get('error', '')}"
            )
        seconds, imported, peak = batch_import(paths["mixed"])
        print()
        print(
            f"200 mixed files (txt, md, html, docx) through import_article: {imported} imported "
            f"in {seconds:.1f} s = {imported / seconds * 60:.0f} articles/minute, "
            f"peak {peak:.0f} MB"
        )
        html = rows[0][1]
        print()
        print(f"5 MB HTML under 2 s: {'met' if html['seconds'] < 2 else 'MISSED'}")
        worst = max(figures["peak_mb"] for _, figures in rows[::2])
        print(f"memory under 300 MB: {'met' if max(worst, peak) < 300 else 'MISSED'}")


if __name__ == "__main__":
    main()
