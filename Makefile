# The two commands: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv migrate demo worker check clean bench backup restore chromium faults

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	@$(PY) -c "import weasyprint" 2>/dev/null || { echo "Installing WeasyPrint's system libraries (Pango)"; \
	  apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core; }
	touch $@

venv: $(VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --no-input

# Demo data only into an empty database.
demo: migrate
	@if $(PY) manage.py shell -c "from cases.models import Case; import sys; sys.exit(0 if Case.objects.exists() else 1)"; then \
	  echo "Database has cases: demo data not loaded."; \
	else $(PY) manage.py seed_demo; fi

run: demo
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "Starting a Celery worker (REDIS_URL is set)"; \
	  $(VENV)/bin/celery -A imrsite worker -B --loglevel=INFO --concurrency=2 & \
	  trap 'kill %1' EXIT; \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	else \
	  $(PY) manage.py runserver $(HOST):$(PORT); \
	fi

# The browser tests (tests/browser) drive Debian's Chromium; never a downloaded browser build.
chromium:
	@test -x /usr/bin/chromium || { echo "Installing Debian's Chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo -n apt-get update -qq && sudo -n apt-get install -y -qq chromium; fi; }

# The suite in two processes at once (scripts/run_tests.py); PYTEST_ARGS runs one pytest with them.
test: venv chromium
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(PY) scripts/run_tests.py $(PYTEST_ARGS)

# Outages for real (README "Operations: outages and recovery"): the tests in
# tests/faults start their own PostgreSQL cluster, redis-server, Celery
# workers and SMTP server, break them, and print fault -> what users saw ->
# what was lost. Never touches the machine's shared PostgreSQL or Redis.
faults: venv
	$(PY) -m tests.faults.run $(PYTEST_ARGS)

# Benchmarks against PostgreSQL and Redis, written to BENCHMARKS.md (bench/run.py;
# DATABASE_URL and REDIS_URL default to local bench databases). Not part of `make test`.
bench: venv
	$(PY) -m bench.run $(BENCH_ARGS)

check: venv
	$(PY) manage.py check

# PostgreSQL + stored files -> var/backups/<UTC time>/ (or $BACKUP_DIR/<UTC time>/); see README "Backups".
backup: venv
	$(PY) scripts/backup.py backup

# Into the EMPTY database in DATABASE_URL: make restore BACKUP=var/backups/<UTC time>
restore: venv
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/<folder>"; exit 2; }
	$(PY) scripts/backup.py restore "$(BACKUP)"

clean:
	rm -rf $(VENV) .pytest_cache
