"""The safe fetcher: real fetches from a loopback test server, and refusals of hostile URLs."""

# Nothing here sends traffic anywhere but the loopback addresses: host names go through
# stub resolvers, and a guard on socket.connect fails the test if any other address is
# ever dialled.

import gzip
import ipaddress
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Response

from annotations import fetching as fetcher
from annotations.fetching import (
    USER_AGENT,
    FetchConnectionError,
    FetchContentTypeRefused,
    FetchError,
    FetchHTTPError,
    FetchPolicy,
    FetchRefused,
    FetchResult,
    FetchTimeout,
    FetchTooLarge,
    FetchTooManyRedirects,
    address_refusal,
    check_url,
    fetch,
    parse_allow,
    parse_ip_host,
)

LOOPBACK = "127.0.0.1/32"


@pytest.fixture(scope="module")
def server():
    """A local HTTP server on 127.0.0.1 only, threaded so a stalled handler blocks no other."""
    httpserver = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    httpserver.start()
    yield httpserver
    httpserver.clear()
    httpserver.stop()


@pytest.fixture
def http(server):
    server.clear()
    yield server
    server.clear()


@pytest.fixture
def connections(monkeypatch):
    """Every address a socket connects to during the test; non-loopback ones are blocked."""
    seen: list[tuple] = []
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        seen.append(tuple(address[:2]))
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise OSError(f"test guard: connecting to {address[0]} is not allowed in tests")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    return seen


def url(server, path="/"):
    return f"http://127.0.0.1:{server.port}{path}"


def loopback_policy(**overrides) -> FetchPolicy:
    """The loopback allowance for the test server, with small limits that tests can change."""
    options = {"allow": [LOOPBACK], "total_timeout": 5.0, "read_timeout": 3.0}
    options.update(overrides)
    return FetchPolicy(**options)


def stub_resolver(answers: dict[str, list[str]] | None = None, default=("127.0.0.1",)):
    """A resolver that never touches DNS; records its calls in `.calls`."""

    def resolve(host, port):
        resolve.calls.append(host)
        return list((answers or {}).get(host, default))

    resolve.calls = []
    return resolve


# --- real fetches from the loopback server ---------------------------------------------


def test_fetches_a_page(http, connections):
    http.expect_request("/article").respond_with_data(
        "<html><body><p>Hello</p></body></html>", content_type="text/html; charset=utf-8"
    )
    result = fetch(url(http, "/article"), policy=loopback_policy())
    assert isinstance(result, FetchResult)
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.body == b"<html><body><p>Hello</p></body></html>"
    assert len(result.sha256) == 64
    assert result.url == result.final_url == url(http, "/article")
    assert result.redirects == []
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.declared_type == "text/html; charset=utf-8"
    request, _ = http.log[-1]
    assert request.headers["User-Agent"] == USER_AGENT
    assert connections == [("127.0.0.1", http.port)]


def test_follows_redirects_and_records_them(http, connections):
    http.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/mid"})
    http.expect_request("/mid").respond_with_data(
        "", status=302, headers={"Location": url(http, "/new")}
    )
    http.expect_request("/new").respond_with_data("moved text", content_type="text/plain")
    result = fetch(url(http, "/old"), policy=loopback_policy())
    assert result.body == b"moved text"
    assert result.redirects == [url(http, "/mid"), url(http, "/new")]
    assert result.final_url == url(http, "/new")
    assert {address for address in connections} == {("127.0.0.1", http.port)}


def _redirect_chain(http, length):
    for i in range(length):
        http.expect_request(f"/hop{i}").respond_with_data(
            "", status=307, headers={"Location": f"/hop{i + 1}"}
        )
    http.expect_request(f"/hop{length}").respond_with_data("end", content_type="text/plain")


def test_five_redirects_are_followed(http, connections):
    _redirect_chain(http, 5)
    result = fetch(url(http, "/hop0"), policy=loopback_policy())
    assert result.body == b"end"
    assert len(result.redirects) == 5


def test_a_sixth_redirect_is_refused(http, connections):
    _redirect_chain(http, 6)
    with pytest.raises(FetchTooManyRedirects) as refused:
        fetch(url(http, "/hop0"), policy=loopback_policy())
    assert refused.value.message == "refused: more than 5 redirects"
    assert isinstance(refused.value, FetchRefused)


def test_a_redirect_loop_ends(http, connections):
    http.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchTooManyRedirects):
        fetch(url(http, "/loop"), policy=loopback_policy())


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("http://10.0.0.1/admin", "refused: address 10.0.0.1 is private"),
        ("http://169.254.169.254/latest/meta-data/", "refused: address 169.254.169.254 is link"),
        ("http://127.0.0.2/", "refused: address 127.0.0.2 is loopback"),
        ("http://[::1]/", "refused: address ::1 is loopback"),
        ("http://localhost/", "refused: host 'localhost' is a local name"),
        ("file:///etc/passwd", "refused: scheme 'file' is not allowed"),
        ("http://metadata.test/", "refused: metadata.test resolves to a non-public address"),
    ],
)
def test_a_redirect_to_a_refused_address_is_refused(http, connections, location, expected):
    http.expect_request("/jump").respond_with_data("", status=302, headers={"Location": location})
    resolver = stub_resolver({"metadata.test": ["169.254.169.254"]})
    with pytest.raises(FetchRefused) as refused:
        fetch(url(http, "/jump"), policy=loopback_policy(resolver=resolver))
    assert refused.value.message.startswith(expected)
    assert connections == [("127.0.0.1", http.port)]


