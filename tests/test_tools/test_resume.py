# Copyright (c) mmcorr contributors. All rights reserved.
"""``--resume`` continues exactly, and finds a checkpoint it can use.

Each exactness test trains once without interruption, and once killed with
SIGKILL (the whole process group: data workers and torchrun's ranks too)
as soon as a checkpoint is complete, then resumed; every tensor of the final
state must be equal.
"""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from cli_options import data_options
from paths import REPO

from mmcorr.checkpoint_io import load_checkpoint_file


def epoch_config(tiny_fpn_config, folder, num_workers):
    """Two epochs of 6 iterations, validation after each, random
    augmentation (resize, crop, flip, photometric) in the main process or in
    workers."""
    path = osp.join(folder, f'epoch_w{num_workers}.py')
    workers = (f'num_workers={num_workers}, persistent_workers=False')
    with open(path, 'w') as f:
        f.write(f"""_base_ = '{tiny_fpn_config}'
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=2,
                 val_interval=1)
train_dataloader = dict({workers},
                        sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict({workers})
test_dataloader = val_dataloader
param_scheduler = [dict(type='MultiStepLR', milestones=[1], gamma=0.5,
                        by_epoch=True)]
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=1),
                     logger=dict(log_metric_by_epoch=True))
log_processor = dict(by_epoch=True)
""")
    return path


def train_and_kill(args, work_dir, checkpoint, final, timeout=300):
    """Run ``python args...`` and SIGKILL it once ``last_checkpoint`` in
    ``work_dir`` names ``checkpoint`` (written after the file is complete).
    Fails if the run reached ``final`` first."""
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([REPO, *sys.path]))
    proc = subprocess.Popen([sys.executable, *args], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            start_new_session=True)
    record = osp.join(work_dir, 'last_checkpoint')
    deadline = time.time() + timeout
    try:
        while not (osp.isfile(record) and open(record).read().strip()
                   == osp.join(work_dir, checkpoint)):
            assert proc.poll() is None, 'the run ended before the kill'
            assert time.time() < deadline, 'no checkpoint in time'
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not osp.isfile(osp.join(work_dir, final)), \
        'the run finished before it could be killed'


def assert_same_state(a_path, b_path):
    a = load_checkpoint_file(a_path)['state_dict']
    b = load_checkpoint_file(b_path)['state_dict']
    assert a.keys() == b.keys()
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    assert not differ, f'{len(differ)} of {len(a)} tensors differ: ' \
        f'{differ[:5]}'


@pytest.mark.parametrize('num_workers', [0, 1])
def test_epoch_based_resume_is_exact(num_workers, run_tool, tiny_fpn_config,
                                     shape_scenes_root, tmp_path):
    config = epoch_config(tiny_fpn_config, str(tmp_path), num_workers)
    options = ['--cfg-options', *data_options(shape_scenes_root)]
    straight = str(tmp_path / 'straight')
    run_tool(['tools/train.py', config, '--work-dir', straight, *options])
    resumed = str(tmp_path / 'resumed')
    train_and_kill(['tools/train.py', config, '--work-dir', resumed,
                    *options], resumed, 'epoch_1.pth', 'epoch_2.pth')
    proc = run_tool(['tools/train.py', config, '--work-dir', resumed,
                     '--resume', *options])
    assert 'resumed epoch: 1, iter: 6' in proc.stdout + proc.stderr
    assert_same_state(osp.join(straight, 'epoch_2.pth'),
                      osp.join(resumed, 'epoch_2.pth'))
    saved = load_checkpoint_file(osp.join(straight, 'epoch_1.pth'))
    assert len(saved['random_states']) == 1


@pytest.mark.timeout(900)
def test_two_process_resume_is_exact(run_tool, tiny_fpn_config,
                                     shape_scenes_root, tmp_path):
    """gloo, 2 ranks: every tensor of both ranks' final state (BN buffers
    included) equals the uninterrupted run's."""

    def command(work, dump, resume, port):
        config = tmp_path / f'ddp_{osp.basename(work)}.py'
        config.write_text(
            f"_base_ = '{tiny_fpn_config}'\n"
            "custom_imports = dict(imports=['dump_weights_hook'])\n"
            "custom_hooks = [dict(type='DumpRankWeightsHook', "
            f"out_dir='{dump}')]\n"
            "# mmengine's own DDP setting on GPUs: each rank keeps its BN\n"
            "# statistics, which drift apart between synchronisations\n"
            "model_wrapper_cfg = dict(type='MMDistributedDataParallel',\n"
            "                         broadcast_buffers=False)\n")
        return [
            '-m', 'torch.distributed.run', '--nproc_per_node', '2',
            '--master_addr', '127.0.0.1', '--master_port', str(port),
            'tools/train.py', str(config), '--launcher', 'pytorch',
            '--work-dir', work, *(['--resume'] if resume else []),
            '--cfg-options', *data_options(shape_scenes_root),
            'train_cfg.max_iters=8'
        ]

    port = 29500 + os.getpid() % 900
    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    dump_straight, dump_resumed = (str(tmp_path / 'dump_straight'),
                                   str(tmp_path / 'dump_resumed'))
    run_tool(command(straight, dump_straight, False, port), timeout=600)
    train_and_kill(command(resumed, dump_resumed, False, port + 1), resumed,
                   'iter_2.pth', 'iter_8.pth')
    run_tool(command(resumed, dump_resumed, True, port + 2), timeout=600)
    assert_same_state(osp.join(straight, 'iter_8.pth'),
                      osp.join(resumed, 'iter_8.pth'))
    for rank in (0, 1):
        a = torch.load(tmp_path / 'dump_straight' / f'rank{rank}.pth')
        b = torch.load(tmp_path / 'dump_resumed' / f'rank{rank}.pth')
        for key in a:
            assert torch.equal(a[key], b[key]), (rank, key)
    saved = load_checkpoint_file(osp.join(straight, 'iter_2.pth'))
    assert len(saved['random_states']) == 2


def test_resume_with_nothing_to_resume_says_so(run_tool, tiny_fpn_config,
                                               shape_scenes_root, tmp_path):
    work = str(tmp_path / 'empty')
    proc = run_tool(['tools/train.py', tiny_fpn_config, '--work-dir', work,
                     '--resume', '--cfg-options',
                     *data_options(shape_scenes_root),
                     'train_cfg.max_iters=2'])
    log = proc.stdout + proc.stderr
    assert 'no checkpoint to resume from' in log
    assert 'latest checkpoint None' not in log
    assert osp.isfile(osp.join(work, 'iter_2.pth'))


def test_resume_falls_back_past_a_truncated_checkpoint(
        run_tool, tiny_fpn_config, shape_scenes_root, tmp_path):
    options = ['--cfg-options', *data_options(shape_scenes_root),
               'train_cfg.max_iters=4']
    work = str(tmp_path / 'work')
    run_tool(['tools/train.py', tiny_fpn_config, '--work-dir', work,
              *options])
    last = osp.join(work, 'iter_4.pth')
    with open(last, 'rb') as f:
        data = f.read()
    with open(last, 'wb') as f:  # killed while writing
        f.write(data[:len(data) // 3])
    proc = run_tool(['tools/train.py', tiny_fpn_config, '--work-dir', work,
                     '--resume', *options])
    log = proc.stdout + proc.stderr
    assert f"cannot resume from '{last}'" in log
    assert 'truncated' in log
    assert 'resumed epoch: 0, iter: 2' in log
    load_checkpoint_file(last)  # rewritten whole
