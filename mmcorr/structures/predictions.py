# Copyright (c) mmcorr contributors. All rights reserved.
"""A predicted multi-view data sample -> plain arrays in the pixels of the
images given, per task. Shared by the inferencers, the visualizers and the
visualization hook.

Each view carries ``ori_shape`` (the image's ``(H, W)``) and
``homography_matrix`` (image pixel -> network-input pixel, as the test
pipeline recorded it); predictions made at the network input are read back
through it.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from mmcorr.ops import grid_warp
from mmcorr.ops.coordinates import apply_homography, normalize_coords

from .correspondence_result import CorrespondenceResult


def _ori_shape(view, index: int) -> tuple:
    shape = view.metainfo.get('ori_shape') or view.metainfo.get('img_shape')
    if shape is None:
        raise KeyError(f'view {index} has neither ori_shape nor img_shape')
    return tuple(int(v) for v in shape[:2])


def undo_resize(pred: np.ndarray, view, ori_shape: Sequence[int],
                mode: str = 'nearest') -> np.ndarray:
    """A per-pixel prediction at the network input -> the image's size,
    through the view's recorded mapping (any resize, pad, crop or flip).

    Each image pixel ``p`` reads the prediction at ``M p`` (``M``: the
    view's ``homography_matrix``, image pixel -> network-input pixel;
    identity when absent) with :func:`mmcorr.ops.grid_warp` in float64,
    edge values outside. For a plain resize this is cv2's bilinear resize
    (pixel-centre mapping).

    Args:
        pred (np.ndarray): ``(h, w)`` or ``(h, w, C)`` at the view's
            ``img_shape``.
        view: The view's data sample.
        ori_shape: ``(H, W)`` of the image.
        mode (str): ``'nearest'`` for ids and labels (the dtype is kept),
            ``'bilinear'`` for maps.

    Returns:
        np.ndarray: ``(H, W[, C])``, ``pred``'s dtype.
    """
    height, width = (int(v) for v in ori_shape[:2])
    matrix = view.metainfo.get('homography_matrix')
    matrix = np.eye(3) if matrix is None else np.asarray(matrix, np.float64)
    if np.allclose(matrix, np.eye(3)) and pred.shape[:2] == (height, width):
        return pred
    ys, xs = np.mgrid[0:height, 0:width]
    pixels = np.stack([xs, ys], -1).reshape(-1, 2).astype(np.float64)
    read = apply_homography(matrix, pixels).reshape(height, width, 2)
    grid = torch.from_numpy(normalize_coords(read, pred.shape[:2]))[None]
    planes = pred[..., None] if pred.ndim == 2 else pred
    feat = torch.from_numpy(np.ascontiguousarray(
        planes.transpose(2, 0, 1), np.float64))[None]
    out = grid_warp(feat, grid, align_corners=True, padding_mode='border',
                    mode=mode)[0].permute(1, 2, 0).numpy()
    out = out[..., 0] if pred.ndim == 2 else out
    if pred.dtype == bool:
        return out >= 0.5
    if np.issubdtype(pred.dtype, np.integer):
        return np.round(out).astype(pred.dtype)
    return out.astype(pred.dtype)


def _pixels(data, view) -> np.ndarray:
    """A ``PixelData``'s ``[C, H, W]`` tensor -> ``(h, w)`` numpy at the
    view's ``img_shape`` (the batch padding cut off)."""
    array = data.data.detach().float().cpu().numpy() if \
        data.data.is_floating_point() else data.data.detach().cpu().numpy()
    array = array[0]
    shape = view.metainfo.get('img_shape')
    if shape is not None:
        array = array[:int(shape[0]), :int(shape[1])]
    return np.ascontiguousarray(array)


def correspondence_result(sample) -> CorrespondenceResult:
    """A predicted pair -> :class:`CorrespondenceResult` in the pixels of
    the two images.

    Raises:
        KeyError: no predicted grids, or a view without its recorded
            mapping.
    """
    grids = {}
    for key in ('pred_grid_s2t', 'pred_grid_t2s'):
        if sample.get(key) is None:
            raise KeyError(f'the model did not predict {key}: a '
                           'correspondence model (such as '
                           'SemanticFlowMatcher) is needed')
        grids[key] = sample.get(key).detach().cpu()
    matrices = []
    for name, view in zip(('source', 'target'), sample.views):
        if view.metainfo.get('homography_matrix') is None:
            raise KeyError(f'the {name} view has no homography_matrix: the '
                           "config's test pipeline resizes with a transform "
                           'that does not record its mapping (use '
                           'RecordedResize / RecordedPad)')
        matrices.append(view.metainfo['homography_matrix'])
    return CorrespondenceResult(
        grid_s2t=grids['pred_grid_s2t'],
        grid_t2s=grids['pred_grid_t2s'],
        src_shape=_ori_shape(sample.views[0], 0),
        tgt_shape=_ori_shape(sample.views[1], 1),
        input_shape=sample.views[0].metainfo['batch_input_shape'],
        src_homography=matrices[0],
        tgt_homography=matrices[1])


