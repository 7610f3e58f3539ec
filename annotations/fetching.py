"""The one way the server fetches or posts to a user-supplied URL: checked, bounded, typed."""

# Every address a host resolves to is checked against the refused ranges (loopback,
# private, link-local, carrier-grade NAT, multicast, reserved, ...) before connecting, and
# the connection goes to exactly the address that was checked: the check sits in the
# httpcore network backend, so a DNS answer cannot change between check and connect (DNS
# rebinding). Redirects are followed by hand, each one checked again. Timeouts cover the
# connect, every read and the whole fetch; the body is streamed and cut at a size cap; only
# document content types are accepted. `post` sends a body (webhooks) through the same
# checks; its answer may be of any type. Every failure is a `FetchError` whose message is
# written for an editor.

import codecs
import functools
import hashlib
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

import httpcore
import httpx

logger = logging.getLogger(__name__)

USER_AGENT = "factcheck-annotator/0.1 (fact-checking evidence fetcher)"

DEFAULT_CONTENT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/markdown",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/json",
    "application/ld+json",
)

_REDIRECTS = {301, 302, 303, 307, 308}
# Redirects after which a POST is repeated as it was; after the others it becomes a GET
# without a body, as browsers do.
_REDIRECTS_KEEPING_METHOD = {307, 308}
_TRANSIENT_STATUSES = {408, 425, 429, 500, 502, 503, 504}
_SCHEMES = {"http", "https"}
_MB = 1024 * 1024

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class FetchError(Exception):
    """A fetch that did not give a document; `message` is meant for an editor.

    `transient` says whether the same request may well succeed later (a timeout, a refused
    connection, a server that is overloaded), so a background job retries it.
    """

    transient = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class FetchRefused(FetchError):
    """The URL, its host or one of its addresses is not allowed; nothing was sent to it."""


class FetchTooManyRedirects(FetchRefused):
    """The server redirected more often than the policy allows."""


class FetchTooLarge(FetchError):
    """The body is over the size cap."""


class FetchTimeout(FetchError):
    """Connecting, a read, or the whole fetch took longer than allowed."""

    transient = True


class FetchContentTypeRefused(FetchError):
    """The server sent a content type that is not on the allow-list."""


class FetchHTTPError(FetchError):
    """The server answered with an error (or otherwise unusable) status."""

    def __init__(
        self, message: str, status: int, retry_after: float | None = None, body: bytes = b""
    ):
        super().__init__(message)
        self.status = status
        # The start of the error page: an API says there what went wrong (a bad key, a quota).
        self.body = body
        # Overloaded or restarting servers; every other error status will not change.
        self.transient = status in _TRANSIENT_STATUSES
        # Seconds the server asked us to wait (Retry-After), for the job's next attempt.
        self.retry_after = retry_after


class FetchConnectionError(FetchError):
    """The host could not be resolved or reached, or the connection failed."""

    transient = True


class FetchHostNotFound(FetchConnectionError):
    """The name does not exist (NXDOMAIN): asking again in a minute will not change that."""

    transient = False


class FetchNotSecure(FetchConnectionError):
    """The https connection could not be made safe: a certificate that does not check out,
    or a server that does not speak TLS at all. Asking again in a minute changes neither,
    and retrying for minutes only kept an editor waiting on an address to correct."""

    transient = False


# What OpenSSL says when the server answered the handshake in plain HTTP.
_PLAIN_HTTP_SIGNS = (
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
    "HTTP_REQUEST",
)

