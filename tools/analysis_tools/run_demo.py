# Copyright (c) mmcorr contributors. All rights reserved.
"""Train, test and compare models on the embedded data (``make demo``).

For each config: ``tools/train.py`` into ``<work-root>/<config name>``, then
``tools/test.py`` on the final checkpoint, which prints the per-class tables
(IoU and Boundary IoU), writes ``metrics.json`` and a few prediction overlays
(PNG); for models with flow alignment modules,
``tools/analysis_tools/visualize_flow.py`` draws the finest flow on a val
image. A summary table of all configs closes the run. Adding a model to the
demo = adding its config.

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
    flow_pngs = draw_flow(config, work_dir)
    return name, metrics, train_s, overlays + flow_pngs


def draw_flow(config: str, work_dir: str) -> list:
    """Flow pictures of the model's finest FAM on one val image, if any."""
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    head = cfg.model.get('decode_head', {})
    neck = cfg.model.get('neck') or {}
    if not any('SFNet' in str(m.get('type')) or 'Aligned' in str(m.get('type'))
               for m in (head, neck)):
        return []
    data = cfg.val_dataloader.dataset
    image = sorted(glob.glob(osp.join(data.data_root, data.data_prefix.img_path,
                                      '*.png')))[0]
    out_dir = osp.join(work_dir, 'flow')
    run([sys.executable, osp.join(TOOLS, 'analysis_tools', 'visualize_flow.py'),
         config, latest_checkpoint(work_dir), image, '--out-dir', out_dir])
    return sorted(glob.glob(osp.join(out_dir, '*.png')))


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
    keys = ('mIoU', 'mBIoU', 'mAcc', 'aAcc')
    table = PrettyTable(['model', *keys, 'train (s)'])
    for name, metrics, train_s, _ in results:
        table.add_row([name] + [f'{metrics.get(k, float("nan")):.2f}'
                                for k in keys] + [f'{train_s:.0f}'])
    print('\nShapeScenes val, after the same CPU schedule:')
    print(table)
    print('mBIoU: mean Boundary IoU (a 2%-of-diagonal band along outlines).')
    for name, _, _, pngs in results:
        print(f'{name}: {len(pngs)} PNGs, e.g.')
        for png in pngs[:2] + [p for p in pngs if 'flow' in p]:
            print(f'  {png}')


if __name__ == '__main__':
    main()