def saliency_maps(sample) -> List[np.ndarray]:
    """A predicted group -> per image float32 ``(H, W)`` saliency in
    ``[0, 1]`` at the image's size (bilinear)."""
    maps = []
    for i, view in enumerate(sample.views):
        if view.get('pred_saliency') is None:
            raise KeyError('the model did not predict pred_saliency: a '
                           'co-saliency model (such as ICNetCoSaliency) is '
                           'needed')
        pred = _pixels(view.pred_saliency, view).astype(np.float32)
        full = undo_resize(pred, view, _ori_shape(view, i), 'bilinear')
        maps.append(np.clip(full, 0, 1))
    return maps


def propagated_ids(sample) -> List[np.ndarray]:
    """A predicted clip -> per frame ``(H, W)`` uint8 object ids at the
    frame's size."""
    ids = []
    for i, view in enumerate(sample.views):
        if view.get('pred_sem_seg') is None:
            raise KeyError('the model did not predict pred_sem_seg: a '
                           'video model (such as MASTVideoSegmentor) is '
                           'needed')
        pred = _pixels(view.pred_sem_seg, view).astype(np.uint8)
        ids.append(undo_resize(pred, view, _ori_shape(view, i)))
    return ids


def instance_prediction(sample) -> Dict[str, Optional[np.ndarray]]:
    """A predicted image of a point-driven instance model -> its arrays at
    the image's size.

    Returns:
        dict: ``instance_ids`` ``(H, W)`` int64 (0: none), ``semantic``
        ``(H, W)`` int64 (-1: unlabelled), ``labels`` and ``scores``
        (``[M]``, per instance id 1..M), and with query points
        ``point_probs`` ``(K, H, W)`` float32 and ``point_masks`` (``>
        0.5``), ``points`` ``(K, 2)`` in image pixels.
    """
    view = sample.views[0]
    if view.get('pred_instance_ids') is None:
        raise KeyError('the model did not predict pred_instance_ids: a '
                       'point-driven instance model (such as '
                       'AdaptISSegmentor) is needed')
    shape = _ori_shape(view, 0)
    result = dict(
        instance_ids=undo_resize(_pixels(view.pred_instance_ids, view),
                                 view, shape),
        semantic=undo_resize(_pixels(view.pred_sem_seg, view), view, shape),
        labels=view.pred_instance_labels.cpu().numpy(),
        scores=view.pred_instance_scores.cpu().numpy())
    if view.get('pred_query_logits') is not None:
        logits = view.pred_query_logits.detach().float().cpu().numpy()
        img_h, img_w = view.metainfo.get('img_shape', logits.shape[-2:])
        probs = 1 / (1 + np.exp(-logits[:, :int(img_h), :int(img_w)]))
        probs = np.stack([undo_resize(p, view, shape, 'bilinear')
                          for p in probs]).astype(np.float32)
        matrix = np.asarray(view.metainfo.get('homography_matrix',
                                              np.eye(3)), np.float64)
        points = view.gt_query_points.cpu().numpy().astype(np.float64)
        back = np.c_[points, np.ones(len(points))] @ np.linalg.inv(matrix).T
        result.update(point_probs=probs, point_masks=probs > 0.5,
                      points=back[:, :2] / back[:, 2:])
    return result


def panoptic_segments(instance_ids: np.ndarray, semantic: np.ndarray,
                      instance_labels: Optional[Sequence[int]],
                      num_stuff: int, min_area: int = 1
                      ) -> Tuple[np.ndarray, List[dict]]:
    """An instance map and a semantic map as COCO panoptic segments (the
    official ``convert_to_coco_format``): one segment per stuff class over
    its pixels outside every instance, one per instance.

    Args:
        instance_ids (np.ndarray): ``(H, W)``, 0 = none, ``1..M``.
        semantic (np.ndarray): ``(H, W)`` class indices (-1 or any value
            ``< 0`` = unlabelled: VOID).
        instance_labels: The class of instance ``i + 1`` (a thing class,
            ``>= num_stuff``); ``None``: the majority semantic class under
            each instance.
        num_stuff (int): Classes ``0 .. num_stuff - 1`` are stuff.
        min_area (int): Smaller segments are left out (VOID).

    Returns:
        tuple: Segment ids ``(H, W)`` int64 (0 VOID) and ``segments_info``
        (``id``, ``category_id`` = class index, ``iscrowd`` 0, ``area``;
        things also their ``instance_id``).
    """
    ids = np.zeros(instance_ids.shape, np.int64)
    segments = []

    def add(mask: np.ndarray, category: int, **extra) -> None:
        area = int(mask.sum())
        if area < min_area:
            return
        segments.append(dict(id=len(segments) + 1, category_id=int(category),
                             iscrowd=0, area=area, **extra))
        ids[mask] = len(segments)

    stuff = np.where(instance_ids > 0, -1, semantic)
    for label in np.unique(stuff):
        if 0 <= label < num_stuff:
            add(stuff == label, label)
    for index in np.unique(instance_ids[instance_ids > 0]):
        mask = instance_ids == index
        if instance_labels is not None:
            label = int(instance_labels[index - 1])
        else:
            votes = semantic[mask]
            votes = votes[votes >= num_stuff]
            if len(votes) == 0:
                continue  # an instance on no thing pixel: VOID
            label = int(np.bincount(votes).argmax())
        add(mask, label, instance_id=int(index))
    return ids, segments
