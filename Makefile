# make demo   install (first time only), then the demo chain on the embedded data:
#             make data -> Barlow Twins pretraining -> Faster R-CNN from it and from random
#             init -> tools/test.py -> work_dirs/demo-<bf16|fp32>/results.{json,md}, compared with
#             the committed record docs/results/demo.json (DEMO_PRECISION=fp32 forces fp32)
# make test   install (first time only), then the whole test suite
PY := .venv/bin/python

.PHONY: install demo test lint format clean-demo

install:
	@bash tools/install.sh

demo: install
	@bash tools/run_demo.sh

# up to 4 workers (one per core), each running whole test files (their module fixtures once),
# the files that train first (tests/conftest.py)
test: install
	$(PY) -m pytest -q -n auto --maxprocesses=4 --dist loadfile --no-loadscope-reorder --durations=12 tests

lint: install
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

format: install
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

clean-demo:
	rm -rf data/demo work_dirs/demo work_dirs/demo-bf16 work_dirs/demo-fp32 work_dirs/*nyu-demo