# getaddrinfo's answers for "no such name", as against a resolver that failed for now.
_NO_SUCH_NAME = {
    code
    for code in (getattr(socket, "EAI_NONAME", None), getattr(socket, "EAI_NODATA", None))
    if code is not None
}


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses (IPv4 and IPv6) `host` resolves to, in the resolver's order."""
    addresses: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def parse_allow(entries) -> tuple[tuple[Network, ...], tuple[str, ...]]:
    """Split allow-list entries into networks and host names.

    Each entry may itself be a comma-separated list. An address or CIDR network
    ("127.0.0.1/32", "10.1.0.0/16", "::1") allows those addresses; a host name
    ("intranet.example") allows that host whatever it resolves to; a name with a leading dot
    or "*." (".example.org") allows every subdomain of it. Raises ValueError for anything
    else, so a misconfiguration fails loudly.
    """
    if isinstance(entries, str):
        entries = [entries]
    networks: list[Network] = []
    hosts: list[str] = []
    for entry in entries or ():
        for item in str(entry).split(","):
            item = item.strip().lower()
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = item.removeprefix("*")
            if not _HOST_NAME.fullmatch(name.lstrip(".").rstrip(".")):
                raise ValueError(f"fetch allow-list: {item!r} is neither a host name nor a network")
            hosts.append(name.rstrip("."))
    return tuple(networks), tuple(hosts)


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may reach and how long and large it may be.

    `allow` lists extra hosts and networks that are otherwise refused (see `parse_allow`);
    it is empty by default. `total_timeout` bounds the whole fetch, redirects included.
    `resolver` maps (host, port) to address strings; tests replace it. `ssl_context`
    replaces the default certificate verification (the certifi bundle), e.g. to trust an
    internal CA.
    """

    allow: tuple[str, ...] | list[str] | str = ()
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 15.0
    max_bytes: int = 20 * _MB
    max_redirects: int = 5
    # An answer longer than max_bytes is cut there, not refused: for answers recorded but not
    # read (a webhook receiver that echoes the payload back still took the delivery).
    cut_long_answers: bool = False
    content_types: tuple[str, ...] | frozenset[str] = DEFAULT_CONTENT_TYPES
    user_agent: str = USER_AGENT
    resolver: Resolver = system_resolver
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)
    allowed_networks: tuple[Network, ...] = field(init=False, repr=False, compare=False)
    allowed_hosts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        allow = (self.allow,) if isinstance(self.allow, str) else tuple(self.allow or ())
        object.__setattr__(self, "allow", allow)
        networks, hosts = parse_allow(allow)
        object.__setattr__(self, "allowed_networks", networks)
        object.__setattr__(self, "allowed_hosts", hosts)

    def host_allowed(self, host: str) -> bool:
        """Whether `host` (a lower-case name) is explicitly allowed."""
        host = host.rstrip(".")
        for allowed in self.allowed_hosts:
            if host == allowed or (allowed.startswith(".") and host.endswith(allowed)):
                return True
        return False

    def address_allowed(self, address: Address) -> bool:
        """Whether `address` is in one of the explicitly allowed networks."""
        return any(address in network for network in self.allowed_networks)


def policy_from_settings(
    *, timeout: float | None = None, max_bytes: int | None = None
) -> FetchPolicy:
    """Build a `FetchPolicy` from the Django settings (FACTCHECK_FETCH_*).

    A caller with its own budget (webhook deliveries, evidence providers) gives its
    `timeout` and `max_bytes`; the allowed hosts always come from the settings.
    """
    from django.conf import settings  # lazily: this module works without Django

    default = FetchPolicy()
    if timeout is None:
        timeout = getattr(settings, "FACTCHECK_FETCH_TIMEOUT", default.total_timeout)
    if max_bytes is None:
        max_bytes = getattr(settings, "FACTCHECK_FETCH_MAX_BYTES", default.max_bytes)
    total = float(timeout)
    return FetchPolicy(
        allow=getattr(settings, "FACTCHECK_FETCH_ALLOW", ()) or (),
        total_timeout=total,
        connect_timeout=min(default.connect_timeout, total),
        read_timeout=min(default.read_timeout, total),
        max_bytes=int(max_bytes),
    )


@dataclass
class FetchResult:
    """A fetched document: where it came from, what the server said, and the raw body."""

    url: str
    final_url: str
    status: int
    content_type: str
    charset: str
    body: bytes
    sha256: str
    headers: dict[str, str]
    redirects: list[str]

    @property
    def declared_type(self) -> str:
        """The content type with its charset, as `annotations.ingest.extract` takes it."""
        return f"{self.content_type}; charset={self.charset}" if self.charset else self.content_type


# Address ranges that are never fetched unless allowed, with the word the message uses.
# Python's own flags (is_private, is_global) differ between patch releases, so the ranges
# are listed here; anything else that Python does not call global is refused as well.
_REFUSED_V4 = [
    ("0.0.0.0/8", "unspecified"),
    ("127.0.0.0/8", "loopback"),
    ("10.0.0.0/8", "private"),
    ("172.16.0.0/12", "private"),
    ("192.168.0.0/16", "private"),
    ("100.64.0.0/10", "carrier-grade NAT (shared address space)"),
    ("169.254.0.0/16", "link-local"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "reserved for documentation"),
    ("198.51.100.0/24", "reserved for documentation"),
    ("203.0.113.0/24", "reserved for documentation"),
    ("198.18.0.0/15", "reserved for benchmarking"),
    ("192.88.99.0/24", "reserved"),
    ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"),
    ("240.0.0.0/4", "reserved"),
]
_REFUSED_V6 = [
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "reserved (IPv4-compatible)"),
    ("64:ff9b:1::/48", "private (local NAT64)"),
    ("100::/64", "reserved (discard)"),
    ("2001:db8::/32", "reserved for documentation"),
    ("2001::/23", "reserved"),
    ("fc00::/7", "private (unique local)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "private (site-local)"),
    ("ff00::/8", "multicast"),
]
_REFUSED = [(ipaddress.ip_network(net), reason) for net, reason in _REFUSED_V4 + _REFUSED_V6]
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IPv4-translated addresses (RFC 2765's SIIT), which Python counts as global.
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")

# Names that always mean this machine or the local network (RFC 6761, RFC 6762, RFC 8375).
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_LOCAL_SUFFIXES = (".localhost", ".local", ".localdomain", ".internal", ".home.arpa", ".arpa")

# A DNS name in its ASCII (IDNA) form; underscores occur in real host names.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*")
_NUMBER = re.compile(r"0x[0-9a-f]*|[0-9]+")


def address_refusal(address: Address, policy: FetchPolicy) -> str:
    """Why `address` may not be fetched ('loopback', 'private', ...), or '' if it may."""
    if policy.address_allowed(address):
        return ""
    if isinstance(address, ipaddress.IPv6Address):
        # Addresses that carry an IPv4 address reach that address: judge it instead.
        if address.ipv4_mapped is not None:
            return address_refusal(address.ipv4_mapped, policy)
        embedded, via = None, ""
        if address in _SIX_TO_FOUR:
            embedded, via = ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF), "6to4"
        elif address in _NAT64:
            embedded, via = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "NAT64"
        elif address in _TRANSLATED:
            embedded, via = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "SIIT"
        if embedded is not None:
            reason = address_refusal(embedded, policy)
            return f"{reason} ({via} for {embedded})" if reason else ""
    for network, reason in _REFUSED:
        if address.version == network.version and address in network:
            return reason
    if not address.is_global:
        return "not publicly routable"
    return ""


def parse_ip_host(host: str) -> Address | None:
    """The address a host spells, or None for a host name.

    IPv4 is read the way inet_aton reads it, as resolvers do: one to four parts, each
    decimal, octal (leading 0) or hexadecimal (0x), the last filling the remaining bytes,
    so '127.1', '2130706433', '0x7f000001' and '0177.0.0.1' are all 127.0.0.1. A host whose
    last label is a number but that is no valid address raises FetchRefused: no DNS name
    ends in a number, and resolvers differ on such input.
    """
    host = host.strip().lower()
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.strip("[]"))
        except ValueError:
            raise FetchRefused(f"refused: {host!r} is not a valid IPv6 address") from None
    parts = host.removesuffix(".").split(".")
    if not _NUMBER.fullmatch(parts[-1]):
        return None
    # No part of a valid spelling is longer than 12 characters ("037777777777"); longer
    # ones are refused before int() is asked to read thousands of digits.
    if len(parts) > 4 or not all(len(p) <= 12 and _NUMBER.fullmatch(p) for p in parts):
        raise FetchRefused(f"refused: {host!r} is not a valid address")
    values = []
    for part in parts:
        if part.startswith("0x"):
            values.append(int(part[2:] or "0", 16))
        elif part.startswith("0") and len(part) > 1:
            if not set(part) <= set("01234567"):
                raise FetchRefused(f"refused: {host!r} is not a valid address")
            values.append(int(part, 8))
        else:
            values.append(int(part))
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (5 - len(values)):
        raise FetchRefused(f"refused: {host!r} is not a valid address")
    number = last
    for i, value in enumerate(leading):
        number += value << (8 * (3 - i))
    return ipaddress.IPv4Address(number)


def _check_name(host: str, policy: FetchPolicy) -> None:
    name = host.rstrip(".")
    if policy.host_allowed(name):
        return
    if name in _LOCAL_NAMES or name.endswith(_LOCAL_SUFFIXES):
        raise FetchRefused(f"refused: host {name!r} is a local name")
    if not _HOST_NAME.fullmatch(name):
        raise FetchRefused(f"refused: {host!r} is not a valid host name")


def _show(address: Address) -> str:
    # Python before 3.13 prints IPv4-mapped addresses in hex (::ffff:a00:1); editors
    # recognise the dotted form.
    mapped = getattr(address, "ipv4_mapped", None)
    return f"::ffff:{mapped}" if mapped is not None else str(address)


def _refuse_address(address: Address, policy: FetchPolicy, host: str = "") -> None:
    reason = address_refusal(address, policy)
    if reason:
        shown = _show(address)
        if host and host != shown:
            # The message is stored and shown to members: it names the kind of network, not
            # the address, or fetching named hosts would map the server's internal DNS.
            # Operators find the address in the log.
            logger.info("Refused %s: it resolves to %s, which is %s", host, shown, reason)
            kind = reason.split(" (", 1)[0]
            raise FetchRefused(f"refused: {host} resolves to a non-public address ({kind})")
        raise FetchRefused(f"refused: address {shown} is {reason}")


def check_url(url: str, policy: FetchPolicy | None = None, *, resolve: bool = False) -> str:
    """Check that `url` may be fetched, without connecting; return it normalised.

    Checks the scheme (http and https only), the host (addresses in every spelling, local
    names), user info (refused) and, with `resolve`, every address the host resolves to.
    An address in an unusual spelling comes back in its usual one ('127.1' as '127.0.0.1').
    `fetch` checks the resolved addresses itself, at connect time. Raises FetchRefused.
    """
    policy = policy or FetchPolicy()
    url = str(url).strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise FetchRefused("refused: not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        shown = scheme or "(none)"
        raise FetchRefused(f"refused: scheme {shown!r} is not allowed (only http and https)")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchRefused("refused: the URL has no host")
    address = parse_ip_host(host)
    if address is not None:
        _refuse_address(address, policy)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise FetchRefused("refused: not a valid URL") from None
    # httpx sends the request: it must see the same host as the check above did.
    seen = parsed.raw_host.decode("ascii").lower()
    if address is not None:
        same = parse_ip_host(seen) == address
    else:
        _check_name(seen, policy)
        # The name as typed, in Unicode or in its ASCII (punycode) form, is what httpx sends.
        same = host.rstrip(".") in (parsed.host.lower().rstrip("."), seen.rstrip("."))
    if not same:
        raise FetchRefused("refused: the URL's host is ambiguous")
    if parts.username is not None or parts.password is not None:
        raise FetchRefused("refused: URLs with a user name or password are not allowed")
    if resolve and address is None:
        _checked_addresses(parsed.raw_host.decode("ascii"), parsed.port or 0, policy, None)
    if address is not None and seen.strip("[]") != str(address):
        # '2130706433', '0x7f.1' or '127.1' is the address checked above; return it spelled
        # the usual way, as browsers do, so what is stored and shown is what was checked
        # (and URL validators, which know only the dotted form, accept it).
        parsed = parsed.copy_with(host=str(address))
    return str(parsed)


def _resolve(host: str, port: int, policy: FetchPolicy, deadline: float | None) -> list[str]:
    """Run the resolver, bounded by the deadline (getaddrinfo has no timeout of its own)."""
    answers: list[str] = []
    failures: list[Exception] = []

    def run():
        try:
            answers.extend(str(address) for address in policy.resolver(host, port))
        except Exception as exc:  # handed to the caller's thread below
            failures.append(exc)

    worker = threading.Thread(target=run, name="fetch-resolve", daemon=True)
    worker.start()
    worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        raise FetchTimeout(f"timed out: resolving {host} took too long")
    if any(isinstance(f, socket.gaierror) and f.errno in _NO_SUCH_NAME for f in failures):
        raise FetchHostNotFound(f"the host {host} does not exist")
    if failures or not answers:
        raise FetchConnectionError(f"could not resolve the host {host}")
    return answers


def _checked_addresses(
    host: str, port: int, policy: FetchPolicy, deadline: float | None
) -> list[str]:
    """The addresses to connect to for `host`, each one checked; raise if any is refused."""
    host = host.lower()
    literal = parse_ip_host(host)
    if literal is not None:
        _refuse_address(literal, policy)
        return [str(literal)]
    _check_name(host, policy)
    allowed_name = policy.host_allowed(host)
    checked = []
    for text in _resolve(host, port, policy, deadline):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise FetchRefused(f"refused: {host} resolves to {text!r}, not an address") from None
        # Every address is checked, not only the one used: refusing the host when any
        # answer is internal keeps a mixed answer from being a way in.
        if not allowed_name:
            _refuse_address(address, policy, host.rstrip("."))
        checked.append(str(address))
    return checked


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes never run past the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self._stream = stream
        self._deadline = deadline

    def _timeout(self, timeout: float | None, error: type[Exception]) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise error("the fetch's deadline has passed")
        return remaining if timeout is None else min(timeout, remaining)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        stream = self._stream.start_tls(
            ssl_context, server_hostname, self._timeout(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(stream, self._deadline)

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """An httpcore backend that resolves and checks the host, then connects to that address.

    httpcore hands it the URL's host name; TLS (SNI, certificate check) and the Host header
    keep using that name, while the socket goes to the checked address, so no second DNS
    lookup happens between check and connect.
    """

    def __init__(self, policy: FetchPolicy, deadline: float):
        self._policy = policy
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        """Resolve `host` once, check every address, and connect to the first that answers."""
        failure: Exception | None = None
        for address in _checked_addresses(host, port, self._policy, self._deadline):
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise httpcore.ConnectTimeout("the fetch's deadline has passed")
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=remaining if timeout is None else min(timeout, remaining),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise failure or httpcore.ConnectError(f"could not connect to {host}")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        """Never: fetches go to TCP addresses only."""
        raise FetchRefused("refused: Unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        """Sleep, as httpcore's retry logic asks."""
        time.sleep(seconds)


