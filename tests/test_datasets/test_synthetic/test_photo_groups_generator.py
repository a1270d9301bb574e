# Copyright (c) mmcorr contributors. All rights reserved.
"""The PhotoGroups generator: held-out categories that share no outline or
photograph with training, exact masks of the common object, SISMs that mark
every object, and deterministic output."""
import filecmp
import os
import os.path as osp

import cv2
import numpy as np

from mmcorr.datasets.synthetic import generate_photo_groups
from mmcorr.datasets.synthetic.photo_groups_generator import (BACKGROUNDS,
                                                              CATEGORIES,
                                                              GroupPool,
                                                              compose)


def test_test_categories_share_no_outline_or_photo_with_training():
    train, test = CATEGORIES['train'], CATEGORIES['test']
    assert len(set(train)) == len(train) and len(set(test)) == len(test)
    assert not {o for o, _ in train} & {o for o, _ in test}
    assert not ({p for _, p in train} - {None}) & {p for _, p in test}
    assert not set(BACKGROUNDS['train']) & set(BACKGROUNDS['test'])
    photos = {p for _, p in train + test}
    assert not photos & set(BACKGROUNDS['train'] + BACKGROUNDS['test'])


def test_ground_truth_is_the_common_object_and_sisms_mark_more():
    pool = GroupPool()
    for split in ('train', 'test'):
        for common in range(len(CATEGORIES[split])):
            sample = compose(np.random.default_rng((7, common)), pool, split,
                             common, 96)
            gt, sism = sample['gt'], sample['sism']
            assert sample['img'].shape == (96, 96, 3)
            assert gt.dtype == bool and 0 < gt.mean() < 0.6
            assert sism.min() >= 0 and sism.max() <= 1
            # the distractors are salient too: the SISM marks pixels far
            # beyond the common object's edge errors (3 px and a blur)
            near = cv2.dilate(gt.astype(np.uint8), np.ones((13, 13))) > 0
            assert (sism[~near] > 0.25).sum() > 20


def list_files(root):
    return sorted(osp.relpath(osp.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files)


def test_test_split_is_deterministic_and_independent_of_training(tmp_path):
    roots = [str(tmp_path / 'a'), str(tmp_path / 'b')]
    for root, train_groups in zip(roots, (1, 2)):
        generate_photo_groups(root, train_groups=train_groups, test_groups=1,
                              group_size=2, size=64)
    tests = [osp.join(root, 'test') for root in roots]
    files = list_files(tests[0])
    assert files == list_files(tests[1])
    assert len(files) == 3 * 2 * len(CATEGORIES['test'])  # img, gt, SISMs
    _, mismatch, errors = filecmp.cmpfiles(*tests, files, shallow=False)
    assert not mismatch and not errors
    train_groups = os.listdir(osp.join(roots[1], 'train', 'img'))
    assert len(train_groups) == 2 * len(CATEGORIES['train'])
