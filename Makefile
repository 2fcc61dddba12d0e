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

# The shipped detector routes French, German, Spanish, Portuguese, Italian and Dutch text to a
# classifier trained on those languages alone (training.signals.route; models/depth/CANDIDATE28.md,
# CANDIDATE30.md). The depth model is fitted on the detections of the detector trained without
# whole-mail rows, routing the four languages it was judged with (build/signals-plain-routed,
# CANDIDATE29.md); the shipped detector adds the mail rows (models/depth/CANDIDATE24.md says why).
# The depth build's grid is fixed at the settings candidates PTQ to PTM and PTN were judged with (models/depth/CANDIDATE47.md
# to CANDIDATE50.md, CANDIDATE54.md; PTN is PTM's recipe on the ingest of N2, CANDIDATE53.md): PT's (CANDIDATE45.md), the quarterly course fitted on QUARTERLY_SPLITS, praise backed by
# substance alone and its share capped (the build's defaults).
model: $(STAMP)
	$(PY) -m training.signals.train --out build/signals-languages4 --only-languages --language-codes fr,de,es,pt
	$(PY) -m training.signals.train --out build/signals-plain
	$(PY) -m training.signals.route --english build/signals-plain --languages build/signals-languages4 --out build/signals-plain-routed
	$(PY) -m training.depth.build --out models/depth --signals-model build/signals-plain-routed \
		--generated-weights 0.3 --priors 8 --period-priors 16 --bands 2 --period-targets level
	$(PY) -m training.signals.train --out build/signals-languages --only-languages
	$(PY) -m training.signals.train --out build/signals-english --mail quote --mail-skip-labels help_request
	$(PY) -m training.signals.route --english build/signals-english --languages build/signals-languages --out models/signals

evaluate: $(STAMP)
	$(PY) -m training.signals.evaluate --model models/signals
	$(PY) -m training.signals.agency_mail
	$(PY) -m training.signals.agreement
	$(PY) -m training.depth.evaluate
	$(PY) -m training.depth.readers
	$(PY) -m training.depth.oracle

bench: $(STAMP)
	$(PY) bench/bench_ingest.py
	$(PY) bench/bench_signals.py
	$(PY) bench/bench_run.py --mail realistic --messages 16000
	$(PY) bench/bench_run.py --mail bulk --messages 100000

clean:
	rm -rf $(VENV) out .pytest_cache
