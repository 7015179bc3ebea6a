# make demo   install (first time only), make the demo data, train, evaluate, print the mAP
# make test   install (first time only), run the whole test suite
PY := .venv/bin/python
DEMO_DATA := data/demo
DEMO_DET := configs/faster_rcnn/faster-rcnn_r18-w32_fpn_1xb8-adam-12e_nyu-demo.py

.PHONY: install demo test lint clean-demo

install:
	@bash tools/install.sh

demo: install
	@bash tools/run_demo.sh

test: install
	$(PY) -m pytest -q tests

lint: install
	$(PY) -m ruff check .

clean-demo:
	rm -rf $(DEMO_DATA) work_dirs/demo work_dirs/*-demo
