# Copyright (c) mmcorr contributors. All rights reserved.
"""Train and test each config once, run the entries' extras, collect rows.

Every step is a tool run as a subprocess (``tools/train.py``,
``tools/test.py``, ``demo/*.py``, ``tools/analysis_tools/eval_*.py``), so a
demo run exercises exactly the commands a user types.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .entries import DATASETS, Baseline, DemoEntry

TOOLS = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REPO = osp.dirname(TOOLS)
SMOKE_ITERS = 2


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


#: Where each command's output goes unless --verbose.
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
        code = subprocess.run(cmd, stdout=f,
                              stderr=subprocess.STDOUT).returncode
    took = time.perf_counter() - start
    print(f'  {tool:24} {config[:60]:60} {"ok" if code == 0 else "FAILED"} '
          f'({took:.0f} s, log {log})', flush=True)
    if code:
        with open(log) as f:
            tail = f.readlines()[-15:]
        print(''.join('    | ' + line for line in tail), end='', flush=True)
        raise subprocess.CalledProcessError(code, cmd)


def tool(*parts: str) -> str:
    """A script under ``tools/`` (``tool('train.py')``)."""
    return osp.join(TOOLS, *parts)


def repo_path(path: str) -> str:
    return path if osp.isabs(path) else osp.join(REPO, path)


def latest_checkpoint(work_dir: str) -> str:
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'training wrote no checkpoint in {work_dir}')
    with open(marker) as f:
        return f.read().strip()


def read_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


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


def report_failure(failures: List[str], message: str,
                   error: Exception) -> None:
    """Record a failure; print the traceback unless the tool's log has
    already been shown."""
    failures.append(message)
    if LOGS['dir'] is None or not isinstance(
            error, subprocess.CalledProcessError):
        traceback.print_exc()


class DemoRunner:
    """Runs entries and their baselines, each config once."""

    def __init__(self, work_root: str, smoke: bool = False,
                 cfg_options: Optional[List[str]] = None,
                 vis_interval: int = 10):
        self.work_root = work_root
        self.smoke = smoke
        self.cfg_options = list(cfg_options or [])
        self.vis_interval = vis_interval
        self.runs: Dict[Tuple[str, bool, Tuple[str, ...]], RunResult] = {}
        self.files: Dict[str, List[str]] = {}  # entry name -> PNGs etc.
        self.failures: List[str] = []

    # data ------------------------------------------------------------
    def data_root(self, dataset: str) -> str:
        data = DATASETS[dataset]
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
        data = DATASETS.get(osp.basename(osp.normpath(data_root)))
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
                           self.data_root(dataset), options=tuple(options))
        self.runs[key] = result
        try:
            self._train_and_test(result, untrained, overlays)
        except Exception as e:  # a failed run must not stop the others
            result.error = f'{type(e).__name__}: {e}'
            report_failure(self.failures, f'{config}: {result.error}', e)
        return result

    def train(self, config: str, work_dir: str, options: List[str]) -> str:
        """``tools/train.py``; returns its last checkpoint."""
        run([sys.executable, tool('train.py'), repo_path(config),
             '--work-dir', work_dir] +
            (['--cfg-options', *options] if options else []))
        return latest_checkpoint(work_dir)

    def test(self, config: str, checkpoint: str, work_dir: str,
             options: List[str], extra_args: Tuple[str, ...] = ()) -> dict:
        """``tools/test.py``; returns its metrics."""
        metrics_file = osp.join(work_dir, 'metrics.json')
        run([sys.executable, tool('test.py'), repo_path(config), checkpoint,
             '--work-dir', work_dir, '--metrics-file', metrics_file,
             *extra_args] +
            (['--cfg-options', *options] if options else []))
        return read_json(metrics_file)

    def _train_and_test(self, result: RunResult, untrained: bool,
                        overlays: bool) -> None:
        options = self.options(result.config, result.data_root,
                               result.options)
        checkpoint = 'init'  # untrained: the config's own initial weights
        if not untrained:
            start = time.perf_counter()
            checkpoint = result.checkpoint = self.train(
                result.config, result.work_dir, options)
            result.train_s = time.perf_counter() - start
        extra_args = ()
        if overlays:
            extra_args = ('--show-dir',
                          osp.abspath(osp.join(result.work_dir, 'overlays')))
            options = [f'default_hooks.visualization.interval='
                       f'{self.vis_interval}', *options]
        result.metrics = self.test(result.config, checkpoint,
                                   result.work_dir, options, extra_args)

    # one entry -------------------------------------------------------
    def run_entry(self, entry: DemoEntry) -> List[Row]:
        from .extras import EXTRAS, STAGE1_SUFFIX
        result = self.run_config(entry.config, entry.dataset,
                                 untrained=entry.untrained,
                                 overlays=entry.has_extra('overlays'),
                                 options=entry.options)
        bases = [(b, self.run_config(b.config, entry.dataset,
                                     untrained=b.untrained))
                 for b in entry.baselines] or [(None, None)]
        label = DATASETS[entry.dataset].label
        method = entry.name + (STAGE1_SUFFIX if entry.has_extra(
            'proposal_stage') else '')
        rows = [self._row(method, label, metric, result, baseline, base)
                for baseline, base in bases for metric in entry.metrics]
        files = self.files.setdefault(entry.name, [])
        if result.error:
            return rows
        for extra in entry.extras:
            params = {k: v for k, v in extra.items()
                      if k not in ('type', 'every_seed')}
            try:
                new_files, new_rows = EXTRAS[extra['type']](
                    self, entry, result, **params)
            except Exception as e:
                report_failure(
                    self.failures, f'{entry.name}, {extra["type"]}: '
                    f'{type(e).__name__}: {e}', e)
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

    def baseline_scores(self, baseline: Baseline) -> Dict:
        result = self.runs.get((baseline.config, baseline.untrained, ()))
        return result.metrics if result is not None and \
            not result.error else {}

    def run_entries(self, entries: List[DemoEntry]) -> List[Row]:
        rows = []
        for entry in entries:
            rows += self.run_entry(entry)
        return rows


#: The order the tasks start in (--jobs), per suite. Benchmark: the order
#: whose greedy schedule on two workers ends first, given each task's
#: measured minutes with one thread (docs/benchmark_run.md): panoptic 107,
#: cosal 73, seg 74, vos 82, corr 39 -> 107 + 82 on one core, 73 + 74 +
#: 39 on the other. Demo, the same way, from the run that started cosal
#: last (38 min 05 s): seg 18, panoptic 17, cosal 15, vos 9, corr 6 ->
#: 18 + 9 + 6 on one core, 17 + 15 on the other: 34 min 37 s measured
#: (docs/demo.md).
#: A task not listed starts last.
TASK_ORDER = {
    'demo': ('seg', 'panoptic', 'cosal', 'vos', 'corr'),
    'benchmark': ('panoptic', 'cosal', 'seg', 'vos', 'corr'),
}


def run_in_workers(selected: List[str], suite: str, work_root: str,
                   jobs: int, forwarded: List[str]
                   ) -> Tuple[List[Row], List[str], List[dict]]:
    """Each task in its own ``run_demo.py`` process, ``jobs`` at a time,
    the cores shared out (``OMP_NUM_THREADS``); their tables merged in task
    order. Logs go to ``<work-root>/logs/<task>``."""
    known = TASK_ORDER.get(suite, ())
    order = sorted(selected, key=lambda t: known.index(t)
                   if t in known else len(known))
    env = dict(os.environ, OMP_NUM_THREADS=str(max(
        1, (os.cpu_count() or jobs) // jobs)))
    script = tool('analysis_tools', 'run_demo.py')
    waiting, running = list(order), []
    while waiting or running:
        while waiting and len(running) < jobs:
            task = waiting.pop(0)
            cmd = [sys.executable, script, '--suite', suite, '--task', task,
                   '--work-root', work_root, '--logs-subdir', task,
                   *forwarded]
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
        part = read_json(path)
        rows += [Row(**r) for r in part['rows']]
        failures += part['failures']
        runs += part['runs']
    return rows, failures, runs
