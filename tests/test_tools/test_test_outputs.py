# Copyright (c) mmcorr contributors. All rights reserved.
"""tools/test.py --out and --show-dir for the multi-view tasks: the
predictions in each field's format and the task's pictures, on baselines
and tiny generated data."""
import json
import os

import numpy as np
import pytest

from mmcorr.evaluation import read_id_png

IDENTITY = 'configs/sfnet_corr/identity-baseline_photo-objects-160x160.py'
SISMS = 'configs/icnet/sism-baseline_photo-groups-128x128.py'
COPY = 'configs/mast/first-mask-copy_photo-videos-96x128.py'


def loader_options(key, value, loaders=('test', 'val')):
    return [f'{loader}_dataloader.{key}={value}' for loader in loaders] + [
        f'{loader}_dataloader.{k}={v}' for loader in loaders
        for k, v in (('num_workers', 0), ('persistent_workers', False))]


@pytest.fixture(scope='module')
def photo_videos_root(tmp_path_factory):
    from mmcorr.datasets.synthetic import generate_photo_videos
    root = str(tmp_path_factory.mktemp('photo_videos'))
    generate_photo_videos(root, train_clips=1, test_clips=2, train_frames=3,
                          test_frames=4, size=(48, 64), dev_clips=0)
    return root


def run_test(run_tool, tmp_path, config, options):
    out, shown = tmp_path / 'out', tmp_path / 'shown'
    run_tool(['tools/test.py', config, 'none', '--work-dir',
              str(tmp_path / 'work'), '--out', str(out), '--show-dir',
              str(shown), '--cfg-options', *options])
    pictures = [f for _, _, files in os.walk(shown) for f in files
                if f.endswith('.png')]
    return out, pictures


def test_pairs_write_points_json_and_match_pictures(run_tool, tmp_path,
                                                    photo_objects_root):
    out, pictures = run_test(run_tool, tmp_path, IDENTITY, loader_options(
        'dataset.data_root', photo_objects_root))
    files = sorted(os.listdir(out))
    assert len(files) == 4 and len(pictures) == 4
    with open(out / files[0]) as f:
        pair = json.load(f)
    source = np.asarray(pair['source_points'])
    assert source.shape == (10, 2)  # the source's keypoints
    assert np.asarray(pair['target_points']).shape == (10, 2)


def test_groups_write_8bit_maps(run_tool, tmp_path, photo_groups_root):
    import cv2
    out, pictures = run_test(run_tool, tmp_path, SISMS, loader_options(
        'dataset.data_root', f'{photo_groups_root}/test'))
    groups = sorted(os.listdir(out))
    assert len(groups) >= 1 and len(pictures) == len(groups)
    group = groups[0]
    maps = sorted(os.listdir(out / group))
    assert len(maps) == 3 and all(m.startswith(group) for m in maps)
    grey = cv2.imread(str(out / group / maps[0]), cv2.IMREAD_UNCHANGED)
    assert grey.ndim == 2 and grey.dtype == np.uint8


def test_clips_write_davis_pngs(run_tool, tmp_path, photo_videos_root):
    out, pictures = run_test(run_tool, tmp_path, COPY, loader_options(
        'dataset.data_root', photo_videos_root, ('test', )))
    clips = sorted(os.listdir(out))
    assert len(clips) == 2 and len(pictures) == 2
    frames = sorted(os.listdir(out / clips[0]))
    assert len(frames) == 4
    first, last = (read_id_png(str(out / clips[0] / f))
                   for f in (frames[0], frames[-1]))
    np.testing.assert_array_equal(first, last)  # the copied mask
    assert first.shape == (48, 64) and first.max() >= 1
