"""Benchmark: evidence for 100 claims from 3 providers, and 100 source snapshots, in workers.

Three provider servers on loopback (two MediaWiki-shaped, one shaped like Google's
claims:search), each on its own address (127.0.0.1, .2, .3) and each answering after
300 ms, as a distant API would. The same work runs twice in the same run, on a throwaway
SQLite database and redis-server:

- sequentially in this process: each claim created, then each of its evidence jobs run
  with `jobs.run`, one after the other;
- in the deployed topology with default settings: the I/O worker (`--queues io --pool
  threads --concurrency 32`) and the CPU worker (`--queues celery --concurrency 2`), the
  claims created in this process and the jobs sent through the broker on commit.

Reported: wall times and the speed-up, jobs per second, jobs lost, p50/p95 from a claim's
creation to its first evidence item, the workers' peak memory (VmHWM), the same for 100
source snapshots on a 300 ms page server, and the number parser + passage ranker alone on
1,000 passages. The provider rate limits are switched off (the servers are ours); the
worker settings are the defaults. Run: .venv/bin/python bench/evidence.py
"""

import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CLAIMS = 100
DELAY = 0.3
WIKI_EXTRACT = (
    "Twitter Spaces is the audio feature of Twitter. In April 2022 a Space hosted by Imran "
    "Khan drew a record audience: over 160,000 people listened in at once, according to "
    "the platform. The previous record in Pakistan was about 41,000 listeners. Pakistan is "
    "a young country; its median age is 22.8 years. "
)


def _second_wiki_class():
    """A second MediaWiki provider (another wiki), for the third network provider."""
    from annotations.evidence.providers.mediawiki import MediaWiki

    class SecondWiki(MediaWiki):
        name = "mediawiki2"
        label = "Second wiki"

        def endpoint(self) -> str:
            return os.environ["BENCH_WIKI2_ENDPOINT"]

    return SecondWiki


if __name__ != "__main__" and os.environ.get("BENCH_WIKI2_ENDPOINT"):
    # Imported by a worker through FACTCHECK_EVIDENCE_PROVIDERS.
    SecondWiki = _second_wiki_class()


