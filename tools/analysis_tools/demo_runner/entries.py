# Copyright (c) mmcorr contributors. All rights reserved.
"""Benchmark entries, read from ``configs/*/benchmark.yaml``.

A file has two keys, both optional:

``baselines``: ``{key: {name, config, untrained}}``; keys are shared by
every file (FPN's are used by the alignment methods). ``untrained: true``
tests the config's own weights (``tools/test.py CONFIG init``); otherwise a
baseline is trained and tested like a method, once.

``entries``: a list of ``{name, task, dataset, config, metrics, baselines,
extras, seeds, suites, untrained, options}``:

- ``task``: the ``--task`` (``make demo-<task>``) that runs it;
- ``dataset``: a key of :data:`DATASETS`;
- ``metrics``: keys of ``tools/test.py --metrics-file``, a row each;
- ``baselines``: baseline keys, a row per baseline and metric;
- ``extras``: steps after the test, a name or ``{type: name, ...params}``
  (:data:`.extras.EXTRAS`); ``every_seed: true`` runs it for every seed;
- ``seeds``: ``[0, 1]`` makes one entry per seed (``randomness.seed``);
  the first seed runs in the entry's ``suites``, the others in
  ``benchmark`` only, followed by the mean over the seeds;
- ``suites``: ``demo`` and/or ``benchmark`` (default ``[benchmark]``).
"""
import glob
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

import yaml

SUITES = ('demo', 'benchmark')
#: The table's task order (and the Makefile's DEMO_TASKS).
TASKS = ('seg', 'corr', 'cosal', 'vos', 'panoptic')


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


DATASETS = {
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
    """What a method is compared with, on the same data and metric."""
    name: str
    config: str
    untrained: bool = False


@dataclass
class DemoEntry:
    """One method on one embedded dataset (one seed)."""
    name: str
    task: str
    dataset: str
    config: str
    metrics: Tuple[str, ...]
    baselines: Tuple[Baseline, ...] = ()
    extras: Tuple[dict, ...] = ()  # {'type': name, **params}
    options: Tuple[str, ...] = ()  # --cfg-options of its runs (a seed)
    suites: Tuple[str, ...] = ('benchmark', )
    untrained: bool = False
    source: str = ''  # the benchmark.yaml it comes from

    def has_extra(self, kind: str) -> bool:
        return any(extra['type'] == kind for extra in self.extras)


class EntryError(ValueError):
    """A benchmark.yaml that cannot be read; the message names the file."""


ENTRY_KEYS = {'name', 'task', 'dataset', 'config', 'metrics', 'baselines',
              'extras', 'seeds', 'suites', 'untrained', 'options'}


def _extra(spec, where: str) -> dict:
    if isinstance(spec, str):
        return {'type': spec}
    if isinstance(spec, dict) and 'type' in spec:
        return dict(spec)
    raise EntryError(f'{where}: an extra is a name or a mapping with '
                     f'"type", got {spec!r}')


def _check(entry: dict, where: str, baselines: Dict[str, Baseline],
           repo: str, known_extras) -> None:
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise EntryError(f'{where}: unknown keys {sorted(unknown)} (known: '
                         f'{sorted(ENTRY_KEYS)})')
    for key in ('name', 'task', 'dataset', 'config', 'metrics'):
        if key not in entry:
            raise EntryError(f'{where}: missing {key!r}')
    if entry['task'] not in TASKS:
        raise EntryError(f'{where}: task {entry["task"]!r} is not one of '
                         f'{TASKS}')
    if entry['dataset'] not in DATASETS:
        raise EntryError(f'{where}: dataset {entry["dataset"]!r} is not one '
                         f'of {sorted(DATASETS)}')
    if not osp.isfile(osp.join(repo, entry['config'])):
        raise EntryError(f'{where}: config {entry["config"]} does not exist')
    for key in entry.get('baselines', ()):
        if key not in baselines:
            raise EntryError(f'{where}: baseline {key!r} is defined in no '
                             f'benchmark.yaml (known: {sorted(baselines)})')
    for suite in entry.get('suites', ()):
        if suite not in SUITES:
            raise EntryError(f'{where}: suite {suite!r} is not one of '
                             f'{SUITES}')
    for extra in entry.get('extras', ()):
        kind = _extra(extra, where)['type']
        if kind not in known_extras:
            raise EntryError(f'{where}: extra {kind!r} is not one of '
                             f'{sorted(known_extras)}')


def _expand(entry: dict, source: str,
            baselines: Dict[str, Baseline]) -> List[DemoEntry]:
    """One :class:`DemoEntry` per seed (none given: one, no seed option)."""
    common = dict(
        task=entry['task'], dataset=entry['dataset'],
        config=entry['config'], metrics=tuple(entry['metrics']),
        baselines=tuple(baselines[k] for k in entry.get('baselines', ())),
        untrained=bool(entry.get('untrained', False)), source=source)
    extras = tuple(_extra(e, source) for e in entry.get('extras', ()))
    suites = tuple(entry.get('suites', ('benchmark', )))
    options = tuple(entry.get('options', ()))
    seeds = entry.get('seeds')
    if not seeds:
        return [DemoEntry(entry['name'], extras=extras, options=options,
                          suites=suites, **common)]
    mean = {'type': 'panoptic_seed_mean' if any(
        e['type'] == 'proposal_stage' for e in extras) else 'seed_mean'}
    expanded = []
    for i, seed in enumerate(seeds):
        later = i > 0
        seed_extras = tuple(e for e in extras if not later or
                            e.get('every_seed'))
        if i == len(seeds) - 1 and len(seeds) > 1:
            seed_extras += (mean, )
        expanded.append(DemoEntry(
            f'{entry["name"]} seed {seed}', extras=seed_extras,
            options=options + (f'randomness.seed={seed}', ),
            suites=('benchmark', ) if later else suites, **common))
    return expanded


def load_entries(repo: str, known_extras) -> List[DemoEntry]:
    """Every ``configs/*/benchmark.yaml``, in :data:`TASKS` order (files
    in name order within a task)."""
    files = sorted(glob.glob(osp.join(repo, 'configs', '*',
                                      'benchmark.yaml')))
    docs = []
    for path in files:
        with open(path) as f:
            try:
                doc = yaml.safe_load(f) or {}
            except yaml.YAMLError as error:
                raise EntryError(f'{path}: not YAML: {error}') from None
        docs.append((osp.relpath(path, repo), doc))
    baselines: Dict[str, Baseline] = {}
    for source, doc in docs:
        for key, spec in (doc.get('baselines') or {}).items():
            if key in baselines:
                raise EntryError(f'{source}: baseline {key!r} is defined '
                                 'twice')
            baselines[key] = Baseline(**spec)
    entries = []
    for source, doc in docs:
        for i, entry in enumerate(doc.get('entries') or ()):
            where = f'{source}, entry {i} ({entry.get("name", "?")})'
            _check(entry, where, baselines, repo, known_extras)
            entries += _expand(entry, source, baselines)
    return sorted(entries, key=lambda e: TASKS.index(e.task))


def tasks_of(entries: List[DemoEntry]) -> List[str]:
    return [t for t in TASKS if any(e.task == t for e in entries)]
