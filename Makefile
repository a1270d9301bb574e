# mmcorr developer entry points. `make demo` and `make test` set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
MAX_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
DATA_ROOT ?= data/shape_scenes
WORK_ROOT ?= work_dirs/demo
SMOKE_ROOT ?= work_dirs/demo_smoke
# The embedded correspondence benchmark (PhotoObjects).
CORR_ROOT := data/photo_objects
# The embedded co-saliency benchmark (PhotoGroups).
COSAL_ROOT := data/photo_groups
# The embedded video benchmark (PhotoVideos) and real footage.
VOS_ROOT := data/photo_videos
REAL_VIDEO_ROOT := data/real_videos
TOY_ROOT := data/toy_v2_64
NUCLEI_ROOT := data/stardist_nuclei
# The methods the demo trains and compares are the entries of DEMO_ENTRIES in
# tools/analysis_tools/run_demo.py (adding a method = adding an entry); each
# task of theirs gets a `make demo-<task>` target from this list.
DEMO_TASKS := seg corr cosal vos panoptic
DEMO_TARGETS := $(addprefix demo-,$(DEMO_TASKS))
RUN_DEMO := $(PY) tools/analysis_tools/run_demo.py

.PHONY: install demo $(DEMO_TARGETS) demo-smoke correspondence-demo test data lint clean

install: $(STAMP)

# Re-run whenever a requirement or the package metadata changes.
$(STAMP): requirements/build.txt requirements/runtime.txt requirements/mminstall.txt \
          requirements/tests.txt requirements/tests_no_deps.txt \
          requirements/optional.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements/build.txt
	$(PIP) install -r requirements/runtime.txt
	$(PIP) install --no-deps $$(grep -E '^mmengine==' requirements/mminstall.txt)
	MMCV_WITH_OPS=1 MAX_JOBS=$(MAX_JOBS) $(PIP) install --no-build-isolation --no-deps \
		$$(grep -E '^mmcv==' requirements/mminstall.txt)
	$(PIP) install --no-deps $$(grep -E '^mmsegmentation==' requirements/mminstall.txt)
	$(PIP) install -r requirements/tests.txt -r requirements/optional.txt
	$(PIP) install --no-deps -r requirements/tests_no_deps.txt
	$(PIP) install --no-build-isolation --no-deps -e .
	$(PY) -c "import mmcv.ops, mmseg.models, mmcorr; print('mmcorr', mmcorr.__version__, 'installed')"
	touch $(STAMP)

data: $(STAMP)
	$(PY) tools/misc/generate_shape_scenes.py $(DATA_ROOT)
	$(PY) tools/misc/generate_photo_objects.py $(CORR_ROOT)
	$(PY) tools/misc/generate_photo_groups.py $(COSAL_ROOT)
	$(PY) tools/misc/generate_photo_videos.py $(VOS_ROOT)
	$(PY) tools/misc/fetch_real_videos.py $(REAL_VIDEO_ROOT)
	$(PY) tools/misc/generate_toy_instances.py $(TOY_ROOT) --size 64 --objects 4 13 \
		--train 2000 --val 0 --test 100
	$(PY) tools/misc/fetch_stardist_nuclei.py $(NUCLEI_ROOT)

# Every method's embedded benchmark (CPU), then ONE table: method, dataset,
# metric, score, baseline, baseline score, train time; also written to
# $(WORK_ROOT)/summary_all.{md,json}.
demo: data
	$(RUN_DEMO) --task all --work-root $(WORK_ROOT)

# One task's entries and its table ($(WORK_ROOT)/summary_<task>.{md,json}):
#   demo-seg:  FPN (the baseline), SFNet, SFNet-Lite and AlignSeg on ShapeScenes,
#              same 2000-iteration schedule; per-class tables, overlays, flow.
#   demo-corr: SFNet's matcher trained from scratch on PhotoObjects (600 it.),
#              PCK on the held-out pairs next to the identity mapping, the
#              Middlebury stereo check and the pictures of one held-out pair.
#   demo-cosal: ICNet trained from scratch on PhotoGroups (two seeds), the
#              S-measure / E / F / MAE of the held-out groups next to the
#              SISMs used directly, the same model at 96x96 (fixed-grid
#              RSCF) and the co-saliency maps of one held-out group.
#   demo-vos:  MAST trained without masks on PhotoVideos (two seeds), J&F of
#              the held-out clips next to copying the first mask and to
#              Lab pixels as keys, and an overlay strip / GIF of one clip.
#   demo-panoptic: AdaptIS trained from scratch on 64-px ToyV2-spec data (two
#              seeds, both stages), PQ of the held-out images with proposals
#              and with random points next to the connected components of
#              the predicted thing pixels.
$(DEMO_TARGETS): demo-%: data
	$(RUN_DEMO) --task $* --work-root $(WORK_ROOT)

correspondence-demo: demo-corr

# The same code path on tiny generated data for 2 iterations (a few minutes):
# checks the demo machinery, the numbers mean nothing.
demo-smoke: $(STAMP)
	$(RUN_DEMO) --task all --smoke --vis-interval 1 --work-root $(SMOKE_ROOT)

test: $(STAMP)
	$(PY) -m pytest tests -q

lint: $(STAMP)
	$(PY) -m pyflakes mmcorr tools tests configs

clean:
	rm -rf $(WORK_ROOT) $(SMOKE_ROOT) build *.egg-info
