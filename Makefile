# analyzer: every target sets up .venv itself, so a fresh clone needs only `make demo` / `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO_OUT ?= out/demo

.PHONY: demo test model evaluate bench clean venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/analyzer run data/demo/mail --config data/demo/analyzer.toml --out $(DEMO_OUT)
	@echo "results: $(DEMO_OUT)/scores.csv, $(DEMO_OUT)/evidence.csv, $(DEMO_OUT)/report.html"

test: $(STAMP)
	$(PY) -m pytest -q

model: $(STAMP)
	$(PY) -m training.signals.train --out models/signals
	$(PY) -m training.depth.build --out models/depth

evaluate: $(STAMP)
	$(PY) -m training.signals.evaluate --model models/signals
	$(PY) -m training.signals.agency_mail
	$(PY) -m training.depth.evaluate
	$(PY) -m training.depth.oracle

bench: $(STAMP)
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_signals.py
	$(PY) bench/bench_run.py --mail realistic --messages 16000
	$(PY) bench/bench_run.py --mail bulk --messages 100000

clean:
	rm -rf $(VENV) out .pytest_cache