def test_a_slow_server_times_out(http, connections):
    release = threading.Event()

    def stall(request):
        release.wait(10)
        return Response("late", content_type="text/plain")

    http.expect_request("/slow").respond_with_handler(stall)
    started = time.monotonic()
    try:
        with pytest.raises(FetchTimeout) as timed_out:
            fetch(url(http, "/slow"), policy=loopback_policy(read_timeout=0.3))
    finally:
        release.set()
    assert time.monotonic() - started < 3
    assert timed_out.value.message.startswith("timed out")


def test_a_trickling_body_hits_the_total_deadline(http, connections):
    release = threading.Event()

    def trickle(request):
        def drip():
            for _ in range(200):  # bounded: at most 10 s even if nobody stops it
                if release.wait(0.05):
                    return
                yield b"x"

        return Response(drip(), content_type="text/plain")

    http.expect_request("/drip").respond_with_handler(trickle)
    started = time.monotonic()
    try:
        with pytest.raises(FetchTimeout):
            fetch(url(http, "/drip"), policy=loopback_policy(total_timeout=0.6, read_timeout=2))
    finally:
        release.set()
    assert time.monotonic() - started < 3


def test_a_job_time_budget_cuts_a_fetch_that_its_own_limits_would_allow(http, connections):
    """Where the worker cannot interrupt a task (a thread pool), the job's soft limit is
    held by its fetches: the one started near the end gets only what is left."""
    release = threading.Event()

    def stall(request):
        release.wait(10)
        return Response("late", content_type="text/plain")

    http.expect_request("/slow").respond_with_handler(stall)
    http.expect_request("/fast").respond_with_data("ok", content_type="text/plain")
    policy = loopback_policy(total_timeout=8, read_timeout=8)
    started = time.monotonic()
    try:
        with fetcher.time_budget(0.8), pytest.raises(FetchTimeout):
            fetch(url(http, "/slow"), policy=policy)
    finally:
        release.set()
    assert time.monotonic() - started < 3
    # Spent: the next fetch fails at once and sends nothing; outside a budget it goes.
    with fetcher.time_budget(0.0), pytest.raises(FetchTimeout, match="time ran out"):
        fetch(url(http, "/fast"), policy=policy)
    assert [r.path for r, _ in http.log].count("/fast") == 0
    assert fetch(url(http, "/fast"), policy=policy).body == b"ok"
    assert fetcher.budget_left() is None


def test_an_endless_body_is_cut_at_the_size_cap(http, connections):
    release = threading.Event()

    def endless(request):
        def chunks():
            for _ in range(2000):  # bounded, and stopped by the test
                if release.is_set():
                    return
                yield b"a" * 65536

        return Response(chunks(), content_type="text/plain")

    http.expect_request("/endless").respond_with_handler(endless)
    try:
        with pytest.raises(FetchTooLarge) as too_large:
            fetch(url(http, "/endless"), policy=loopback_policy(max_bytes=300_000))
    finally:
        release.set()
    assert "larger than the limit" in too_large.value.message


def test_a_declared_oversized_body_is_refused_before_reading(http, connections):
    http.expect_request("/big").respond_with_data(b"b" * 200_000, content_type="text/plain")
    with pytest.raises(FetchTooLarge):
        fetch(url(http, "/big"), policy=loopback_policy(max_bytes=100_000))


def test_the_cap_allows_a_body_of_exactly_the_limit(http, connections):
    http.expect_request("/exact").respond_with_data(b"c" * 1000, content_type="text/plain")
    assert len(fetch(url(http, "/exact"), policy=loopback_policy(max_bytes=1000)).body) == 1000


@pytest.mark.parametrize("content_type", ["image/png", "application/octet-stream", "video/mp4"])
def test_a_wrong_content_type_is_refused(http, connections, content_type):
    http.expect_request("/file").respond_with_data(b"\x89PNG....", content_type=content_type)
    with pytest.raises(FetchContentTypeRefused) as refused:
        fetch(url(http, "/file"), policy=loopback_policy())
    assert refused.value.message == f"refused: content type {content_type} is not accepted"


def test_a_missing_content_type_is_refused(http, connections):
    def bare(request):
        response = Response(b"??")
        del response.headers["Content-Type"]
        return response

    http.expect_request("/bare").respond_with_handler(bare)
    with pytest.raises(FetchContentTypeRefused):
        fetch(url(http, "/bare"), policy=loopback_policy())


def test_the_content_types_are_configurable(http, connections):
    http.expect_request("/csv").respond_with_data("a,b\n", content_type="text/csv")
    policy = loopback_policy(content_types=("text/csv",))
    assert fetch(url(http, "/csv"), policy=policy).content_type == "text/csv"


@pytest.mark.parametrize(
    ("status", "message"),
    [(404, "the server answered 404 Not Found"), (500, "the server answered 500 Internal")],
)
def test_http_errors_are_reported(http, connections, status, message):
    http.expect_request("/err").respond_with_data("nope", status=status, content_type="text/html")
    with pytest.raises(FetchHTTPError) as failed:
        fetch(url(http, "/err"), policy=loopback_policy())
    assert failed.value.status == status
    assert failed.value.message.startswith(message)


def test_a_non_utf8_charset_is_reported_and_the_bytes_kept(http, connections):
    text = "Grüße aus Köln: Straße, Café, naïve."
    http.expect_request("/latin").respond_with_data(
        text.encode("iso-8859-1"), content_type="text/plain; charset=ISO-8859-1"
    )
    result = fetch(url(http, "/latin"), policy=loopback_policy())
    assert result.charset == "iso-8859-1"
    assert result.body == text.encode("iso-8859-1")

    from annotations.ingest import extract

    assert extract(result.body, declared_type=result.declared_type).text == text


