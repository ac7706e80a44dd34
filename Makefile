# make run  : create .venv if missing, install cityregions, run the default scenario (Leipzig, city_regions)
# make test : create .venv if missing, install cityregions with its test extras, install Debian's Chromium for the
#             browser test of the classroom page if it is missing, run the test suite on two processes
#             (pytest-xdist; TEST_WORKERS=0 runs it in one)
# make mutation : mutation testing of the rules with mutmut (a few minutes; not part of make test); the scores go
#             to docs/mutation.csv and docs/TESTING.md
#
# Python 3.12 or newer is required (Mesa 3.5 needs it). The interpreter is found in this order:
# $(PYTHON) if given (make run PYTHON=/path/to/python3.12), python3.13, python3.12, python3,
# and pyenv's 3.12/3.13 if pyenv is installed. If none is found, install Python 3.12
# (e.g. `pyenv install 3.12`, or your system's python3.12 package) and run make again.

VENV      := .venv
VPY       := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
ARGS      ?=
# make test's pytest-xdist workers, each taking whole test files (TEST_WORKERS=0: one process)
TEST_WORKERS ?= 2

PY_OK = import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)
FIND_PYTHON = for c in "$(PYTHON)" python3.13 python3.12 python3; do \
	  [ -n "$$c" ] || continue; \
	  if command -v "$$c" >/dev/null 2>&1 && "$$c" -c '$(PY_OK)' >/dev/null 2>&1; then command -v "$$c"; exit 0; fi; \
	done; \
	if command -v pyenv >/dev/null 2>&1; then \
	  for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])(\.|$$)' | sort -V -r); do \
	    p="$$(pyenv root)/versions/$$v/bin/python3"; \
	    if [ -x "$$p" ] && "$$p" -c '$(PY_OK)' >/dev/null 2>&1; then echo "$$p"; exit 0; fi; \
	  done; \
	fi; exit 1

.PHONY: run test venv clean bench browser app mutation

$(VPY):
	@py="$$( $(FIND_PYTHON) )" || { \
	  echo "error: no Python 3.12+ found (tried PYTHON=$(PYTHON), python3.13, python3.12, python3, pyenv)." >&2; \
	  echo "       Install Python 3.12 (e.g. 'pyenv install 3.12' or your OS package) or pass PYTHON=/path/to/python3.12." >&2; \
	  exit 1; }; \
	echo "creating $(VENV) with $$py ($$("$$py" --version))"; \
	"$$py" -m venv $(VENV)

$(STAMP): $(VPY) pyproject.toml
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/cityregions $(ARGS)

# The page's browser test drives a real Chromium. Playwright cannot download its own browser here (no internet,
# only package registries), so it uses Debian's package (CITYREGIONS_CHROMIUM overrides the path).
CHROMIUM ?= $(or $(CITYREGIONS_CHROMIUM),/usr/bin/chromium)
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1; then \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO="sudo"; \
	  echo "installing Debian's chromium for the browser test: $${SUDO:+$$SUDO }apt-get install chromium"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi; \
	[ -x "$(CHROMIUM)" ] || { echo "error: no Chromium at $(CHROMIUM); install it (Debian: apt-get install chromium)" \
	  "or set CITYREGIONS_CHROMIUM=/path/to/chromium" >&2; exit 1; }

test: $(STAMP) browser
	CITYREGIONS_CHROMIUM=$(CHROMIUM) $(VPY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(ARGS)

app: $(STAMP)
	$(VENV)/bin/cityregions app $(ARGS)

MUTATION := $(VENV)/.mutation
$(MUTATION): $(STAMP)
	$(VPY) -m pip install --quiet -e ".[mutation]"
	@touch $(MUTATION)

mutation: $(MUTATION)
	rm -rf mutants
	$(VPY) tools/mutation_report.py $(ARGS)

bench: $(STAMP) browser
	$(VPY) benchmarks/bench_scale.py
	$(VPY) benchmarks/bench_regions.py
	$(VPY) benchmarks/bench_sweep.py
	$(VPY) benchmarks/bench_page.py

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache mutants
