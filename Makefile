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
	configs/sfsegnet/sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py
# The embedded correspondence benchmark (SFNet semantic correspondence).
CORR_ROOT := data/photo_objects
CORR_WORK ?= work_dirs/correspondence
CORR_CONFIG := configs/sfnet_corr/sfnet-corr_r18-scratch_1xb16-600it_photo-objects-160x160.py
CORR_BASELINE := configs/sfnet_corr/identity-baseline_photo-objects-160x160.py
CORR_CKPT := $(CORR_WORK)/iter_600.pth

.PHONY: install demo correspondence-demo test data lint clean

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
	$(PY) tools/misc/generate_photo_objects.py $(CORR_ROOT)

demo: data
	$(PY) tools/analysis_tools/run_demo.py $(DEMO_CONFIGS) --work-root $(WORK_ROOT)

# Train SFNet's matcher from scratch on PhotoObjects (CPU, ~5 min), then PCK
# on the held-out pairs next to the identity baseline, the Middlebury stereo
# check, and the demo pictures of one held-out pair.
correspondence-demo: data
	$(PY) tools/train.py $(CORR_CONFIG) --work-dir $(CORR_WORK)
	$(PY) tools/test.py $(CORR_CONFIG) $(CORR_CKPT) --work-dir $(CORR_WORK)/test \
		--metrics-file $(CORR_WORK)/pck_model.json
	$(PY) tools/test.py $(CORR_BASELINE) none --work-dir $(CORR_WORK)/identity \
		--metrics-file $(CORR_WORK)/pck_identity.json
	$(PY) tools/analysis_tools/eval_middlebury_pair.py $(CORR_CONFIG) \
		--checkpoint $(CORR_CKPT) --out $(CORR_WORK)/middlebury.json
	$(PY) demo/correspondence_demo.py $(CORR_ROOT)/pairs/00000_src.png \
		$(CORR_ROOT)/pairs/00000_tgt.png $(CORR_CONFIG) --checkpoint $(CORR_CKPT) \
		--src-mask $(CORR_ROOT)/pairs/00000_src_mask.png --out-dir $(CORR_WORK)/demo
	@echo "PCK held-out (model):    $$(cat $(CORR_WORK)/pck_model.json | tr -d '\n ')"
	@echo "PCK held-out (identity): $$(cat $(CORR_WORK)/pck_identity.json | tr -d '\n ')"

test: $(STAMP)
	$(PY) -m pytest tests -q

lint: $(STAMP)
	$(PY) -m pyflakes mmcorr tools tests configs

clean:
	rm -rf $(WORK_ROOT) build *.egg-info
