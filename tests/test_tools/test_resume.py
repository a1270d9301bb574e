# Copyright (c) mmcorr contributors. All rights reserved.
"""``--resume`` continues exactly, and finds a checkpoint it can use.

A killed run leaves ``epoch_N.pth`` / ``iter_N.pth`` and ``last_checkpoint``
in its work_dir; these tests make that state by copying a checkpoint of the
uninterrupted run into a fresh work_dir (the file a killed run would have
left is the same file), which keeps them deterministic. The SIGKILL case
itself is in test_train_test.py.
"""
import os
import os.path as osp
import shutil

import pytest
import torch
from cli_options import data_options

from mmcorr.compat import load_checkpoint_file


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


def start_from(checkpoint, work_dir):
    """A work_dir as a run killed right after writing ``checkpoint``."""
    os.makedirs(work_dir)
    copy = osp.join(work_dir, osp.basename(checkpoint))
    shutil.copy(checkpoint, copy)
    with open(osp.join(work_dir, 'last_checkpoint'), 'w') as f:
        f.write(copy)
    return copy


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
    start_from(osp.join(straight, 'epoch_1.pth'), resumed)
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

    def train(work, dump, resume):
        config = tmp_path / f'ddp_{osp.basename(work)}.py'
        config.write_text(
            f"_base_ = '{tiny_fpn_config}'\n"
            "custom_imports = dict(imports=['dump_weights_hook'])\n"
            "custom_hooks = [dict(type='DumpRankWeightsHook', "
            f"out_dir='{dump}')]\n")
        port = str(29500 + (os.getpid() + len(work)) % 1000)
        run_tool([
            '-m', 'torch.distributed.run', '--nproc_per_node', '2',
            '--master_addr', '127.0.0.1', '--master_port', port,
            'tools/train.py', str(config), '--launcher', 'pytorch',
            '--work-dir', work, *(['--resume'] if resume else []),
            '--cfg-options', *data_options(shape_scenes_root),
            'train_cfg.max_iters=4'
        ], timeout=600)

    straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
    train(straight, str(tmp_path / 'dump_straight'), resume=False)
    start_from(osp.join(straight, 'iter_2.pth'), resumed)
    train(resumed, str(tmp_path / 'dump_resumed'), resume=True)
    assert_same_state(osp.join(straight, 'iter_4.pth'),
                      osp.join(resumed, 'iter_4.pth'))
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
