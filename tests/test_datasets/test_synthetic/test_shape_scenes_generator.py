# Copyright (c) mmcorr contributors. All rights reserved.
"""The ShapeScenes generator: deterministic files in mmseg's layout, scenes
with every class, thin structures and small objects, and its speed."""
import hashlib
import os
import os.path as osp
import time

import cv2
import numpy as np

from mmcorr.datasets.synthetic import (SHAPE_SCENES_CLASSES,
                                       generate_shape_scenes, render_scene)


def _digest(root):
    h = hashlib.sha256()
    for split in ('train', 'val'):
        for sub in ('img_dir', 'ann_dir'):
            folder = osp.join(root, sub, split)
            for name in sorted(os.listdir(folder)):
                with open(osp.join(folder, name), 'rb') as f:
                    h.update(f.read())
    return h.hexdigest()


def test_generation_is_deterministic_and_in_mmseg_layout(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    generate_shape_scenes(a, num_train=5, num_val=2, height=48, width=64)
    generate_shape_scenes(b, num_train=5, num_val=2, height=48, width=64)
    assert _digest(a) == _digest(b)
    image = cv2.imread(osp.join(a, 'img_dir', 'train', '00004.png'))
    label = cv2.imread(osp.join(a, 'ann_dir', 'val', '00001.png'),
                       cv2.IMREAD_UNCHANGED)
    assert image.shape == (48, 64, 3) and image.dtype == np.uint8
    assert label.shape == (48, 64) and label.max() < len(SHAPE_SCENES_CLASSES)
    c = str(tmp_path / 'c')
    generate_shape_scenes(c, num_train=5, num_val=2, height=48, width=64,
                          seed=1)
    assert _digest(a) != _digest(c)


def test_regeneration_with_other_parameters_replaces_files(tmp_path):
    root = str(tmp_path / 'd')
    generate_shape_scenes(root, num_train=6, num_val=2, height=32, width=32)
    generate_shape_scenes(root, num_train=3, num_val=2, height=32, width=32)
    assert len(list((tmp_path / 'd' / 'img_dir' / 'train').iterdir())) == 3


def test_scenes_have_all_classes_thin_structures_and_small_objects():
    counts = np.zeros(len(SHAPE_SCENES_CLASSES))
    thin_pixels = small_objects = 0
    for i in range(40):
        _, label = render_scene(np.random.default_rng((0, 0, i)), 128, 128)
        counts += np.bincount(label.ravel(), minlength=len(counts))
        for cls in (5, 6):  # pole, wire: thin structures
            mask = (label == cls).astype(np.uint8)
            eroded = cv2.erode(mask, np.ones((7, 7), np.uint8))
            thin_pixels += int(mask.sum() - eroded.sum())
        n, _, stats, _ = cv2.connectedComponentsWithStats(
            (label == 7).astype(np.uint8))
        small_objects += int((stats[1:, cv2.CC_STAT_AREA] <= 30).sum())
    assert (counts > 0).all(), counts
    assert thin_pixels > 1000
    assert small_objects > 40
    # several scales: disc areas spread over more than an order of magnitude
    areas = []
    for i in range(40):
        _, label = render_scene(np.random.default_rng((0, 0, i)), 128, 128)
        n, _, stats, _ = cv2.connectedComponentsWithStats(
            (label == 1).astype(np.uint8))
        areas.extend(stats[1:, cv2.CC_STAT_AREA])
    assert max(areas) / max(1, min(areas)) > 20


def test_default_size_generates_quickly(tmp_path):
    start = time.perf_counter()
    generate_shape_scenes(str(tmp_path), num_train=60, num_val=0)
    per_image = (time.perf_counter() - start) / 60
    # the default 360 images must take well under a minute on 2 cores
    assert per_image * 360 < 60
