# Copyright (c) mmcorr contributors. All rights reserved.
"""End to end through tools/train.py and tools/test.py."""
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import pytest
import torch

from cli_options import data_options

from mmcorr.checkpoint_io import load_checkpoint_file


def test_train_then_test_checkpoint(run_tool, tiny_fpn_config,
                                    shape_scenes_root, tmp_path):
    work = str(tmp_path / 'work')
    proc = run_tool(['tools/train.py', tiny_fpn_config, '--work-dir', work,
                     '--cfg-options', *data_options(shape_scenes_root),
                     'train_cfg.max_iters=4'])
    log = proc.stdout + proc.stderr
    assert 'eta:' in log  # progress with ETA
    assert osp.isfile(osp.join(work, 'iter_4.pth'))
    logs = [f for f in os.listdir(work) if re.fullmatch(r'\d{8}_\d{6}', f)]
    assert logs and osp.isfile(osp.join(work, logs[0], f'{logs[0]}.log'))

    metrics_file = str(tmp_path / 'metrics.json')
    show_dir = str(tmp_path / 'show')
    proc = run_tool(['tools/test.py', tiny_fpn_config,
                     osp.join(work, 'iter_4.pth'), '--work-dir', work,
                     '--metrics-file', metrics_file, '--show-dir', show_dir,
                     '--cfg-options', *data_options(shape_scenes_root),
                     'default_hooks.visualization.interval=2'])
    with open(metrics_file) as f:
        metrics = json.load(f)
    assert set(metrics) >= {'aAcc', 'mIoU', 'mAcc'}
    assert 0 <= metrics['mIoU'] <= 100
    assert 'per class results' in proc.stdout + proc.stderr
    pngs = [f for _, _, files in os.walk(show_dir) for f in files
            if f.endswith('.png')]
    assert len(pngs) == 2  # every 2nd of the 4 val images


def _final_weights(path):
    return load_checkpoint_file(path, map_location='cpu')['state_dict']


def test_kill_and_resume_continues_exactly(run_tool, tiny_fpn_config,
                                           shape_scenes_root, tmp_path):
    options = ['--cfg-options', *data_options(shape_scenes_root)]
    straight = str(tmp_path / 'straight')
    run_tool(['tools/train.py', tiny_fpn_config, '--work-dir', straight,
              *options])

    killed = str(tmp_path / 'killed')
    env = dict(os.environ, PYTHONPATH=os.getcwd(), OMP_NUM_THREADS='1')
    proc = subprocess.Popen(
        [sys.executable, 'tools/train.py', tiny_fpn_config, '--work-dir',
         killed, *options], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not osp.isfile(osp.join(killed, 'iter_4.pth')):
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not osp.isfile(osp.join(killed, 'iter_12.pth')), \
        'the run finished before it could be killed'
    with open(osp.join(killed, 'last_checkpoint')) as f:
        resumed_from = f.read().strip()
    saved_iter = int(re.search(r'iter_(\d+)', resumed_from).group(1))
    saved = load_checkpoint_file(resumed_from)

    result = run_tool(['tools/train.py', tiny_fpn_config, '--work-dir',
                       killed, '--resume', *options])
    log = result.stdout + result.stderr
    assert f'resumed epoch: 0, iter: {saved_iter}' in log
    assert f'Iter(train) [{saved_iter + 1:>2}/12]' in log
    assert saved['optimizer']['state'], 'momentum buffers were saved'

    a = _final_weights(osp.join(straight, 'iter_12.pth'))
    b = _final_weights(osp.join(killed, 'iter_12.pth'))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.timeout(600)
def test_ddp_on_cpu_with_gloo_keeps_ranks_identical(
        run_tool, tiny_fpn_config, shape_scenes_root, tmp_path):
    dump = str(tmp_path / 'dump')
    work = str(tmp_path / 'work')
    config = tmp_path / 'ddp.py'
    config.write_text(
        f"_base_ = '{tiny_fpn_config}'\n"
        "custom_imports = dict(imports=['dump_weights_hook'])\n"
        f"custom_hooks = [dict(type='DumpRankWeightsHook', out_dir='{dump}')]"
        "\n# SyncBN must be replaced by BN on CPU\n"
        "model = dict(backbone=dict(norm_cfg=dict(type='SyncBN')))\n")
    port = str(29500 + os.getpid() % 1000)
    proc = run_tool([
        '-m', 'torch.distributed.run', '--nproc_per_node', '2',
        '--master_addr', '127.0.0.1', '--master_port', port,
        'tools/train.py', str(config), '--launcher', 'pytorch',
        '--work-dir', work, '--cfg-options', *data_options(shape_scenes_root),
        'train_cfg.max_iters=4'
    ], timeout=600)
    assert 'Distributed launcher: pytorch' in proc.stdout + proc.stderr
    assert 'SyncBN does not run on CPU' in proc.stderr
    rank0 = torch.load(osp.join(dump, 'rank0.pth'))
    rank1 = torch.load(osp.join(dump, 'rank1.pth'))
    saved = _final_weights(osp.join(work, 'iter_4.pth'))
    assert rank0.keys() == rank1.keys() == saved.keys()
    for key in rank0:  # parameters and (averaged) BN statistics
        assert torch.equal(rank0[key], rank1[key]), key
    for key, _ in _tiny_model(tiny_fpn_config).named_parameters():
        assert torch.equal(rank0[key], saved[key]), key
    assert not torch.equal(rank0['backbone.stem.0.weight'],
                           _tiny_model(tiny_fpn_config).state_dict()
                           ['backbone.stem.0.weight']), 'no training happened'


def _tiny_model(config):
    from mmengine.config import Config
    from mmengine.runner import set_random_seed

    from mmcorr.registry import MODELS
    set_random_seed(0)
    return MODELS.build(Config.fromfile(config).model)
