# Two commands for a new user: `make run` (app on the bundled corpus) and `make test` (whole suite).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test test-fast browser-deps dict-deps eval bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build of torch from this machine's disk; an unpinned torch would pull CUDA.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: install dict-deps
	$(VENV)/bin/rag serve

# English questions read as Dutch keywords through Debian's FreeDict dictionaries (rag/lexicon.py). Optional:
# without them English questions work, with less recall; a failed install only prints a note.
dict-deps:
	@test -f /usr/share/dictd/freedict-eng-nld.index -a -f /usr/share/dictd/freedict-nld-eng.index || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  ($$SUDO apt-get update -q && $$SUDO apt-get install -y -q dict-freedict-eng-nld dict-freedict-nld-eng) \
	  || echo "note: FreeDict eng-nld/nld-eng not installed; English questions get no Dutch keywords"; }

# Chromium for the browser tests comes from Debian (Playwright's own download cannot work here).
browser-deps:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else sudo apt-get update -q && sudo apt-get install -y -q chromium; fi; }

test: install browser-deps dict-deps
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not e2e and not browser"

eval: install dict-deps
	$(VENV)/bin/rag eval eval/sets/*.jsonl

bench: install
	$(PY) bench/run.py

lint: install
	$(VENV)/bin/ruff check rag tests bench app.py
	$(VENV)/bin/ruff format --check rag tests bench app.py

clean:
	rm -rf $(VENV) index .pytest_cache test-artifacts
