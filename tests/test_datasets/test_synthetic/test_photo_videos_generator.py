# Copyright (c) mmcorr contributors. All rights reserved.
"""PhotoVideos: layout, exact masks, held-out categories, determinism."""
import json
import os

import cv2
import numpy as np
import pytest

from mmcorr.datasets import DAVISVideoDataset, YouTubeVOSClipDataset
from mmcorr.datasets.synthetic import generate_photo_videos
from mmcorr.datasets.synthetic.photo_groups_generator import (CATEGORIES,
                                                              category_name)
from mmcorr.datasets.synthetic.photo_videos_generator import tint_if_grey
from mmcorr.evaluation import read_id_png

ARGS = dict(train_clips=2, test_clips=2, train_frames=6, test_frames=8,
            size=(48, 64))


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('photo_videos'))
    generate_photo_videos(path, **ARGS)
    return path


def test_layout_is_the_public_ones(root):
    train = YouTubeVOSClipDataset(data_root=root, intervals=(1, ),
                                  interval_probs=(1.0, ), pipeline=[])
    assert len(train) == 2 * 3  # 2 clips, 6 frames in pairs
    test = DAVISVideoDataset(data_root=root,
                             pipeline=[])
    assert [test.get_data_info(i)['video'] for i in range(2)] == [
        'test_000', 'test_001']
    info = test.get_data_info(0)
    assert len(info['views']) == 8
    frame = cv2.imread(info['views'][3]['img_path'])
    ids = read_id_png(info['views'][3]['seg_map_path'])
    assert frame.shape == (48, 64, 3) and ids.shape == (48, 64)


def test_objects_move_and_masks_hold_their_ids(root):
    folder = os.path.join(root, 'Annotations', '480p', 'test_000')
    masks = [read_id_png(os.path.join(folder, f'{t:05d}.png'))
             for t in range(8)]
    count = int(masks[0].max())
    assert count in (2, 3)
    assert all(set(np.unique(m)) <= set(range(count + 1)) for m in masks)
    assert any(not np.array_equal(masks[0] == 1, m == 1) for m in masks[1:])


def test_held_out_clips_use_held_out_categories(root):
    with open(os.path.join(root, 'photo_videos.json')) as f:
        meta = json.load(f)
    test_names = {category_name(c) for c in CATEGORIES['test']}
    train_names = {category_name(c) for c in CATEGORIES['train']}
    for clip, objects in meta['objects'].items():
        assert set(objects) <= (test_names if clip.startswith('test')
                                else train_names)


def test_deterministic_and_skipped_when_up_to_date(root, tmp_path):
    other = str(tmp_path / 'again')
    generate_photo_videos(other, **ARGS)
    a = cv2.imread(os.path.join(root, 'JPEGImages', '480p',
                                'test_001', '00005.jpg'))
    b = cv2.imread(os.path.join(other, 'JPEGImages', '480p',
                                'test_001', '00005.jpg'))
    assert np.array_equal(a, b)
    stamp = os.path.join(other, 'photo_videos.json')
    before = os.path.getmtime(stamp)
    generate_photo_videos(other, **ARGS)
    assert os.path.getmtime(stamp) == before


def test_more_held_out_clips_extend_the_split(root, tmp_path):
    """Clip ``c`` depends on the seed, its split and ``c`` only: more
    held-out clips keep the first ones, and the training clips, as they
    are."""
    more = str(tmp_path / 'more')
    generate_photo_videos(more, **dict(ARGS, test_clips=3))
    for clip, frame in (('JPEGImages/480p/test_001', '00005.jpg'),
                        ('Annotations/480p/test_001', '00005.png'),
                        ('train_all_frames/JPEGImages/train_001',
                         '00003.jpg')):
        a = cv2.imread(os.path.join(root, clip, frame), cv2.IMREAD_UNCHANGED)
        b = cv2.imread(os.path.join(more, clip, frame), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(a, b), clip
    with open(os.path.join(more, 'ImageSets', '2017', 'val.txt')) as f:
        assert f.read().split() == ['test_000', 'test_001', 'test_002']


def test_grey_photos_are_tinted_colour_ones_kept():
    rng = np.random.default_rng(0)
    grey = np.repeat(np.arange(64, dtype=np.uint8).reshape(8, 8, 1), 3, 2)
    tinted = tint_if_grey(rng, grey)
    assert (tinted.max(2).astype(int) - tinted.min(2)).mean() > 2
    colour = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    assert tint_if_grey(rng, colour) is colour