def test_a_compressed_body_counts_its_inflated_size(http, connections):
    # 8 MB of zeros packs into a few kB: the cap must count what it inflates to.
    bomb = gzip.compress(bytes(8 * 1024 * 1024))
    http.expect_request("/gz").respond_with_data(
        bomb, content_type="text/plain", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchTooLarge):
        fetch(url(http, "/gz"), policy=loopback_policy(max_bytes=100_000))


def test_a_compressed_bomb_is_stopped_before_it_fills_the_memory(http, connections):
    """httpx inflated each network read whole: 200 KB of gzip came out as one 67 MB piece,
    held before the cap could count it."""
    import tracemalloc
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    bomb = b"".join(packer.compress(bytes(1 << 20)) for _ in range(200)) + packer.flush()
    http.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    tracemalloc.start()
    try:
        with pytest.raises(FetchTooLarge):
            fetch(url(http, "/bomb"), policy=loopback_policy(max_bytes=1_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Inflated whole, one network read came out at 67 MB; counted as it comes, what is held
    # is the cap and a step, plus what the test's own server thread holds meanwhile.
    assert peak < 32 * 1024 * 1024, f"{peak / 1e6:.0f} MB held for a 1 MB cap"


@pytest.mark.parametrize(
    ("encoding", "pack"),
    [
        ("gzip", gzip.compress),
        ("deflate", __import__("zlib").compress),  # the zlib wrapper, as HTTP says
        ("deflate", lambda data: __import__("zlib").compress(data, wbits=-15)),  # raw
        ("identity", lambda data: data),
    ],
)
def test_a_compressed_page_is_read_as_the_server_meant_it(http, connections, encoding, pack):
    page = ("<p>The median age is only 22.8 years.</p>" * 2000).encode()
    http.expect_request("/packed").respond_with_data(
        pack(page), content_type="text/html", headers={"Content-Encoding": encoding}
    )
    assert fetch(url(http, "/packed"), policy=loopback_policy()).body == page


@pytest.mark.timeout(30)
@pytest.mark.parametrize("after", [b"\n", gzip.compress(b"<p>a second member</p>")])
def test_a_gzip_page_followed_by_more_bytes_is_read_and_ends(http, connections, after):
    """Bytes after the end of the stream (a newline, a second member) were fed to zlib again
    and again: the fetch never ended, and held its worker."""
    page = ("<p>The median age is only 22.8 years.</p>" * 30_000).encode()
    http.expect_request("/trailing").respond_with_data(
        gzip.compress(page) + after, content_type="text/html",
        headers={"Content-Encoding": "gzip"},
    )  # fmt: skip
    assert fetch(url(http, "/trailing"), policy=loopback_policy()).body == page


def test_an_encoding_the_request_did_not_ask_for_is_refused_by_name(http, connections):
    http.expect_request("/br").respond_with_data(
        b"\x1b\x00\x00", content_type="text/html", headers={"Content-Encoding": "br"}
    )
    with pytest.raises(FetchContentTypeRefused) as refused:
        fetch(url(http, "/br"), policy=loopback_policy())
    assert refused.value.message == (
        "refused: the server sent the document encoded as br, which is not read here"
    )


def test_an_answer_recorded_not_read_is_cut_at_the_cap_rather_than_refused(http, connections):
    """A webhook receiver that echoed a long payload back failed every delivery it took."""
    http.expect_request("/hook", method="POST").respond_with_data(
        b"x" * 200_000, content_type="application/json"
    )
    policy = loopback_policy(max_bytes=65_536, cut_long_answers=True)
    answer = fetcher.post(
        url(http, "/hook"), content=b"{}", content_type="application/json", policy=policy
    )
    assert (answer.status, len(answer.body)) == (200, 65_536)
    with pytest.raises(FetchTooLarge):
        fetcher.post(
            url(http, "/hook"), content=b"{}", content_type="application/json",
            policy=loopback_policy(max_bytes=65_536),
        )  # fmt: skip


def test_a_broken_compressed_body_is_a_connection_error(http, connections):
    http.expect_request("/badgz").respond_with_data(
        b"not gzip at all", content_type="text/plain", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchConnectionError) as failed:
        fetch(url(http, "/badgz"), policy=loopback_policy())
    assert failed.value.message == "the server sent a body that could not be decoded"


def test_a_closed_port_is_a_connection_error(connections):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchConnectionError) as failed:
        fetch(f"http://127.0.0.1:{port}/", policy=loopback_policy())
    assert failed.value.message == "could not connect to 127.0.0.1"


def test_a_name_that_does_not_exist_is_a_permanent_failure(connections):
    def no_such_name(host, port):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchConnectionError) as failed:
        fetch("http://nowhere.test/", policy=loopback_policy(resolver=no_such_name))
    assert failed.value.message == "the host nowhere.test does not exist"
    assert failed.value.transient is False
    assert connections == []


def test_a_resolver_that_fails_for_now_is_a_transient_failure(connections):
    def try_again(host, port):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(FetchConnectionError) as failed:
        fetch("http://nowhere.test/", policy=loopback_policy(resolver=try_again))
    assert failed.value.message == "could not resolve the host nowhere.test"
    assert failed.value.transient is True
    assert connections == []