@functools.cache
def _ssl_context():
    # Loading the CA bundle is slow; one context serves every fetch (it is thread-safe).
    return httpx.create_ssl_context(trust_env=False)


@contextmanager
def _mapped_errors(host: str) -> Iterator[None]:
    """Turn httpcore's exceptions into `FetchError`s with messages for an editor."""
    try:
        yield
    except httpcore.TimeoutException:
        raise FetchTimeout(f"timed out: {host} did not answer in time") from None
    except httpcore.ConnectError as exc:
        detail = str(exc)[:200].upper()
        if "CERTIFICATE" in detail:
            raise FetchNotSecure(
                f"could not connect securely to {host}: its certificate could not be verified"
            ) from exc
        if any(sign in detail for sign in _PLAIN_HTTP_SIGNS):
            raise FetchNotSecure(
                f"could not connect securely to {host}: it does not answer https (is its "
                "address http://?)"
            ) from exc
        if "SSL" in detail:
            # A handshake cut short (an overloaded server, a dropped connection) may pass.
            raise FetchConnectionError(f"could not connect securely to {host}") from exc
        raise FetchConnectionError(f"could not connect to {host}") from exc
    except (httpcore.ProtocolError, httpcore.NetworkError) as exc:
        raise FetchConnectionError(f"the connection to {host} failed") from exc


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream, host: str):
        self._stream = stream
        self._host = host

    def __iter__(self) -> Iterator[bytes]:
        with _mapped_errors(self._host):
            yield from self._stream

    def close(self) -> None:
        if hasattr(self._stream, "close"):
            self._stream.close()


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport over an httpcore pool that connects through `GuardedBackend`."""

    def __init__(self, policy: FetchPolicy, deadline: float):
        self._pool = httpcore.ConnectionPool(
            ssl_context=policy.ssl_context or _ssl_context(),
            network_backend=GuardedBackend(policy, deadline),
            max_connections=4,
            retries=0,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through the checked connection pool."""
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        host = request.url.host
        with _mapped_errors(host):
            response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream, host),
            extensions=response.extensions,
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._pool.close()


