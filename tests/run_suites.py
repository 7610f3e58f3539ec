"""Run the test suite on each backend: SQLite + embedded Redis, then PostgreSQL + Redis.

Each run gets throwaway servers on loopback (temporary data directory, free port).
On a machine without PostgreSQL the second run is skipped with the reason; under CI
(CI=true) a missing server is a failure instead.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from factcheck import localservers  # noqa: E402 - needs the path above


def run_pytest(env_overrides: dict[str, str], pytest_args: list[str]) -> int:
    env = {**os.environ, **env_overrides}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        if name not in env_overrides:
            env.pop(name, None)
    command = [sys.executable, "-m", "pytest", *pytest_args]
    return subprocess.call(command, cwd=ROOT, env=env)


def run_embedded(pytest_args: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="factcheck-test-") as var_dir:
        redis = localservers.start_redis(socket_path=Path(var_dir) / "redis.sock")
        try:
            print(f"== SQLite + embedded Redis ({redis.url})", flush=True)
            return run_pytest(
                {
                    "FACTCHECK_VAR_DIR": var_dir,
                    "REDIS_URL": redis.url,
                    "FACTCHECK_BACKEND": "sqlite",
                },
                pytest_args,
            )
        finally:
            redis.stop()


def run_postgres(pytest_args: list[str]) -> int | None:
    try:
        postgres = localservers.start_postgres()
    except localservers.ServerUnavailable as reason:
        if os.environ.get("CI") == "true":
            print(f"== PostgreSQL run FAILED: {reason}", flush=True)
            return 1
        print(f"== PostgreSQL run SKIPPED: {reason}", flush=True)
        return None
    try:
        redis = localservers.start_redis(port=localservers.free_port())
        try:
            with tempfile.TemporaryDirectory(prefix="factcheck-test-") as var_dir:
                print(f"== PostgreSQL ({postgres.url}) + Redis ({redis.url})", flush=True)
                return run_pytest(
                    {
                        "FACTCHECK_VAR_DIR": var_dir,
                        "DATABASE_URL": postgres.url,
                        "REDIS_URL": redis.url,
                        "FACTCHECK_BACKEND": "postgres",
                    },
                    pytest_args,
                )
        finally:
            redis.stop()
    finally:
        postgres.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["embedded", "postgres", "all"], default="all")
    options, pytest_args = parser.parse_known_args()
    results: dict[str, int | None] = {}
    if options.backend in ("embedded", "all"):
        results["sqlite + embedded redis"] = run_embedded(pytest_args)
    if options.backend in ("postgres", "all"):
        results["postgresql + redis"] = run_postgres(pytest_args)
    print("\n== Backends:", flush=True)
    for name, code in results.items():
        outcome = "skipped" if code is None else ("passed" if code == 0 else f"FAILED ({code})")
        print(f"   {name}: {outcome}", flush=True)
    return max((code or 0) for code in results.values())


if __name__ == "__main__":
    sys.exit(main())
