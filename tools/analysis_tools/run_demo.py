# Copyright (c) mmcorr contributors. All rights reserved.
"""Train, test and compare models on the embedded data (``make demo``).

For each config: ``tools/train.py`` into ``<work-root>/<config name>``, then
``tools/test.py`` on the final checkpoint, which prints the per-class table,
writes ``metrics.json`` and a few prediction overlays (PNG). A summary table of
all configs closes the run. Adding a model to the demo = adding its config.

Usage::

    python tools/analysis_tools/run_demo.py CONFIG [CONFIG ...] \
        [--work-root work_dirs/demo] [--cfg-options key=value ...]
"""
import argparse
import glob
import json
import os.path as osp
import subprocess
import sys
import time

from prettytable import PrettyTable

TOOLS = osp.dirname(osp.dirname(osp.abspath(__file__)))


def run(cmd):
    print('+', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def latest_checkpoint(work_dir: str) -> str:
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        raise FileNotFoundError(f'training wrote no checkpoint in {work_dir}')
    with open(marker) as f:
        return f.read().strip()


def train_and_test(config: str, work_root: str, cfg_options, vis_interval):
    name = osp.splitext(osp.basename(config))[0]
    work_dir = osp.join(work_root, name)
    options = ['--cfg-options', *cfg_options] if cfg_options else []
    start = time.perf_counter()
    run([sys.executable, osp.join(TOOLS, 'train.py'), config, '--work-dir',
         work_dir, *options])
    train_s = time.perf_counter() - start
    metrics_file = osp.join(work_dir, 'metrics.json')
    show_dir = osp.join(work_dir, 'overlays')
    test_options = ['--cfg-options',
                    f'default_hooks.visualization.interval={vis_interval}',
                    *cfg_options]
    run([sys.executable, osp.join(TOOLS, 'test.py'), config,
         latest_checkpoint(work_dir), '--work-dir', work_dir, '--show-dir',
         show_dir, '--metrics-file', metrics_file, *test_options])
    with open(metrics_file) as f:
        metrics = json.load(f)
    overlays = sorted(glob.glob(osp.join(show_dir, '**', '*.png'),
                                recursive=True))
    return name, metrics, train_s, overlays


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--work-root', default='work_dirs/demo')
    parser.add_argument('--vis-interval', type=int, default=10,
                        help='draw every N-th test image')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='key=value overrides passed to every run')
    args = parser.parse_args(argv)

    results = [train_and_test(c, args.work_root, args.cfg_options,
                              args.vis_interval) for c in args.configs]
    table = PrettyTable(['model', 'mIoU', 'mAcc', 'aAcc', 'train (s)'])
    for name, metrics, train_s, _ in results:
        table.add_row([name] + [f'{metrics.get(k, float("nan")):.2f}'
                                for k in ('mIoU', 'mAcc', 'aAcc')] +
                      [f'{train_s:.0f}'])
    print('\nShapeScenes val, after the same CPU schedule:')
    print(table)
    for name, _, _, overlays in results:
        shown = ', '.join(overlays[:3]) + (' ...' if len(overlays) > 3 else '')
        print(f'{name}: {len(overlays)} overlays, e.g. {shown}')


if __name__ == '__main__':
    main()