# The monotonic time by which the current unit of work (a job) must be done, if any.
_budget_ends: ContextVar[float | None] = ContextVar("fetch_budget_ends", default=None)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Cap every fetch made inside the block so that all of them end within `seconds`.

    A job's soft time limit, made real where the worker cannot interrupt the task (Celery's
    thread pool ignores time limits): a fetch started late gets only the time left, and
    one started after it ran out fails at once with FetchTimeout. Nested budgets keep the
    earlier end.
    """
    ends = time.monotonic() + seconds
    outer = _budget_ends.get()
    token = _budget_ends.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _budget_ends.reset(token)


def budget_left() -> float | None:
    """Seconds left of the current `time_budget`, None outside one."""
    ends = _budget_ends.get()
    return None if ends is None else max(0.0, ends - time.monotonic())


def fetch(url: str, *, policy: FetchPolicy | None = None) -> FetchResult:
    """Fetch `url` under `policy` (default: `FetchPolicy()`, nothing extra allowed).

    Raises a `FetchError` subclass for every failure: FetchRefused (URL, host, address,
    too many redirects), FetchTimeout, FetchTooLarge, FetchContentTypeRefused,
    FetchHTTPError (status 4xx/5xx and other non-2xx answers) or FetchConnectionError.
    """
    return _send("GET", url, policy=policy)


def post(
    url: str,
    *,
    content: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
    policy: FetchPolicy | None = None,
) -> FetchResult:
    """POST `content` to `url` under the same address checks, limits and errors as `fetch`.

    Meant for webhooks and archive APIs: the answer may be of any content type (or empty,
    as a 204 is), and is size-capped like a fetched document. `headers` are added to the
    request (a signature, an event name); they cannot replace the content type, length or
    host. A 307 or 308 redirect repeats the POST at its (checked) target; 301, 302 and 303
    turn it into a GET; a policy with `max_redirects=0` follows none (webhooks).
    """
    extra = {
        name: value
        for name, value in (headers or {}).items()
        if name.lower() not in {"content-type", "content-length", "host", "transfer-encoding"}
    }
    extra["Content-Type"] = content_type
    return _send("POST", url, policy=policy, content=bytes(content), extra_headers=extra)


def _send(
    method: str,
    url: str,
    *,
    policy: FetchPolicy | None,
    content: bytes | None = None,
    extra_headers: dict[str, str] | None = None,
) -> FetchResult:
    policy = policy or FetchPolicy()
    total = policy.total_timeout
    left = budget_left()
    if left is not None:
        if left <= 0:
            raise FetchTimeout("timed out: the job's time ran out before this fetch")
        total = min(total, left)
    deadline = time.monotonic() + total
    current = check_url(url, policy)
    headers = {
        "User-Agent": policy.user_agent,
        "Accept": ", ".join(policy.content_types) + ", */*;q=0.1",
        # Compressed bodies are inflated before the size cap counts them; asking for
        # identity keeps small packets from inflating to much more in one step.
        "Accept-Encoding": "identity",
        **(extra_headers or {}),
    }
    timeout = httpx.Timeout(
        connect=min(policy.connect_timeout, total),
        read=min(policy.read_timeout, total),
        write=min(policy.read_timeout, total),
        pool=min(policy.connect_timeout, total),
    )
    request = _Request(method, current, content, headers)
    try:
        return _fetch(url, request, policy, deadline, timeout)
    except httpx.DecodingError as exc:
        raise FetchConnectionError("the server sent a body that could not be decoded") from exc
    except httpx.HTTPError as exc:  # anything httpx itself refuses to send or read
        raise FetchConnectionError(f"the fetch failed ({type(exc).__name__})") from exc


@dataclass
class _Request:
    method: str
    url: str
    content: bytes | None
    headers: dict[str, str]

    def redirected(self, status: int, target: str) -> "_Request":
        headers = self.headers
        if _origin(target) != _origin(self.url):
            # Credentials are for the site they were meant for, not wherever it sends us
            # (review R20: Save Page Now's key went to the host a redirect named).
            headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIALS}
        if self.method == "GET" or status in _REDIRECTS_KEEPING_METHOD:
            return _Request(self.method, target, self.content, headers)
        headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        return _Request("GET", target, None, headers)


_CREDENTIALS = {"authorization", "cookie", "proxy-authorization"}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


def _fetch(
    url: str,
    request: _Request,
    policy: FetchPolicy,
    deadline: float,
    timeout: httpx.Timeout,
) -> FetchResult:
    """Send the request and follow redirects by hand, checking each target."""
    redirects: list[str] = []
    transport = GuardedTransport(policy, deadline)
    # Headers go with each request, not the client: a redirect may drop the content type.
    with httpx.Client(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    ) as client:
        while True:
            with client.stream(
                request.method, request.url, content=request.content, headers=request.headers
            ) as response:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    if not policy.max_redirects:
                        # A caller that must reach this very address (a webhook receiver)
                        # learns where it was sent instead of a GET of the target passing
                        # for the POST it asked for.
                        raise FetchHTTPError(
                            f"the server answered {response.status_code}, redirecting to "
                            f"{location[:200]}: redirects are not followed here",
                            response.status_code,
                        )
                    if len(redirects) >= policy.max_redirects:
                        raise FetchTooManyRedirects(
                            f"refused: more than {policy.max_redirects} redirects"
                        )
                    target = _redirect_target(response.url, location, policy)
                    request = request.redirected(response.status_code, target)
                    redirects.append(target)
                    continue
                _check_status(response)
                if request.method == "GET":
                    content_type, charset = _check_content_type(response, policy)
                else:
                    content_type, charset = _content_type(response)
                body = _read_body(response, policy, deadline)
                return FetchResult(
                    url=url,
                    final_url=str(response.url),
                    status=response.status_code,
                    content_type=content_type,
                    charset=charset,
                    body=body,
                    sha256=hashlib.sha256(body).hexdigest(),
                    headers=dict(response.headers),
                    redirects=redirects,
                )


def _redirect_target(base: httpx.URL, location: str, policy: FetchPolicy) -> str:
    try:
        target = str(base.join(location.strip()))
    except httpx.InvalidURL:
        raise FetchRefused("refused: the server redirected to an invalid URL") from None
    return check_url(target, policy)


def _check_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    try:
        phrase = " " + HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    if status in _REDIRECTS:
        raise FetchHTTPError(f"the server answered {status}{phrase} without a Location", status)
    retry_after = _retry_after(response.headers.get("retry-after", ""))
    raise FetchHTTPError(
        f"the server answered {status}{phrase}", status, retry_after, _error_excerpt(response)
    )


# How much of an error answer is kept for the caller to read the reason in.
ERROR_BODY_MAX = 4096


def _error_excerpt(response: httpx.Response) -> bytes:
    """The first ERROR_BODY_MAX bytes of an error answer; nothing if it cannot be read."""
    kept = b""
    try:
        for chunk in _decoded_chunks(response):
            kept += chunk
            if len(kept) >= ERROR_BODY_MAX:
                break
    except (httpx.HTTPError, FetchError):
        return b""
    return kept[:ERROR_BODY_MAX]


def _retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if absent."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _printable(value: str, limit: int = 100) -> str:
    return "".join(c if c.isprintable() else "?" for c in value)[:limit]


def _check_content_type(response: httpx.Response, policy: FetchPolicy) -> tuple[str, str]:
    media, charset = _content_type(response)
    if not media:
        raise FetchContentTypeRefused("refused: the server did not say what type of content it is")
    if media not in policy.content_types:
        raise FetchContentTypeRefused(f"refused: content type {_printable(media)} is not accepted")
    return media, charset


def _content_type(response: httpx.Response) -> tuple[str, str]:
    """The media type and a known charset the response declares ('' for none)."""
    header = response.headers.get("content-type", "")
    media, _, params = header.partition(";")
    media = media.strip().lower()
    charset = ""
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = ""  # an unknown charset is as good as none: the text is sniffed instead
    return media, charset


def _read_body(response: httpx.Response, policy: FetchPolicy, deadline: float) -> bytes:
    limit = policy.max_bytes
    too_large = f"the document is larger than the limit of {_size(limit)}"
    declared = response.headers.get("content-length", "")
    if declared.strip().isdigit() and int(declared) > limit and not policy.cut_long_answers:
        raise FetchTooLarge(too_large)
    chunks = []
    size = 0
    for chunk in _decoded_chunks(response):
        size += len(chunk)
        if size > limit:
            if policy.cut_long_answers:
                chunks.append(chunk[: len(chunk) - (size - limit)])
                break
            raise FetchTooLarge(too_large)
        if time.monotonic() > deadline:
            raise FetchTimeout(
                f"timed out: the download took longer than {policy.total_timeout:g} s"
            )
        chunks.append(chunk)
    return b"".join(chunks)


# How much a compressed body is inflated at a time: the size cap is counted on what comes
# out, so a small compressed answer that inflates to gigabytes is stopped after the cap.
_INFLATE_STEP = 64 * 1024


def _decoded_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The body as the server meant it, inflated from gzip or deflate _INFLATE_STEP at a time.

    httpx inflates each network read whole before the caller can count it: 200 KB of gzip
    came out as one 67 MB piece. The raw bytes are read instead, and inflated in steps.
    Other encodings (br, zstd, several at once) are refused: the request asked for none.
    """
    coding = response.headers.get("content-encoding", "").strip().lower()
    if coding in ("", "identity"):
        yield from response.iter_raw()
        return
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise FetchContentTypeRefused(
            f"refused: the server sent the document encoded as {_printable(coding)}, "
            "which is not read here"
        )
    # gzip (wbits 31), or deflate in its zlib wrapper (15); some servers send raw deflate.
    inflater, first = zlib.decompressobj(31 if "gzip" in coding else 15), True
    try:
        for raw in response.iter_raw():
            data = raw
            if first and data and coding == "deflate":
                first = False
                try:
                    zlib.decompressobj(15).decompress(data[:2])
                except zlib.error:
                    inflater = zlib.decompressobj(-15)
            # Once the stream has ended, what follows it (a newline, a second member) is
            # left, as httpx leaves it; zlib keeps `unconsumed_tail` set after the end, and
            # feeding it again looped for good.
            while data and not inflater.eof:
                out = inflater.decompress(data, _INFLATE_STEP)
                data = inflater.unconsumed_tail
                if out:
                    yield out
        if not inflater.eof and (tail := inflater.flush()):
            yield tail
    except zlib.error as exc:
        raise FetchConnectionError("the server sent a body that could not be decoded") from exc


def _size(n: int) -> str:
    return f"{n / _MB:g} MB" if n >= _MB else f"{n:,} bytes"