def test_a_hanging_resolver_hits_the_deadline(connections):
    release = threading.Event()

    def hanging(host, port):
        release.wait(5)
        return ["127.0.0.1"]

    try:
        with pytest.raises(FetchTimeout):
            fetch(
                "http://slow-dns.test/", policy=loopback_policy(resolver=hanging, total_timeout=0.3)
            )
    finally:
        release.set()
    assert connections == []


# --- host names, resolution and DNS rebinding ------------------------------------------


def test_a_name_resolving_to_an_allowed_address_is_fetched(http, connections):
    # Stands in for "a host name with a public address": the stub maps it to the test
    # server, and 127.0.0.1 is allowed, so no address outside this machine is involved.
    http.expect_request("/page").respond_with_data("named", content_type="text/plain")
    resolver = stub_resolver({"example.test": ["127.0.0.1"]})
    result = fetch(
        f"http://example.test:{http.port}/page", policy=loopback_policy(resolver=resolver)
    )
    assert result.body == b"named"
    request, _ = http.log[-1]
    assert request.headers["Host"] == f"example.test:{http.port}"
    assert resolver.calls == ["example.test"]
    assert connections == [("127.0.0.1", http.port)]


def test_dns_rebinding_cannot_switch_the_address_after_the_check(http, connections):
    # The first answer is allowed, every later one is not: the fetcher must look up once
    # and connect to the address it checked.
    http.expect_request("/r").respond_with_data("first answer", content_type="text/plain")
    calls = []

    def rebinding(host, port):
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["10.0.0.1"]

    result = fetch(f"http://rebind.test:{http.port}/r", policy=loopback_policy(resolver=rebinding))
    assert result.body == b"first answer"
    assert calls == ["rebind.test"]
    assert connections == [("127.0.0.1", http.port)]


def test_dns_rebinding_to_an_internal_address_is_refused_without_connecting(connections):
    calls = []

    def rebinding(host, port):
        calls.append(host)
        return ["169.254.169.254"] if len(calls) == 1 else ["127.0.0.1"]

    with pytest.raises(FetchRefused) as refused:
        fetch("http://rebind.test/", policy=loopback_policy(resolver=rebinding))
    assert refused.value.message == (
        "refused: rebind.test resolves to a non-public address (link-local)"
    )
    assert calls == ["rebind.test"]
    assert connections == []


def test_every_resolved_address_is_checked(connections, caplog):
    resolver = stub_resolver({"mixed.test": ["127.0.0.1", "10.1.2.3"]})
    with (
        caplog.at_level("INFO", logger="annotations.fetching"),
        pytest.raises(FetchRefused) as refused,
    ):
        fetch("http://mixed.test/", policy=loopback_policy(resolver=resolver))
    assert refused.value.message == "refused: mixed.test resolves to a non-public address (private)"
    # The address is for the operator's log, not for the message members read.
    assert "it resolves to 10.1.2.3, which is private" in caplog.text
    assert connections == []


def test_ipv6_answers_are_checked_too(connections, caplog):
    resolver = stub_resolver({"six.test": ["2606:4700::1111", "::ffff:10.0.0.1"]})
    with (
        caplog.at_level("INFO", logger="annotations.fetching"),
        pytest.raises(FetchRefused) as refused,
    ):
        fetch("http://six.test/", policy=FetchPolicy(resolver=resolver))
    assert refused.value.message.endswith("resolves to a non-public address (private)")
    assert "it resolves to ::ffff:10.0.0.1, which is private" in caplog.text
    assert connections == []


def test_an_allowed_host_name_may_resolve_to_an_internal_address(http, connections):
    http.expect_request("/wiki").respond_with_data("intranet", content_type="text/plain")
    resolver = stub_resolver({"intranet.test": ["127.0.0.1"]})
    policy = FetchPolicy(allow=["intranet.test"], resolver=resolver)
    assert fetch(f"http://intranet.test:{http.port}/wiki", policy=policy).body == b"intranet"
    with pytest.raises(FetchRefused):
        fetch(f"http://127.0.0.1:{http.port}/wiki", policy=policy)


def test_check_url_accepts_public_urls_without_connecting(connections):
    assert check_url("HTTPS://Example.COM/a?b=1") == "https://example.com/a?b=1"
    resolver = stub_resolver({"example.com": ["93.184.216.34", "2606:2800:220:1::1"]})
    assert check_url("http://example.com/", FetchPolicy(resolver=resolver), resolve=True)
    assert check_url("http://bücher.example/") == "http://xn--bcher-kva.example/"
    # The same name typed in its ASCII form is the same host, not an ambiguous one.
    assert check_url("http://xn--bcher-kva.example/") == "http://xn--bcher-kva.example/"
    assert connections == []


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A throwaway CA and a certificate for secure.test signed by it (made with openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args):
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True, timeout=60)

    run(
        "req",
        "-x509",
        *ec,
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Test CA",
    )
    run("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=secure.test")
    (folder / "san.ext").write_text("subjectAltName=DNS:secure.test\n")
    run(
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "san.ext",
    )  # fmt: skip
    return folder


@pytest.fixture
def tls_server(tls_files):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files / "leaf.pem", tls_files / "leaf.key")
    httpserver = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    httpserver.start()
    yield httpserver
    httpserver.clear()
    httpserver.stop()


