"""Settings: production variables pass `check --deploy`; unsafe production setups refuse."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-for-the-deploy-check-only-" + "x7Qz" * 12,
    "DJANGO_ALLOWED_HOSTS": "factcheck.example",
    "DATABASE_URL": "postgres://factcheck:secret@db.internal:5432/factcheck",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "FACTCHECK_PUBLIC_URL": "https://factcheck.example",
    "EMAIL_URL": "smtp+tls://factcheck:secret@mail.example:587",
}


def _clean_environment(**overrides) -> dict[str, str]:
    """This process's environment without test-only switches (the browser tests set one)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **overrides}


def _manage(*args, env_overrides):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_clean_environment(**env_overrides),
        capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip


def test_production_variables_pass_the_deploy_check_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_a_mail_server_or_public_address_is_warned_by_the_deploy_check():
    env = {**PRODUCTION, "EMAIL_URL": "", "FACTCHECK_PUBLIC_URL": "http://127.0.0.1:8000"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env)
    assert result.returncode != 0
    assert "factcheck.W001" in result.stderr and "factcheck.W002" in result.stderr


def test_a_public_address_without_a_scheme_or_empty_is_warned_too():
    for address in ("", "factcheck.example"):
        env = {**PRODUCTION, "FACTCHECK_PUBLIC_URL": address}
        result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env)
        assert "factcheck.W002" in result.stderr, address


def test_a_wildcard_in_allowed_hosts_is_warned_by_the_deploy_check():
    env = {**PRODUCTION, "DJANGO_ALLOWED_HOSTS": "factcheck.example,*"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env)
    assert result.returncode != 0 and "factcheck.W003" in result.stderr


def test_the_mail_server_url_sets_django_email_settings():
    code = (
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS)"
    )
    result = _manage("shell", "--verbosity", "0", "-c", code, env_overrides=PRODUCTION)
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend", "mail.example", "587", "factcheck", "True",
    ]  # fmt: skip


def test_production_without_a_secret_key_refuses_to_start():
    env = {k: v for k, v in _clean_environment(**PRODUCTION).items() if k != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_every_page_carries_a_content_security_policy(client, db):
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "object-src 'none'" in policy
