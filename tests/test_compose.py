"""docker-compose.yml is a valid Compose file, and every command it runs exists in the project."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.core.management import get_commands

from factcheck.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "data" / "compose-spec" / "compose-spec.json"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_file_validates_against_the_compose_schema(compose):
    schema = json.loads(SCHEMA.read_text())
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(compose))
    assert errors == []


def test_stack_has_postgres_redis_web_worker_and_beat_with_health_checks(compose):
    services = compose["services"]
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("db", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert {"postgres-data", "redis-data"} <= set(compose["volumes"])


def _commands(compose):
    for name, service in compose["services"].items():
        if "build" in service:
            yield name, service["command"]


def test_every_service_command_exists_in_the_project(compose):
    django_commands = get_commands()
    for name, command in _commands(compose):
        program = command[0]
        if program == "python":
            assert command[1] == "manage.py"
            assert command[2] in django_commands, name
        elif program == "gunicorn":
            module, _, attribute = command[1].partition(":")
            assert (ROOT / (module.replace(".", "/") + ".py")).exists(), name
            assert attribute == "application"
        elif program == "celery":
            assert command[1:3] == ["-A", "factcheck"]
            assert command[3] in ("worker", "beat"), name
            assert celery_app.main == "factcheck"
        else:
            pytest.fail(f"{name} runs an unknown program {program!r}")


def test_dockerfile_installs_the_same_requirements(compose):
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements.txt" in dockerfile
    assert all(service.get("build") in (None, ".") for service in compose["services"].values())
