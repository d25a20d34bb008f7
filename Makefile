# Sila — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000
export PYTHONPATH := $(CURDIR):$(CURDIR)/platform
export DJANGO_SETTINGS_MODULE ?= sila.settings.dev

SILA_SCALE_N ?= 500

.PHONY: setup demo test lint typecheck contracts pytest perf scale perf-big lock messages clean db-stop browser openapi axe fuzz chaos

$(STAMP): requirements/dev.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Sila needs Python >= 3.11"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.lock
	@touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(PY) manage.py demo --port $(PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy .

contracts: setup
	$(VENV)/bin/lint-imports

# Browser tests drive Debian's Chromium (a test tool's own browser download fails here). Install it
# where we can (root with apt-get); otherwise they skip, except under CI=true where they fail.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium)) ; \
	  else echo "note: Debian's chromium is not installed (sudo apt-get install chromium); browser tests will skip"; fi; \
	fi

# axe-core (accessibility checks in the browser tests) from the npm registry, pinned by package-lock.json.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  (apt-get install -y -qq npm >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq npm)); fi
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $(AXE); \
	else echo "note: npm is not installed (sudo apt-get install npm); accessibility checks will skip"; fi

axe: $(AXE)

pytest: setup browser axe
	DJANGO_SETTINGS_MODULE=sila.settings.test $(PY) -m pytest

test: lint typecheck contracts pytest

perf: setup
	DJANGO_SETTINGS_MODULE=sila.settings.test $(PY) -m pytest tests/perf -p no:randomly -s -o addopts=''

# The scale harness (tests/perf/test_scale.py): SILA_SCALE_N associations on one PostgreSQL, in a
# test database of its own (test_sila_scale_perf), niced: the machine is shared. A whole-database
# pg_dump locks every table at once: the embedded server's lock table is raised to hold 5,000
# associations (SILA_PG_MAX_LOCKS) and its buffer cache to 1GB for their catalogue
# (SILA_PG_SHARED_BUFFERS), which takes a restart of it (start sets them, stop applies them).
scale: setup
	SILA_PG_MAX_LOCKS=4096 SILA_PG_SHARED_BUFFERS=1GB $(PY) manage.py embedded_db start && $(PY) manage.py embedded_db stop
	SILA_PG_MAX_LOCKS=4096 SILA_SCALE_N=$(SILA_SCALE_N) SILA_TEST_DB_SUFFIX=scale DJANGO_SETTINGS_MODULE=sila.settings.test \
	  nice -n 10 $(PY) -m pytest tests/perf/test_scale.py -p no:randomly -s -o addopts=''

# One big association (tests/perf/test_big_association.py): 1,000,000 cases, 500,000 beneficiaries.
perf-big: setup
	SILA_TEST_DB_SUFFIX=big DJANGO_SETTINGS_MODULE=sila.settings.test \
	  nice -n 10 $(PY) -m pytest tests/perf/test_big_association.py -p no:randomly -s -o addopts=''

# The API against its schema, deeper than make test's bounded run (tests/contract).
fuzz: setup
	DJANGO_SETTINGS_MODULE=sila.settings.test SILA_FUZZ_EXAMPLES=$${SILA_FUZZ_EXAMPLES:-200} \
	  SILA_FUZZ_MAX_TIME=$${SILA_FUZZ_MAX_TIME:-1800} $(PY) -m pytest tests/contract -p no:randomly -o addopts=''

# Faults injected into a local Sila (killed worker, PostgreSQL restart under load, connection
# exhaustion, disk full); bounded, loopback only. Report: test-artifacts/chaos.json, docs/reliability.md.
chaos: setup
	$(PY) -m tests.chaos

# Regenerate the hash-pinned lock files after changing pyproject.toml.
lock: setup
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -o requirements/base.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements/dev.lock

# Regenerate the committed OpenAPI schema (a test fails when it is stale).
openapi: setup
	DJANGO_SETTINGS_MODULE=sila.settings.test $(PY) manage.py spectacular --urlconf sila.urls.tenant --validate --fail-on-warn --file docs/openapi.yaml
	DJANGO_SETTINGS_MODULE=sila.settings.test $(PY) manage.py spectacular --urlconf sila.urls.public --validate --fail-on-warn --file docs/openapi-platform.yaml

# Compile translations (.mo files are committed so a fresh machine needs no gettext).
messages: setup
	$(PY) manage.py makemessages -l ar -l en --ignore=.venv --ignore=.sila
	$(PY) manage.py compile_translations

db-stop: setup
	$(PY) manage.py embedded_db stop

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache node_modules
