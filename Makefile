# mmcorr developer entry points. `make demo` and `make test` set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
MAX_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DATA_ROOT ?= data/shape_scenes
WORK_ROOT ?= work_dirs/demo
# The models the demo trains and compares: add a config here to add a model.
DEMO_CONFIGS ?= configs/fpn/fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py \
	configs/sfnet/sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py

.PHONY: install demo test data lint clean

install: $(STAMP)

# Re-run whenever a requirement or the package metadata changes.
$(STAMP): requirements/build.txt requirements/runtime.txt requirements/mminstall.txt \
          requirements/tests.txt requirements/optional.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements/build.txt
	$(PIP) install -r requirements/runtime.txt
	$(PIP) install --no-deps $$(grep -E '^mmengine==' requirements/mminstall.txt)
	MMCV_WITH_OPS=1 MAX_JOBS=$(MAX_JOBS) $(PIP) install --no-build-isolation --no-deps \
		$$(grep -E '^mmcv==' requirements/mminstall.txt)
	$(PIP) install --no-deps $$(grep -E '^mmsegmentation==' requirements/mminstall.txt)
	$(PIP) install -r requirements/tests.txt -r requirements/optional.txt
	$(PIP) install --no-build-isolation --no-deps -e .
	$(PY) -c "import mmcv.ops, mmseg.models, mmcorr; print('mmcorr', mmcorr.__version__, 'installed')"
	touch $(STAMP)

data: $(STAMP)
	$(PY) tools/misc/generate_shape_scenes.py $(DATA_ROOT)

demo: data
	$(PY) tools/analysis_tools/run_demo.py $(DEMO_CONFIGS) --work-root $(WORK_ROOT)

test: $(STAMP)
	$(PY) -m pytest tests -q

lint: $(STAMP)
	$(PY) -m pyflakes mmcorr tools tests configs

clean:
	rm -rf $(WORK_ROOT) build *.egg-info
