"""Lighthouse on the demo article's reader page: the four scores against the issue's targets.

Starts a throwaway copy of the app as production runs it (DEBUG off, gunicorn, whitenoise,
collected static files) on a loopback port, with its own SQLite file, Redis and the demo
data; runs the `lighthouse` npm package (installed into var/node by `make lighthouse`)
against Debian's Chromium (CHROME_PATH) with mobile and desktop settings; prints the
scores, the audits that cost points, and exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from factcheck import localservers  # noqa: E402 - needs the path above

LIGHTHOUSE = ROOT / "var" / "node" / "node_modules" / ".bin" / "lighthouse"
ARTIFACTS = ROOT / "test-artifacts"
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage"


def run(command: list[str], env: dict[str, str], **kwargs) -> str:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, **kwargs
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def wait_for_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def lighthouse(url: str, preset: str, env: dict[str, str], report_path: Path) -> dict:
    """Run Lighthouse once; the JSON report is kept at `report_path`, the HTML beside it."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        "--output=html",
        f"--output-path={report_path.with_suffix('')}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=performance,accessibility,best-practices,seo",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    run(command, env, timeout=300)
    return json.loads(report_path.with_suffix(".report.json").read_text())


def summarise(report: dict) -> dict[str, int]:
    return {key: round(category["score"] * 100) for key, category in report["categories"].items()}


def lost_points(report: dict) -> list[str]:
    """The scored audits that did not pass, per category, for the next improvement."""
    lines = []
    audits = report["audits"]
    for key, category in report["categories"].items():
        for ref in category["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                lines.append(f"  {key}: {audit['id']} ({audit['score']}): {audit['title']}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=["mobile", "desktop", "both"], default="both")
    args = parser.parse_args()
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `make lighthouse`")
    if not Path(chrome).exists():
        raise SystemExit(f"no Chromium at {chrome}: set CHROME_PATH")

    workdir = Path(tempfile.mkdtemp(prefix="factcheck-lighthouse-"))
    redis = localservers.start_redis(socket_path=workdir / "redis.sock")
    port = localservers.free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_REDIS_URL")},
        "CHROME_PATH": chrome,
        "FACTCHECK_VAR_DIR": str(workdir),
        "REDIS_URL": redis.url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "lighthouse-run-only-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
    }
    python = sys.executable
    web = None
    try:
        run([python, "manage.py", "migrate", "--noinput"], env)
        run([python, "manage.py", "collectstatic", "--noinput"], env)
        run([python, "manage.py", "load_demo"], env)
        path = run(
            [python, "manage.py", "shell", "-c",
             "from django.urls import reverse; from annotations.models import Article; "
             "a = Article.objects.get(organization__slug='demo-fact-desk'); "
             "print(reverse('reader-article', args=[a.organization.slug, a.slug]))"],
            env,
        ).strip().splitlines()[-1]  # fmt: skip
        web = subprocess.Popen(
            [python, "-m", "gunicorn", "factcheck.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}{path}"
        wait_for_http(url)
        ARTIFACTS.mkdir(exist_ok=True)
        presets = ["mobile", "desktop"] if args.preset == "both" else [args.preset]
        missed = False
        print(f"Lighthouse on {url}")
        for preset in presets:
            report = lighthouse(url, preset, env, ARTIFACTS / f"lighthouse-{preset}.json")
            scores = summarise(report)
            print(f"{preset}: " + ", ".join(
                f"{key} {scores[key]} (target {'≥' if target < 100 else ''}{target})"
                for key, target in TARGETS.items()
            ))  # fmt: skip
            for line in lost_points(report):
                print(line)
            missed |= any(scores[key] < target for key, target in TARGETS.items())
        print("Reports: test-artifacts/lighthouse-*.report.html")
        print("Targets missed." if missed else "All targets met.")
        return 1 if missed else 0
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=20)
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