def test_https_to_a_server_that_speaks_plain_http_fails_at_once_saying_so(http, connections):
    """An address typed without its scheme is taken as https://: against a plain HTTP server
    the handshake failed, was taken for a passing fault, and was tried for minutes (G16)."""
    http.expect_request("/page").respond_with_data("plain", content_type="text/plain")
    with pytest.raises(FetchConnectionError) as failed:
        fetch(f"https://127.0.0.1:{http.port}/page", policy=loopback_policy())
    assert failed.value.message == (
        "could not connect securely to 127.0.0.1: it does not answer https (is its address "
        "http://?)"
    )
    assert failed.value.transient is False
    assert fetch(f"http://127.0.0.1:{http.port}/page", policy=loopback_policy()).body == b"plain"


def test_a_handshake_cut_short_is_a_passing_fault_tried_again(connections):
    """Only a server that answers in plain HTTP, or a certificate that does not check out,
    fails for good: a handshake the server hung up on may pass on the next try (R19)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def hang_up():
        taken, _address = listener.accept()
        taken.recv(1024)  # the ClientHello...
        taken.close()  # ...and no answer

    closer = threading.Thread(target=hang_up, daemon=True)
    closer.start()
    try:
        with pytest.raises(FetchConnectionError) as failed:
            fetch(f"https://127.0.0.1:{listener.getsockname()[1]}/", policy=loopback_policy())
    finally:
        closer.join(timeout=5)
        listener.close()
    assert failed.value.message.startswith("could not connect")
    assert "http://" not in failed.value.message
    assert failed.value.transient is True


def test_tls_checks_the_host_name_while_connecting_to_the_checked_address(
    tls_server, tls_files, connections
):
    tls_server.expect_request("/doc").respond_with_data("secret-free", content_type="text/plain")
    trusted = ssl.create_default_context(cafile=str(tls_files / "ca.pem"))
    resolver = stub_resolver({"secure.test": ["127.0.0.1"]})
    policy = loopback_policy(resolver=resolver, ssl_context=trusted)
    result = fetch(f"https://secure.test:{tls_server.port}/doc", policy=policy)
    assert result.body == b"secret-free"
    assert connections == [("127.0.0.1", tls_server.port)]
    # The certificate names secure.test, so the bare address must fail verification.
    with pytest.raises(FetchConnectionError) as failed:
        fetch(f"https://127.0.0.1:{tls_server.port}/doc", policy=policy)
    assert failed.value.message == (
        "could not connect securely to 127.0.0.1: its certificate could not be verified"
    )
    # Asking again in a minute would not change it: the job fails at once with the reason.
    assert failed.value.transient is False
    # And the default trust store does not know the test CA.
    with pytest.raises(FetchConnectionError):
        fetch(
            f"https://secure.test:{tls_server.port}/doc", policy=loopback_policy(resolver=resolver)
        )


def test_ipv6_loopback_when_allowed(connections):
    try:
        httpserver = HTTPServer(host="::1", port=0)
        httpserver.start()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    try:
        httpserver.expect_request("/").respond_with_data("six", content_type="text/plain")
        result = fetch(f"http://[::1]:{httpserver.port}/", policy=FetchPolicy(allow=["::1"]))
        assert result.body == b"six"
        with pytest.raises(FetchRefused):
            fetch(f"http://[::1]:{httpserver.port}/")
    finally:
        httpserver.clear()
        httpserver.stop()


# --- hostile URLs: each refused before any connection ----------------------------------

HOSTILE = [
    ("http://127.0.0.1/", "address 127.0.0.1 is loopback"),
    ("http://127.1/", "address 127.0.0.1 is loopback"),
    ("http://127.0.1/", "address 127.0.0.1 is loopback"),
    ("http://2130706433/", "address 127.0.0.1 is loopback"),
    ("http://0x7f000001/", "address 127.0.0.1 is loopback"),
    ("http://0x7f.0.0.1/", "address 127.0.0.1 is loopback"),
    ("http://0177.0.0.1/", "address 127.0.0.1 is loopback"),
    ("http://0177.1/", "address 127.0.0.1 is loopback"),
    ("http://127.000.000.001/", "address 127.0.0.1 is loopback"),
    ("http://127.0.0.1.:8080/", "address 127.0.0.1 is loopback"),
    ("http://017700000001/", "address 127.0.0.1 is loopback"),
    ("http://[::1]/", "address ::1 is loopback"),
    ("http://[::ffff:127.0.0.1]/", "address ::ffff:127.0.0.1 is loopback"),
    ("http://[::ffff:7f00:1]/", "address ::ffff:127.0.0.1 is loopback"),
    ("http://[2002:7f00:1::]/", "address 2002:7f00:1:: is loopback (6to4 for 127.0.0.1)"),
    ("http://[64:ff9b::a00:1]/", "address 64:ff9b::a00:1 is private (NAT64 for 10.0.0.1)"),
    ("http://[::ffff:0:7f00:1]/", "address ::ffff:0:7f00:1 is loopback (SIIT for 127.0.0.1)"),
    ("http://[::ffff:0:a9fe:a9fe]/", "is link-local (SIIT for 169.254.169.254)"),
    ("http://[::127.0.0.1]/", "is reserved (IPv4-compatible)"),
    ("http://0.0.0.0/", "address 0.0.0.0 is unspecified"),
    ("http://0/", "address 0.0.0.0 is unspecified"),
    ("http://[::]/", "address :: is unspecified"),
    ("http://localhost/", "host 'localhost' is a local name"),
    ("http://localhost./", "host 'localhost' is a local name"),
    ("http://LOCALHOST:8000/", "host 'localhost' is a local name"),
    ("http://api.localhost/", "host 'api.localhost' is a local name"),
    ("http://printer.local/", "host 'printer.local' is a local name"),
    ("http://a@127.0.0.1/", "address 127.0.0.1 is loopback"),
    ("http://user:pass@127.0.0.1:8080/", "address 127.0.0.1 is loopback"),
    ("http://example.com@127.0.0.1/", "address 127.0.0.1 is loopback"),
    ("http://example.com\\@127.0.0.1/", "address 127.0.0.1 is loopback"),
    ("http://user@example.com/", "URLs with a user name or password are not allowed"),
    ("file:///etc/passwd", "scheme 'file' is not allowed"),
    ("gopher://127.0.0.1:70/_stats", "scheme 'gopher' is not allowed"),
    ("ftp://example.com/file.txt", "scheme 'ftp' is not allowed"),
    ("javascript:alert(1)", "scheme 'javascript' is not allowed"),
    ("data:text/html,<script>alert(1)</script>", "scheme 'data' is not allowed"),
    ("dict://127.0.0.1:11211/", "scheme 'dict' is not allowed"),
    ("//example.com/", "scheme '(none)' is not allowed"),
    ("http:///etc/passwd", "the URL has no host"),
    ("http://10.0.0.1/", "address 10.0.0.1 is private"),
    ("http://192.168.1.1/", "address 192.168.1.1 is private"),
    ("http://172.16.0.1/", "address 172.16.0.1 is private"),
    ("http://172.31.255.255/", "address 172.31.255.255 is private"),
    ("http://169.254.169.254/latest/meta-data/", "address 169.254.169.254 is link-local"),
    ("http://100.64.0.1/", "address 100.64.0.1 is carrier-grade NAT"),
    ("http://224.0.0.1/", "address 224.0.0.1 is multicast"),
    ("http://240.0.0.1/", "address 240.0.0.1 is reserved"),
    ("http://255.255.255.255/", "address 255.255.255.255 is broadcast"),
    ("http://192.0.2.10/", "address 192.0.2.10 is reserved for documentation"),
    ("http://[fe80::1]/", "address fe80::1 is link-local"),
    ("http://[fe80::1%25eth0]/", "is link-local"),
    ("http://[fc00::1]/", "address fc00::1 is private"),
    ("http://[fd12:3456::1]/", "address fd12:3456::1 is private"),
    ("http://[ff02::1]/", "address ff02::1 is multicast"),
    ("http://[2001:db8::1]/", "address 2001:db8::1 is reserved for documentation"),
    ("http://256.1.1.1/", "'256.1.1.1' is not a valid address"),
    ("http://1.2.3.4.5/", "'1.2.3.4.5' is not a valid address"),
    ("http://08.0.0.1/", "'08.0.0.1' is not a valid address"),
    ("http://" + "1" * 5000 + "/", "is not a valid address"),
    ("http://0x" + "0" * 30 + "7f000001/", "is not a valid address"),
    ("http://%31%32%37.0.0.1/", "not a valid"),
    ("http://exa mple.com/", "not a valid"),
    ("http://127.0.0.1:99999/", "not a valid URL"),
    # Host names resolved (by the stub) to refused addresses: refused at connect time.
    # What a named host resolves to is not said: editors read the message, and could map
    # the server's internal DNS with it.
    ("http://internal.test/", "internal.test resolves to a non-public address (private)"),
    ("http://metadata.test/", "metadata.test resolves to a non-public address (link-local)"),
    ("http://loop.test/", "loop.test resolves to a non-public address (loopback)"),
    ("http://six-loop.test/", "six-loop.test resolves to a non-public address (loopback)"),
]


@pytest.mark.parametrize(("hostile", "reason"), HOSTILE)
def test_hostile_urls_are_refused_without_connecting(connections, hostile, reason):
    resolver = stub_resolver(
        {
            "internal.test": ["10.0.0.5"],
            "metadata.test": ["169.254.169.254"],
            "loop.test": ["127.0.0.1"],
            "six-loop.test": ["::1"],
        }
    )
    with pytest.raises(FetchRefused) as refused:
        fetch(hostile, policy=FetchPolicy(resolver=resolver))
    assert refused.value.message.startswith("refused: ")
    assert reason in refused.value.message
    assert str(refused.value) == refused.value.message
    assert connections == []


def test_there_are_at_least_thirty_hostile_urls():
    assert len(HOSTILE) >= 30


# --- the pieces --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("0x7f.0x0.0x0.0x1", "127.0.0.1"),
        ("10.0x10000", "10.1.0.0"),
        ("0", "0.0.0.0"),
        ("1.2.3.4.", "1.2.3.4"),
        ("::1", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
    ],
)
def test_parse_ip_host_reads_every_spelling(spelling, address):
    assert parse_ip_host(spelling) == ipaddress.ip_address(address)


@pytest.mark.parametrize("name", ["example.com", "a1.example", "x.y.z.co", "xn--bcher-kva.de"])
def test_parse_ip_host_leaves_names_alone(name):
    assert parse_ip_host(name) is None


@pytest.mark.parametrize(
    ("url", "usual"),
    [
        ("http://134744072/x", "http://8.8.8.8/x"),
        ("http://0x8080808:81/x?q=1", "http://8.8.8.8:81/x?q=1"),
        ("http://8.8.2056/", "http://8.8.8.8/"),
        ("http://[2606:4700:0::1111]/", "http://[2606:4700::1111]/"),
        ("http://8.8.8.8/", "http://8.8.8.8/"),
    ],
)
def test_check_url_spells_an_address_host_the_usual_way(url, usual, connections):
    assert check_url(url) == usual
    assert connections == []


def test_an_integer_spelling_of_loopback_is_refused_as_loopback_and_allowed_as_its_address():
    with pytest.raises(FetchRefused, match=r"address 127\.0\.0\.1 is loopback"):
        check_url("http://2130706433:8731/story")
    allowed = FetchPolicy(allow=["127.0.0.1/32"])
    assert check_url("http://2130706433:8731/story", allowed) == "http://127.0.0.1:8731/story"


@given(
    address=st.one_of(
        st.ip_addresses(v=4, network="127.0.0.0/8"),
        st.ip_addresses(v=4, network="10.0.0.0/8"),
        st.ip_addresses(v=4, network="169.254.0.0/16"),
    ),
    parts=st.integers(1, 4),
    radix=st.lists(st.sampled_from(["dec", "oct", "hex"]), min_size=4, max_size=4),
)
@settings(max_examples=150, deadline=None)
def test_any_inet_aton_spelling_of_an_internal_address_is_refused(address, parts, radix):
    values = list(address.packed)
    numbers = [*values[: parts - 1], int.from_bytes(bytes(values[parts - 1 :]), "big")]
    spelled = []
    for number, form in zip(numbers, radix, strict=False):
        spelled.append({"dec": str(number), "oct": f"0{number:o}", "hex": f"0x{number:x}"}[form])
    host = ".".join(spelled)
    assert parse_ip_host(host) == address
    with pytest.raises(FetchRefused):
        check_url(f"http://{host}/")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", ""),
        ("93.184.216.34", ""),
        ("2606:4700::1111", ""),
        ("2002:5db8:d822::1", ""),  # 6to4 of a public address
        ("64:ff9b::808:808", ""),  # NAT64 of a public address
        ("::ffff:0:808:808", ""),  # SIIT of a public address
        ("::ffff:8.8.8.8", ""),
        ("127.255.255.254", "loopback"),
        ("100.127.255.255", "carrier-grade NAT (shared address space)"),
        ("198.18.0.1", "reserved for benchmarking"),
        ("2001::1", "reserved"),
        ("fec0::1", "private (site-local)"),
    ],
)
def test_address_refusal(address, reason):
    assert address_refusal(ipaddress.ip_address(address), FetchPolicy()) == reason


def test_allowed_networks_override_refusals():
    policy = FetchPolicy(allow=["127.0.0.1/32", "10.1.0.0/16,::1"])
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), policy) == ""
    assert address_refusal(ipaddress.ip_address("::ffff:127.0.0.1"), policy) == ""
    assert address_refusal(ipaddress.ip_address("10.1.200.3"), policy) == ""
    assert address_refusal(ipaddress.ip_address("::1"), policy) == ""
    assert address_refusal(ipaddress.ip_address("127.0.0.2"), policy) == "loopback"
    assert address_refusal(ipaddress.ip_address("10.2.0.1"), policy) == "private"


def test_parse_allow():
    networks, hosts = parse_allow("127.0.0.1/32, intranet.example,.corp.example,*.lab.test,::1")
    assert networks == (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
    assert hosts == ("intranet.example", ".corp.example", ".lab.test")
    policy = FetchPolicy(allow=["intranet.example", ".corp.example"])
    assert policy.host_allowed("intranet.example")
    assert policy.host_allowed("wiki.corp.example")
    assert not policy.host_allowed("corp.example.evil.test")
    assert FetchPolicy().allowed_networks == () and FetchPolicy().allowed_hosts == ()
    with pytest.raises(ValueError, match="neither a host name nor a network"):
        parse_allow(["http://intranet.example/"])


def test_policy_from_settings(monkeypatch):
    # A stand-in for django.conf, so the test needs no configured Django project.
    conf = types.ModuleType("django.conf")
    conf.settings = types.SimpleNamespace(
        FACTCHECK_FETCH_ALLOW=["127.0.0.1/32", "intranet.example"],
        FACTCHECK_FETCH_TIMEOUT=3.0,
        FACTCHECK_FETCH_MAX_BYTES=1234,
    )
    monkeypatch.setitem(sys.modules, "django.conf", conf)
    policy = fetcher.policy_from_settings()
    assert policy.allowed_networks == (ipaddress.ip_network("127.0.0.1/32"),)
    assert policy.allowed_hosts == ("intranet.example",)
    assert policy.total_timeout == 3.0 and policy.read_timeout == 3.0
    assert policy.max_bytes == 1234

    conf.settings = types.SimpleNamespace(FACTCHECK_FETCH_ALLOW="127.0.0.1/32,intranet.example")
    assert fetcher.policy_from_settings().allowed_hosts == ("intranet.example",)

    conf.settings = types.SimpleNamespace()
    assert fetcher.policy_from_settings() == FetchPolicy()


def test_every_error_is_a_fetch_error_with_a_message():
    for error in (
        FetchRefused("refused: x"),
        FetchTooManyRedirects("refused: y"),
        FetchTooLarge("too large"),
        FetchTimeout("timed out"),
        FetchContentTypeRefused("refused: type"),
        FetchHTTPError("the server answered 404 Not Found", 404),
        FetchConnectionError("could not connect"),
    ):
        assert isinstance(error, FetchError)
        assert str(error) == error.message


def test_the_module_does_not_import_django():
    code = (
        "import sys; import annotations.fetching, annotations.ingest;print('django' in sys.modules)"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == "False"


# --- POST, for webhooks -----------------------------------------------------------------


def test_post_sends_the_body_and_headers_and_returns_the_answer(http, connections):
    http.expect_request("/hook", method="POST").respond_with_data(
        '{"ok": true}', status=202, content_type="application/json"
    )
    result = fetcher.post(
        url(http, "/hook"),
        content=b'{"event": "claim.published"}',
        content_type="application/json",
        headers={"X-Signature": "sha256=abc", "Host": "evil.example"},
        policy=loopback_policy(),
    )
    assert result.status == 202
    assert result.body == b'{"ok": true}'
    request, _ = http.log[-1]
    assert request.method == "POST"
    assert request.get_data() == b'{"event": "claim.published"}'
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Signature"] == "sha256=abc"
    assert request.headers["Host"] == f"127.0.0.1:{http.port}"
    assert request.headers["User-Agent"] == USER_AGENT
    assert connections == [("127.0.0.1", http.port)]


def test_post_accepts_an_empty_answer_of_any_type(http, connections):
    http.expect_request("/hook", method="POST").respond_with_response(
        Response(status=204, content_type="application/octet-stream")
    )
    result = fetcher.post(
        url(http, "/hook"), content=b"{}", content_type="application/json", policy=loopback_policy()
    )
    assert (result.status, result.body) == (204, b"")


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/",
        "http://localhost:{port}/hook",
        "http://metadata.test/hook",
    ],
)
def test_post_to_a_refused_address_sends_nothing(http, connections, target):
    http.expect_request("/hook", method="POST").respond_with_data("", status=204)
    resolver = stub_resolver({"metadata.test": ["169.254.169.254"]})
    with pytest.raises(FetchRefused):
        # No loopback allowance here: even the test server's own address is refused.
        fetcher.post(
            target.format(port=http.port),
            content=b"secret",
            content_type="text/plain",
            policy=FetchPolicy(resolver=resolver),
        )
    assert connections == []
    assert http.log == []


def test_post_redirected_to_a_refused_address_is_refused(http, connections):
    http.expect_request("/hook", method="POST").respond_with_data(
        "", status=307, headers={"Location": "http://10.0.0.1/internal"}
    )
    with pytest.raises(FetchRefused, match=r"10\.0\.0\.1 is private"):
        fetcher.post(
            url(http, "/hook"), content=b"x", content_type="text/plain", policy=loopback_policy()
        )
    assert connections == [("127.0.0.1", http.port)]


def test_post_is_repeated_after_307_and_becomes_a_get_after_303(http, connections):
    http.expect_request("/a", method="POST").respond_with_data(
        "", status=307, headers={"Location": "/b"}
    )
    http.expect_request("/b", method="POST").respond_with_data(
        "", status=303, headers={"Location": "/c"}
    )
    http.expect_request("/c", method="GET").respond_with_data("done", content_type="text/plain")
    result = fetcher.post(
        url(http, "/a"), content=b"payload", content_type="text/plain", policy=loopback_policy()
    )
    assert result.body == b"done"
    assert result.redirects == [url(http, "/b"), url(http, "/c")]
    methods = [(request.method, request.get_data()) for request, _ in http.log]
    assert methods == [("POST", b"payload"), ("POST", b"payload"), ("GET", b"")]
    assert "Content-Type" not in http.log[-1][0].headers


def test_credentials_follow_a_redirect_on_the_same_site_only(http, connections):
    """Review R20: a 307 to another host received Save Page Now's Authorization header."""
    http.expect_request("/save", method="POST").respond_with_data(
        "", status=307, headers={"Location": "/saved"}
    )
    other = f"http://elsewhere.test:{http.port}/collect"
    http.expect_request("/saved", method="POST").respond_with_data(
        "", status=307, headers={"Location": other}
    )
    http.expect_request("/collect", method="POST").respond_with_data(
        "{}", content_type="text/plain"
    )
    policy = loopback_policy(resolver=stub_resolver())

    fetcher.post(
        url(http, "/save"), content=b"url=x", content_type="application/x-www-form-urlencoded",
        headers={"Authorization": "LOW key:secret", "X-Kept": "yes"}, policy=policy,
    )  # fmt: skip

    sent = [
        (request.path, request.headers.get("Authorization"), request.headers.get("X-Kept"))
        for request, _ in http.log
    ]
    assert sent == [
        ("/save", "LOW key:secret", "yes"),
        ("/saved", "LOW key:secret", "yes"),  # the same site
        ("/collect", None, "yes"),  # another host
    ]


def test_post_to_a_slow_receiver_times_out_as_a_transient_error(http, connections):
    release = threading.Event()

    def stall(request):
        release.wait(10)
        return Response("", status=204)

    http.expect_request("/hook", method="POST").respond_with_handler(stall)
    try:
        with pytest.raises(FetchTimeout) as timed_out:
            fetcher.post(
                url(http, "/hook"),
                content=b"x",
                content_type="text/plain",
                policy=loopback_policy(read_timeout=0.3),
            )
    finally:
        release.set()
    assert timed_out.value.transient


@pytest.mark.parametrize(("status", "transient"), [(503, True), (429, True), (404, False)])
def test_error_answers_say_whether_a_retry_may_help(http, connections, status, transient):
    http.expect_request("/hook", method="POST").respond_with_data("no", status=status)
    with pytest.raises(FetchHTTPError) as failed:
        fetcher.post(
            url(http, "/hook"), content=b"x", content_type="text/plain", policy=loopback_policy()
        )
    assert failed.value.status == status
    assert failed.value.transient is transient
    assert not FetchRefused("refused: x").transient
    assert FetchConnectionError("could not connect").transient
