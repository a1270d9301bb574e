# Copyright (c) mmcorr contributors. All rights reserved.
"""Run every method's embedded benchmark and compare it with its baseline
(``make demo``, ``make benchmark``, ``make demo-<task>``).

The entries live with each method's configs, in
``configs/<method>/benchmark.yaml`` (``demo_runner/entries.py`` documents
the keys): each is one method on one embedded dataset, trained with
``tools/train.py`` (the wall-clock time is the row's training time) and
tested with ``tools/test.py --metrics-file``; then its extra steps run
(``demo_runner/extras.py``: pictures, real pairs and footage, a second
stage, the mean over seeds). Baselines are run the same way, once each.
The run ends with ONE table (method | dataset | metric | score | baseline |
baseline score | train time), printed and written to
``<work-root>/summary_<suite>_<tasks>.{md,json}``. A failed run does not
stop the others: its rows say ``failed`` and the exit status is 1.

``--smoke`` runs the same code with tiny generated data and 2 training
iterations, to check the machinery in a few minutes; its numbers mean
nothing.

Usage::

    python tools/analysis_tools/run_demo.py [--suite demo|benchmark] \
        [--task all|seg|corr|cosal|vos|panoptic ...] [--jobs 2] \
        [--work-root work_dirs/demo] [--smoke] [--list] \
        [--cfg-options key=value ...]
"""
import argparse
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Tuple

from demo_runner.entries import SUITES, TASKS, load_entries, tasks_of
from demo_runner.extras import EXTRAS
from demo_runner.runner import (LOGS, REPO, SMOKE_ITERS, DemoRunner, Row,
                                run_in_workers)
from demo_runner.summary import fmt_time, print_table, write_summary


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
    entries = load_entries(REPO, EXTRAS)
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
        rows = runner.run_entries([e for e in entries if e.task in selected
                                   and suite in e.suites])
        failures, runs, files = runner.failures, list(
            runner.runs.values()), runner.files
    name = 'all' if selected == tasks_of(entries) else '+'.join(selected)
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
    print_table(rows, title, failures)
    print(f'table written to {md} and {js}')
    return rows, failures


def list_entries(suite: str) -> None:
    for e in load_entries(REPO, EXTRAS):
        if suite in e.suites:
            base = ', '.join(b.name for b in e.baselines) or '-'
            print(f'{e.task:8} {e.name:46} {e.dataset:14} {base:40} '
                  f'{e.config}')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--task', nargs='+', default=['all'],
                        choices=['all', *TASKS],
                        help='which tasks\' entries to run')
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
        list_entries(args.suite)
        return 0
    if args.jobs < 1:
        parser.error('--jobs must be >= 1')
    available = tasks_of(load_entries(REPO, EXTRAS))
    selected = available if 'all' in args.task else \
        [t for t in available if t in args.task]
    _, failures = run_demo(selected, args.work_root, args.smoke,
                           args.cfg_options, args.vis_interval,
                           args.verbose, args.suite, args.jobs,
                           args.logs_subdir)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
