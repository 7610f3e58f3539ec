# Two commands: `make run` and `make test`. Everything else here supports them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-embedded test-postgres lint format bench migrate demo check-deploy clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

## Start the whole stack on embedded defaults (or DATABASE_URL / REDIS_URL when set).
run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py run_stack --port $(PORT)

## The whole suite, on SQLite + embedded Redis and on PostgreSQL + Redis.
test: $(VENV)/.dev
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) tests/run_suites.py --backend all $(PYTEST_ARGS)

test-embedded: $(VENV)/.dev
	$(PY) tests/run_suites.py --backend embedded $(PYTEST_ARGS)

test-postgres: $(VENV)/.dev
	$(PY) tests/run_suites.py --backend postgres $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

format: $(VENV)/.dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(VENV)/.dev
	$(PY) bench/anchoring.py
	$(PY) bench/workspace.py
	$(PY) bench/ingest.py

check-deploy: $(VENV)/.runtime
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") \
	DJANGO_ALLOWED_HOSTS=factcheck.example $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var staticfiles .pytest_cache test-artifacts