class SlowAPI(BaseHTTPRequestHandler):
    """Answers like MediaWiki's api.php or Google's claims:search, after DELAY seconds."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        time.sleep(DELAY)
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/page":
            body = _page(query.get("n", "0")).encode()
            return self._send(body, "text/html; charset=utf-8")
        if parts.path.endswith("claims:search"):
            data = {
                "claims": [
                    {
                        "text": query.get("query", "")[:200],
                        "claimant": "Imran Khan",
                        "claimDate": "2022-04-23T00:00:00Z",
                        "claimReview": [
                            {
                                "publisher": {"name": "Fact Desk", "site": "factdesk.example"},
                                "url": "https://factdesk.example/checks/spaces-record",
                                "title": "Did 160,000 people listen to the Space?",
                                "reviewDate": "2022-04-25T00:00:00Z",
                                "textualRating": "Mostly true",
                                "languageCode": "en",
                            }
                        ],
                    }
                ]
            }
        elif query.get("list") == "search":
            data = {
                "batchcomplete": True,
                "query": {
                    "searchinfo": {"totalhits": 1},
                    "search": [
                        {"ns": 0, "title": "Twitter Spaces", "pageid": 6021,
                         "snippet": "over <span class=\"searchmatch\">160,000</span> people"}
                    ],
                },
            }  # fmt: skip
        else:
            host = self.server.server_address[0]
            data = {
                "batchcomplete": True,
                "query": {
                    "pages": [
                        {"pageid": 6021, "ns": 0, "title": "Twitter Spaces",
                         "extract": WIKI_EXTRACT * 3,
                         "fullurl": f"https://wiki-{host}.example/wiki/Twitter_Spaces"}
                    ]
                },
            }  # fmt: skip
        return self._send(json.dumps(data).encode(), "application/json")

    def _send(self, body: bytes, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _page(n: str) -> str:
    paragraphs = "".join(f"<p>{WIKI_EXTRACT} (part {i})</p>" for i in range(6))
    return (
        f"<!DOCTYPE html><html><head><title>Record Space {n}</title>"
        '<meta property="og:site_name" content="Voice of East">'
        '<meta property="article:published_time" content="2022-04-22"></head>'
        f"<body><article><h1>Record Space {n}</h1>{paragraphs}</article></body></html>"
    )


def _serve(host: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, 0), SlowAPI)
    server.daemon_threads = True
    server.request_queue_size = 256
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _peak_rss_mb(pid: int) -> list[float]:
    """Peak resident memory (VmHWM) of a process and of each of its children, in MB."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    peaks = []
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    servers = {host: _serve(host) for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")}
    port = {host: server.server_address[1] for host, server in servers.items()}

    from factcheck import localservers

    redis = localservers.start_redis(port=localservers.free_port())
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "REDIS_URL": redis.url,
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "FACTCHECK_FETCH_ALLOW": "127.0.0.0/8",
        "FACTCHECK_EVIDENCE_PROVIDERS": (
            "annotations.evidence.providers.mediawiki.MediaWiki,"
            "annotations.evidence.providers.google.GoogleFactCheck,bench.evidence.SecondWiki"
        ),
        "FACTCHECK_EVIDENCE_MEDIAWIKI_ENDPOINT": f"http://127.0.0.1:{port['127.0.0.1']}/w/api.php",
        "FACTCHECK_EVIDENCE_GOOGLE_ENDPOINT": (
            f"http://127.0.0.2:{port['127.0.0.2']}/v1alpha1/claims:search"
        ),
        "FACTCHECK_EVIDENCE_GOOGLE_API_KEY": "bench-key",
        "BENCH_WIKI2_ENDPOINT": f"http://127.0.0.3:{port['127.0.0.3']}/w/api.php",
        "FACTCHECK_EVIDENCE_OPTIONS": json.dumps(
            {name: {"rate_limit": 0} for name in ("mediawiki", "google", "mediawiki2")}
        ),
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
        check=True,
    )  # fmt: skip
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "factcheck.settings"
    import django

    django.setup()
    global SecondWiki
    SecondWiki = _second_wiki_class()
    sys.modules.setdefault("bench.evidence", sys.modules[__name__])

    from django.conf import settings
    from django.db.models import Count

    from annotations import jobs, permissions, services
    from annotations.evidence import archive_tasks, tasks  # noqa: F401 - declare the jobs
    from annotations.models import EvidenceItem, EvidenceRequest, Job, Membership, Source

    organization = services.organization_create(
        actor=permissions.SYSTEM, name="Bench Desk", slug="bench-desk"
    )
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.create_user("bench-editor", password="x" * 20)
    services.membership_set(
        organization=organization, user=editor, role=Membership.Role.EDITOR,
        actor=permissions.SYSTEM,
    )  # fmt: skip
    lines = [
        f"In district {n}, over {160_000 + n:,} people listened in at once to the Space."
        for n in range(CLAIMS)
    ]
    text = "\n\n".join(lines)

    def article(title):
        return services.article_create(
            organization=organization, title=title, text=text, created_by=editor
        )

    def create_claims(on):
        from tests.factories import quote_selectors

        return [
            services.claim_create(
                article=on, creator=editor, selectors=quote_selectors(on.text, line)
            )
            for line in lines
        ]

    # The sequential runs send to a broker that is not there, on purpose: quiet about it.
    logging.getLogger("annotations.jobs").setLevel(logging.ERROR)
    live_broker = settings.CELERY_BROKER_URL

    dead_broker = f"redis://127.0.0.1:{localservers.free_port()}/0"

    def queued_claims(title):
        """Claims whose evidence jobs wait in the database, unsent; and those jobs' ids."""
        settings.CELERY_BROKER_URL = dead_broker
        begun = time.monotonic()
        made = create_claims(article(title))
        took = time.monotonic() - begun
        ids = list(
            Job.objects.filter(
                kind="evidence",
                subject_id__in=EvidenceRequest.objects.filter(claim__in=made).values("pk"),
            ).values_list("pk", flat=True)
        )
        settings.CELERY_BROKER_URL = live_broker
        return made, ids, took

    # Sequential: every job run in this process, one after the other.
    claims, ids, created = queued_claims("Sequential")
    started = time.monotonic()
    for job_id in ids:
        jobs.run("evidence", job_id)
    sequential = time.monotonic() - started
    done = EvidenceRequest.objects.filter(claim__in=claims, state="done").count()
    print(
        f"{CLAIMS} claims created in {created:.1f} s ({len(ids)} evidence jobs queued)\n"
        f"sequential, one process: {len(ids)} jobs in {sequential:.1f} s ({done} done)"
    )

    # The deployed topology, default settings.
    settings.CELERY_BROKER_URL = live_broker
    celery = [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--loglevel", "WARNING",
              "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    logs = []
    workers = []
    for name, extra in (
        ("io", ["--queues", "io", "--pool", "threads",
                "--concurrency", str(settings.FACTCHECK_IO_CONCURRENCY)]),
        ("cpu", ["--queues", "celery", "--concurrency", "2"]),
    ):  # fmt: skip
        log = (work / f"{name}.log").open("w")
        logs.append(log)
        workers.append(
            subprocess.Popen(
                [*celery, *extra, "--hostname", f"{name}@bench"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    from factcheck.celery import app

    deadline = time.monotonic() + 120
    while len(app.control.ping(timeout=1.0)) < 2:
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not start: see " + str(work))
    try:
        # Throughput: the same 300 jobs, queued, sent at once, run by the workers.
        claims, ids, created = queued_claims("Workers")
        requests = EvidenceRequest.objects.filter(claim__in=claims)
        started = time.monotonic()
        jobs.send(Job.objects.filter(pk__in=ids))
        deadline = time.monotonic() + 600
        while requests.exclude(state__in=["done", "failed", "refused"]).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        wall = time.monotonic() - started
        total = requests.count()
        states = dict(requests.values_list("state").annotate(n=Count("id")))
        lost = total - states.get("done", 0)
        print(
            f"workers (io: threads x{settings.FACTCHECK_IO_CONCURRENCY}, cpu: 2 processes): "
            f"{total} jobs in {wall:.1f} s; speed-up {sequential / wall:.1f}x; "
            f"{total / wall:.1f} jobs/s; states {states}; lost {lost}"
        )

        # Latency: claims created one by one while the workers run, as editors make them.
        started = time.monotonic()
        claims = create_claims(article("Latency"))
        created = time.monotonic() - started
        requests = EvidenceRequest.objects.filter(claim__in=claims)
        deadline = time.monotonic() + 600
        while requests.exclude(state__in=["done", "failed", "refused"]).exists():
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        finished = time.monotonic() - started
        firsts = []
        for claim in claims:
            first = (
                EvidenceItem.objects.filter(claim=claim)
                .exclude(provider="sources")
                .order_by("created_at")
                .first()
            )
            if first is not None:
                firsts.append((first.created_at - claim.created_at).total_seconds())
        print(
            f"claims created one by one ({created:.1f} s for {CLAIMS}), all their jobs done "
            f"{finished - created:.1f} s after the last; claim created -> first evidence item: "
            f"p50 {statistics.median(firsts):.2f} s, p95 {_percentile(firsts, 0.95):.2f} s "
            f"({len(firsts)} claims, lost {requests.exclude(state='done').count()})"
        )

        # Snapshots: 100 sources on a page server answering after 300 ms.
        page = f"http://127.0.0.4:{port['127.0.0.4']}/page"
        target = claims[0]
        settings.CELERY_BROKER_URL = dead_broker
        sequential_sources = [
            services.source_add(claim=target, actor=editor, url=f"{page}?n=s{n}")
            for n in range(CLAIMS)
        ]
        started = time.monotonic()
        for source in sequential_sources:
            jobs.run("snapshot", Job.objects.get(kind="snapshot", subject_id=source.pk).pk)
            snapshot = source.snapshots.get()
            jobs.run(
                "snapshot_extract",
                Job.objects.get(kind="snapshot_extract", subject_id=snapshot.pk).pk,
            )
        snapshot_sequential = time.monotonic() - started
        sources = [
            services.source_add(claim=claims[1], actor=editor, url=f"{page}?n=w{n}")
            for n in range(CLAIMS)
        ]
        settings.CELERY_BROKER_URL = live_broker
        started = time.monotonic()
        jobs.send(Job.objects.filter(kind="snapshot", subject_id__in=[s.pk for s in sources]))
        pending = Source.objects.filter(pk__in=[s.pk for s in sources])
        deadline = time.monotonic() + 600
        while pending.filter(extracted_text="").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        snapshot_wall = time.monotonic() - started
        archived = pending.exclude(extracted_text="").count()
        print(
            f"snapshots: {CLAIMS} sources sequentially {snapshot_sequential:.1f} s, in workers "
            f"{snapshot_wall:.1f} s (speed-up {snapshot_sequential / snapshot_wall:.1f}x, "
            f"{archived} archived and read, lost {CLAIMS - archived})"
        )
        for name, worker in zip(("io", "cpu"), workers, strict=True):
            peaks = ", ".join(f"{peak:.0f}" for peak in _peak_rss_mb(worker.pid))
            print(f"peak memory per process, {name} worker: {peaks} MB")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        for log in logs:
            log.close()
        redis.stop()

    # The parser and the ranker alone: 1,000 passages for one claim.
    from annotations.evidence import numbers, passages
    from annotations.evidence import query as queries

    query = queries.build(text="Over 160,000 people listened in at once")
    sentences = [
        f"Passage {n}: about {41_000 + n * 7:,} listeners joined a Space in city {n}; "
        "the platform counted the audience and reported the record."
        for n in range(999)
    ] + ["Over 160,000 people listened in at once, the platform said."]
    timings = []
    for _ in range(5):
        begun = time.perf_counter()
        ranked = passages.rank(sentences, query, limit=5)
        timings.append(time.perf_counter() - begun)
    assert "160,000" in ranked[0].text, ranked[0].text
    begun = time.perf_counter()
    parsed = sum(len(numbers.parse(s)) for s in sentences)
    parse_time = time.perf_counter() - begun
    print(
        f"ranker: 1,000 passages for a claim in {min(timings) * 1000:.1f} ms (best of 5, "
        f"median {statistics.median(timings) * 1000:.1f} ms); the passage stating 160,000 first. "
        f"parser alone: {parsed} quantities in 1,000 passages in {parse_time * 1000:.1f} ms"
    )
    for server in servers.values():
        server.shutdown()


if __name__ == "__main__":
    main()
