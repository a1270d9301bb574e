# mmcorr developer entry points. `make demo` and `make test` set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
# The exact versions installed and tested (setup.py carries ranges).
LOCK := requirements/constraints.txt
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
# A real viewpoint-change pair with its homography (Debian's opencv-doc).
GRAFFITI_ROOT := data/graffiti
# The methods the demo trains and compares are the entries of
# configs/<method>/benchmark.yaml, run by tools/analysis_tools/run_demo.py
# (adding a method = adding its file); each task of theirs gets a
# `make demo-<task>` target from this list.
DEMO_TASKS := seg corr cosal vos panoptic
DEMO_TARGETS := $(addprefix demo-,$(DEMO_TASKS))
BENCHMARK_TARGETS := $(addprefix benchmark-,$(DEMO_TASKS))
BENCHMARK_ROOT ?= work_dirs/benchmark
# Tasks run in parallel processes, the cores shared out among them.
DEMO_JOBS ?= 2
RUN_DEMO := $(PY) tools/analysis_tools/run_demo.py

.PHONY: install demo $(DEMO_TARGETS) benchmark $(BENCHMARK_TARGETS) demo-smoke correspondence-demo web-demo test data lint clean

install: $(STAMP)

# Re-run whenever a requirement or the package metadata changes.
$(STAMP): requirements/build.txt requirements/runtime.txt requirements/mminstall.txt \
          requirements/tests.txt requirements/tests_no_deps.txt \
          requirements/optional.txt requirements/constraints.txt setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -c $(LOCK) -r requirements/build.txt
	$(PIP) install -c $(LOCK) -r requirements/runtime.txt
	$(PIP) install -c $(LOCK) --no-deps "$$(grep -E '^mmengine' requirements/mminstall.txt)"
	MMCV_WITH_OPS=1 MAX_JOBS=$(MAX_JOBS) $(PIP) install -c $(LOCK) --no-build-isolation --no-deps \
		"$$(grep -E '^mmcv' requirements/mminstall.txt)"
	$(PIP) install -c $(LOCK) --no-deps "$$(grep -E '^mmsegmentation' requirements/mminstall.txt)"
	$(PIP) install -c $(LOCK) -r requirements/tests.txt -r requirements/optional.txt
	$(PIP) install -c $(LOCK) --no-deps -r requirements/tests_no_deps.txt
	$(PIP) install -c $(LOCK) --no-build-isolation --no-deps -e .
	$(PY) -c "import mmcv.ops, mmseg.models, mmcorr; print('mmcorr', mmcorr.__version__, 'installed')"
	touch $(STAMP)

data: $(STAMP)
	$(PY) tools/dataset_converters/generate_shape_scenes.py $(DATA_ROOT)
	$(PY) tools/dataset_converters/generate_photo_objects.py $(CORR_ROOT)
	$(PY) tools/dataset_converters/generate_photo_groups.py $(COSAL_ROOT)
	$(PY) tools/dataset_converters/generate_photo_videos.py $(VOS_ROOT)
	$(PY) tools/dataset_converters/fetch_real_videos.py $(REAL_VIDEO_ROOT)
	$(PY) tools/dataset_converters/generate_toy_instances.py $(TOY_ROOT) --size 64 --objects 4 13 \
		--train 2000 --val 0 --test 100
	$(PY) tools/dataset_converters/fetch_stardist_nuclei.py $(NUCLEI_ROOT)
	$(PY) tools/dataset_converters/fetch_graffiti_pair.py $(GRAFFITI_ROOT)

# Every method on its embedded benchmark (CPU), one seed, starting from the
# ImageNet EfficientNet-Lite0 where the official recipe starts from ImageNet
# weights, then ONE table: method, dataset, metric, score, baseline, baseline
# score, train time ($(WORK_ROOT)/summary_demo_all.{md,json}) and the
# pictures (matches, co-saliency overlays, propagated masks, instances).
demo: data
	$(RUN_DEMO) --suite demo --task all --jobs $(DEMO_JOBS) --work-root $(WORK_ROOT)

# Everything: the ImageNet-start recipes and the from-scratch ones, two
# seeds each and their means ($(BENCHMARK_ROOT)/summary_benchmark_all.*).
benchmark: data
	$(RUN_DEMO) --suite benchmark --task all --jobs $(DEMO_JOBS) \
		--work-root $(BENCHMARK_ROOT)

# One task's entries (`run_demo.py --list [--suite benchmark]` lists them):
#   seg:      FPN (the baseline), SFNet, SFNet-Lite and AlignSeg on
#             ShapeScenes; per-class tables, overlays, flow.
#   corr:     SFNet's matcher on PhotoObjects (demo: on a frozen ImageNet
#             Lite0 trunk, as the official recipe; from scratch in the
#             benchmark), next to the identity and a training-free matching
#             on the same trunk; the Middlebury and Graffiti real pairs;
#             pictures.
#   cosal:    ICNet on PhotoGroups next to the SISMs and a training-free
#             consensus on the same features; co-saliency maps of a group.
#   vos:      MAST on PhotoVideos next to Lab pixels as keys and the copied
#             first mask; ImageNet features untrained; carphone (real).
#   panoptic: AdaptIS (both stages) on ToyV2-spec 64 px and the real
#             nuclei, next to the connected components of its thing pixels.
$(DEMO_TARGETS): demo-%: data
	$(RUN_DEMO) --suite demo --task $* --work-root $(WORK_ROOT)

$(BENCHMARK_TARGETS): benchmark-%: data
	$(RUN_DEMO) --suite benchmark --task $* --work-root $(BENCHMARK_ROOT)

correspondence-demo: demo-corr

# The browser demo (http://127.0.0.1:7860) on the checkpoints `make demo`
# trained: click points, groups, videos, objects.
web-demo: $(STAMP)
	$(PY) demo/web_demo.py --work-root $(WORK_ROOT)

# The same code path on tiny generated data for 2 iterations (a few minutes):
# checks the demo machinery, the numbers mean nothing.
demo-smoke: $(STAMP)
	$(RUN_DEMO) --suite benchmark --task all --jobs $(DEMO_JOBS) --smoke \
		--vis-interval 1 \
		--work-root $(SMOKE_ROOT)

test: $(STAMP)
	$(PY) -m pytest tests -q

lint: $(STAMP)
	$(PY) -m pyflakes mmcorr tools tests configs

clean:
	rm -rf $(WORK_ROOT) $(BENCHMARK_ROOT) $(SMOKE_ROOT) build *.egg-info
