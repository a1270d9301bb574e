# Copyright (c) mmcorr contributors. All rights reserved.
"""Instance-id maps and the query points AdaptIS trains on.

- :class:`LoadInstanceIds`: an instance-id PNG (8 or 16 bit, one channel,
  ``0`` = no instance), read unchanged, as AdaptIS' toy ``*_im.png``.
- :class:`SampleQueryPoints`: query points on the objects, as the official
  ``BaseDataset._get_points_for_object`` samples them: stage 1 one random
  object per point (with replacement), stage 2 (``from_one_object``) all
  points on one object; each point a uniformly random pixel of its
  object.
"""
import os.path as osp
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from mmcorr.registry import TRANSFORMS
from ..load_errors import check_label_size

__all__ = ['LoadInstanceIds', 'SampleQueryPoints', 'read_instance_png']


def read_instance_png(path: str, num_objects: Optional[int] = None
                      ) -> np.ndarray:
    """An instance-id PNG as ``(H, W)`` int32.

    Args:
        path (str): The file.
        num_objects (int, optional): Objects the file should hold (AdaptIS'
            toy names carry it: ``{index}_{n}_im.png``); an 8-bit file
            cannot hold more than 255 and is refused then.

    Raises:
        FileNotFoundError: for a missing file.
        ValueError: for a corrupt file, a colour (3-channel) rendering, or
            an 8-bit file where 16 bits are needed.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'instance-id PNG not found: {path}')
    ids = cv2.imdecode(np.frombuffer(fileio.get(path), np.uint8),
                       cv2.IMREAD_UNCHANGED)
    if ids is None:
        raise ValueError(f'{path}: not a readable image (corrupt or '
                         'truncated)')
    if ids.ndim != 2:
        raise ValueError(f'{path}: instance ids must be one channel (8- or '
                         f'16-bit grey), got {ids.shape[2]} channels (a '
                         'colour rendering of the masks?)')
    if num_objects is not None and num_objects > 255 and \
            ids.dtype == np.uint8:
        raise ValueError(f'{path}: {num_objects} objects need a 16-bit PNG, '
                         'the file is 8-bit (ids above 255 were lost)')
    return ids.astype(np.int32)


@TRANSFORMS.register_module()
class LoadInstanceIds(BaseTransform):
    """``gt_instance_ids`` ``(H, W)`` int32 from ``results['ins_map_path']``
    (with ``results['num_objects']`` checked when the dataset knows it).

    Raises:
        LabelSizeError: if an image was loaded first and the sizes differ.
    """

    def transform(self, results: dict) -> dict:
        path = results['ins_map_path']
        ids = read_instance_png(path, results.get('num_objects'))
        check_label_size(ids.shape, results.get('ori_shape'), path,
                         results.get('img_path'))
        results['gt_instance_ids'] = ids
        # mmseg's RandomCrop crops every seg_field
        results.setdefault('seg_fields', []).append('gt_instance_ids')
        return results


@TRANSFORMS.register_module()
class SampleQueryPoints(BaseTransform):
    """Sample ``num_points`` query points on the instances.

    Writes ``query_points`` ``(K, 2)`` float32 ``(x, y)`` pixels of the
    current image and ``query_ids`` ``(K,)`` (the instance under each; -1
    when the image has no eligible object: the points' targets are then
    ignored, as the official code does), and with ``with_semantic`` the
    thing/background map ``gt_seg_map`` (1 = any instance) when none is
    loaded. Random draws use numpy's global generator (seeded per worker by
    mmengine).

    Args:
        num_points (int): Points per image (toy: 12 in stage 1, 32 in
            stage 2).
        from_one_object (bool): All points on one object (stage 2).
        min_object_area (int): Smaller objects are never queried.
        with_semantic (bool): Also write ``gt_seg_map``.
    """

    def __init__(self,
                 num_points: int = 12,
                 from_one_object: bool = False,
                 min_object_area: int = 0,
                 with_semantic: bool = True):
        if num_points < 1:
            raise ValueError(f'num_points must be >= 1, got {num_points}')
        self.num_points = num_points
        self.from_one_object = from_one_object
        self.min_object_area = min_object_area
        self.with_semantic = with_semantic

    def transform(self, results: dict) -> dict:
        ids = results.get('gt_instance_ids')
        if ids is None:
            raise KeyError('SampleQueryPoints needs gt_instance_ids: load '
                           'them first (LoadInstanceIds)')
        labels, areas = np.unique(ids[ids > 0], return_counts=True)
        objects = labels[areas >= max(self.min_object_area, 1)]
        if len(objects) == 0:
            points = np.zeros((self.num_points, 2), np.float32)
            query_ids = np.full(self.num_points, -1, np.int64)
        else:
            count = 1 if self.from_one_object else self.num_points
            chosen = np.random.choice(objects, count)
            if self.from_one_object:
                chosen = np.repeat(chosen, self.num_points)
            points = np.stack([self._random_pixel(ids, obj)
                               for obj in chosen]).astype(np.float32)
            query_ids = chosen.astype(np.int64)
        results['query_points'] = points
        results['query_ids'] = query_ids
        if self.with_semantic and results.get('gt_seg_map') is None:
            results['gt_seg_map'] = (ids > 0).astype(np.uint8)
            results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

    @staticmethod
    def _random_pixel(ids: np.ndarray, obj: int) -> np.ndarray:
        ys, xs = np.nonzero(ids == obj)
        k = np.random.randint(len(ys))
        return np.array([xs[k], ys[k]])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_points={self.num_points}, '
                f'from_one_object={self.from_one_object}, '
                f'min_object_area={self.min_object_area})')
