# Copyright (c) mmcorr contributors. All rights reserved.
"""Shared by the CorrespondenceResult, visualization and apis tests: results
with hand-made geometry, and small config files."""
import os.path as osp

import numpy as np
import torch
from paths import REPO

from mmcorr.ops import identity_grid
from mmcorr.structures import CorrespondenceResult

MODEL_BASE = osp.join(REPO, 'configs', '_base_', 'models',
                      'sfnet-corr_r101.py')


def resize_matrix(src_shape, dst_shape):
    """By hand: ``x' = (x + 0.5) W' / W - 0.5`` (cv2's pixel geometry)."""
    sx, sy = dst_shape[1] / src_shape[1], dst_shape[0] / src_shape[0]
    return np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5],
                     [0, 0, 1]])


def shift_matrix(dx, dy):
    return np.array([[1., 0, dx], [0, 1, dy], [0, 0, 1]])


def protocol_matrix(shape, resized, pad):
    """Resize ``shape`` to ``resized`` (H, W), then pad ``pad`` px all
    round."""
    return shift_matrix(pad, pad) @ resize_matrix(shape, resized)


def make_result(src_shape, tgt_shape, resized=None, pad=0, grid_hw=(20, 20),
                grid_s2t=None, grid_t2s=None, src_homography=None,
                tgt_homography=None):
    """A result with identity grids (unless given) and the geometry of
    "resize both to ``resized`` (H, W), pad ``pad``"."""
    resized = tuple(resized) if resized is not None else tuple(src_shape)
    identity = identity_grid(*grid_hw, torch.zeros((), dtype=torch.float64))
    return CorrespondenceResult(
        grid_s2t=identity[0] if grid_s2t is None else grid_s2t,
        grid_t2s=identity[0] if grid_t2s is None else grid_t2s,
        src_shape=src_shape,
        tgt_shape=tgt_shape,
        input_shape=(resized[0] + 2 * pad, resized[1] + 2 * pad),
        src_homography=protocol_matrix(src_shape, resized, pad)
        if src_homography is None else src_homography,
        tgt_homography=protocol_matrix(tgt_shape, resized, pad)
        if tgt_homography is None else tgt_homography)


def pixel_lattice(shape):
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    return np.stack([xs, ys], -1)


def write_config(folder, name, text):
    path = osp.join(str(folder), f'{name}.py')
    with open(path, 'w') as f:
        f.write(text)
    return path


def pipeline_text(steps, pack='dict(type="PackMultiViewInputs")'):
    return (f'test_pipeline = [dict(type="ForEachView", transforms=['
            f'dict(type="LoadCheckedImage"), {steps}]), {pack}]\n')


def shifted_result(shape, shift_s2t, shift_t2s):
    """Same-size images, no resize: s2t moves x by ``shift_s2t`` px, t2s
    by ``shift_t2s`` px."""
    base = identity_grid(*shape, torch.zeros((), dtype=torch.float64))[0]
    unit = 2 / (shape[1] - 1)
    s2t, t2s = base.clone(), base.clone()
    s2t[..., 0] += shift_s2t * unit
    t2s[..., 0] += shift_t2s * unit
    return make_result(shape, shape, grid_hw=shape, grid_s2t=s2t,
                       grid_t2s=t2s)
