# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST end to end: self-supervised training through tools/train.py on
YouTube-VOS-layout frames, propagation and J&F through tools/test.py on a
DAVIS-layout set, and eval_vos.py on the PNGs it wrote."""
import json
import os.path as osp

import pytest
from video_fixtures import write_davis, write_frame_videos

from paths import REPO

TINY_MODEL = ("model = dict(backbone=dict(stage_channels=(8, 16, 16, 16)), "
              "key_channels=8, train_cfg=dict(window_size=5), "
              "test_cfg=dict(window_size=5))\n")


def tiny_train_config(folder, data_root, stage):
    base = osp.join(REPO, 'configs', 'mast', stage)
    path = osp.join(folder, 'tiny_mast_train.py')
    with open(path, 'w') as f:
        f.write(f"_base_ = [{base!r}]\n" + TINY_MODEL + f"""
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={str(data_root)!r}, pipeline=[
        dict(type='ForEachView', transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='RecordedResize', scale=(64, 48), keep_ratio=False)]),
        dict(type='PackMultiViewInputs',
             meta_keys=('sample_idx', 'video', 'frame_ids'))]))
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=2)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2),
                     logger=dict(interval=1))
log_processor = dict(by_epoch=False)
load_from = None
""")
    return path


def tiny_test_config(folder, davis_root, results):
    base = osp.join(REPO, 'configs', 'mast',
                    'mast_r18_davis2017-val-480p_official-legacy.py')
    path = osp.join(folder, 'tiny_mast_test.py')
    with open(path, 'w') as f:
        f.write(f"_base_ = [{base!r}]\n" + TINY_MODEL + f"""
test_dataloader = dict(num_workers=0,
                       dataset=dict(data_root={str(davis_root)!r}))
test_evaluator = dict(output_dir={str(results)!r})
""")
    return path


@pytest.mark.parametrize('stage', [
    'mast_r18_1xb12-pairs-20e_youtube-vos-256x256.py',
    'mast_r18_1xb12-memory-finetune_youtube-vos-256x256.py'
])
def test_train_then_propagate_and_score(run_tool, tmp_path, stage):
    ytvos = tmp_path / 'ytvos'
    write_frame_videos(str(ytvos / 'train_all_frames' / 'JPEGImages'),
                       videos=(('v0', 40), ('v1', 30)))
    work = tmp_path / 'work'
    proc = run_tool(['tools/train.py',
                     tiny_train_config(str(tmp_path), ytvos, stage),
                     '--work-dir', str(work)])
    assert 'loss_reconstruction' in proc.stdout + proc.stderr
    checkpoint = work / 'iter_2.pth'
    assert checkpoint.is_file()
    if stage.startswith('mast_r18_1xb12-memory'):
        return  # the same test path as stage 1

    davis = tmp_path / 'davis'
    write_davis(str(davis))
    results = tmp_path / 'results'
    metrics_file = tmp_path / 'metrics.json'
    proc = run_tool(['tools/test.py',
                     tiny_test_config(str(tmp_path), davis, results),
                     str(checkpoint), '--work-dir', str(work),
                     '--metrics-file', str(metrics_file)])
    log = proc.stdout + proc.stderr
    assert 'bear: J&F' in log and 'cows: J&F' in log  # progress per video
    metrics = json.loads(metrics_file.read_text())
    assert set(metrics) >= {'J&F-Mean', 'J-Mean', 'F-Decay'}
    assert (results / 'bear' / '00005.png').is_file()

    out = tmp_path / 'eval.json'
    run_tool(['tools/analysis_tools/eval_vos.py', '--davis-root',
              str(davis), '--results', str(results), '--out', str(out)])
    offline = json.loads(out.read_text())
    for key in ('J&F-Mean', 'J-Mean', 'J-Recall', 'F-Mean', 'F-Decay'):
        assert offline[key] == pytest.approx(metrics[key], abs=1e-9)
