# Two commands: `make run` and `make test`. Everything else here supports them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-embedded test-postgres lint format lock bench migrate demo check-deploy clean lighthouse

# Installs exactly the locked set: every file checked against its hash, nothing resolved
# on the fly, so a dependency missing from the lock fails here rather than at import.
PIP_INSTALL := $(PY) -m pip install --quiet --require-hashes --no-deps
# Resolves the .in files for every platform on Python 3.11, hashing every file of each
# pinned release (wheels for all platforms and the sdist), so the lock installs anywhere.
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# The stamps depend on the locks, so a changed lock reinstalls. The lock pins pip too.
$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements.txt
	$(PY) -m pip check
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -r requirements-dev.txt
	$(PY) -m pip check
	touch $@ $(VENV)/.runtime

## Start the whole stack on embedded defaults (or DATABASE_URL / REDIS_URL when set).
run: $(VENV)/.runtime
	$(PY) manage.py run_stack --port $(PORT) --check-port
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
	$(PY) bench/reader.py

## Lighthouse on the demo article's reader page (targets: performance, best practices and
## SEO >= 95, accessibility 100). The npm package goes into var/node, pinned (12.2.3 runs on
## Node 20); Chromium is Debian's, or CHROME_PATH.
LIGHTHOUSE_VERSION := 12.2.3
CHROME_PATH ?= /usr/bin/chromium

var/node/node_modules/.bin/lighthouse:
	mkdir -p var/node
	test -f var/node/package.json || echo '{"private": true}' > var/node/package.json
	npm install --prefix var/node --no-audit --no-fund --save-exact lighthouse@$(LIGHTHOUSE_VERSION)

lighthouse: $(VENV)/.runtime var/node/node_modules/.bin/lighthouse
	CHROME_PATH=$(CHROME_PATH) $(PY) bench/lighthouse.py $(LIGHTHOUSE_ARGS)

check-deploy: $(VENV)/.runtime
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=$$($(PY) -c "import secrets; print(secrets.token_urlsafe(50))") \
	DJANGO_ALLOWED_HOSTS=factcheck.example FACTCHECK_PUBLIC_URL=https://factcheck.example \
	EMAIL_URL=smtp+tls://factcheck@mail.example:587 \
	$(PY) manage.py check --deploy --fail-level WARNING

## Re-resolve requirements*.in into the hashed locks; keeps existing pins unless
## asked to move them: make lock LOCK_ARGS=--upgrade (or --upgrade-package NAME).
lock: $(VENV)/.dev
	$(UV_COMPILE) $(LOCK_ARGS) --output-file requirements.txt requirements.in
	$(UV_COMPILE) $(LOCK_ARGS) --output-file requirements-dev.txt requirements-dev.in
	$(PIP_INSTALL) -r requirements-dev.txt
	touch $(VENV)/.dev $(VENV)/.runtime

clean:
	rm -rf var staticfiles .pytest_cache test-artifacts
