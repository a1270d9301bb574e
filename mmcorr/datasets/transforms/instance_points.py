# Copyright (c) mmcorr contributors. All rights reserved.
"""Instance-id maps and the query points AdaptIS trains on.

- :class:`LoadInstanceIds`: an instance-id PNG (8 or 16 bit, one channel,
  ``0`` = no instance), read unchanged, as AdaptIS' toy ``*_im.png``.
- :class:`SampleQueryPoints`: query points on the objects, as the official
  ``BaseDataset._get_points_for_object`` samples them: stage 1 one random
  object per point (with replacement), stage 2 (``from_one_object``) all
  points on one object; each point a uniformly random pixel of its
  object; optionally points on ignored regions (Cityscapes' training).
- :class:`RepeatUntilInstances`: re-run random augmentations until the
  result keeps an instance (the official ``keep_background_prob``).
"""
import copy
from typing import List, Optional, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform, Compose
from mmengine.registry import DefaultScope

from mmcorr.fileio import read_instance_png  # noqa: F401
from mmcorr.registry import TRANSFORMS
from ..load_errors import check_label_size

__all__ = [
    'LoadInstanceIds', 'RepeatUntilInstances', 'SampleQueryPoints',
    'read_instance_png'
]


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

    Ignored regions (the official Cityscapes training,
    ``sample_ignore_object_prob=0.025``): objects smaller than
    ``min_object_area`` and the 8-connected regions of unlabelled pixels
    (``gt_seg_map == ignore_index``: VOID, crowds) that overlap none of them,
    each of at least ``min_ignore_object_area`` pixels, are numbered
    ``1..R`` in ``gt_ignore_regions``. Each draw of an object is, with
    probability ``sample_ignore_object_prob`` (when there are regions), a
    draw of a region instead: its points get ``query_ignored`` True and the
    region's id in ``query_ids``, and their target is "no object" outside
    the region, ignored inside it (the model learns to select nothing from
    such a point, never penalised on the region itself).

    Args:
        num_points (int): Points per image (toy: 12 in stage 1, 32 in
            stage 2).
        from_one_object (bool): All points on one object (stage 2).
        min_object_area (int): Smaller objects are never queried (they
            become ignored regions when those are sampled).
        with_semantic (bool): Also write ``gt_seg_map``.
        sample_ignore_object_prob (float): Probability that a draw picks
            an ignored region (0: never; then ``gt_ignore_regions`` and
            ``query_ignored`` are not written).
        min_ignore_object_area (int): Smaller ignored regions are never
            drawn (official: 10 pixels).
        ignore_index (int): The unlabelled value of ``gt_seg_map``.
    """

    def __init__(self,
                 num_points: int = 12,
                 from_one_object: bool = False,
                 min_object_area: int = 0,
                 with_semantic: bool = True,
                 sample_ignore_object_prob: float = 0.0,
                 min_ignore_object_area: int = 10,
                 ignore_index: int = 255):
        if num_points < 1:
            raise ValueError(f'num_points must be >= 1, got {num_points}')
        if not 0.0 <= sample_ignore_object_prob <= 1.0:
            raise ValueError('sample_ignore_object_prob must be in [0, 1], '
                             f'got {sample_ignore_object_prob}')
        self.num_points = num_points
        self.from_one_object = from_one_object
        self.min_object_area = min_object_area
        self.with_semantic = with_semantic
        self.sample_ignore_object_prob = sample_ignore_object_prob
        self.min_ignore_object_area = min_ignore_object_area
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        ids = results.get('gt_instance_ids')
        if ids is None:
            raise KeyError('SampleQueryPoints needs gt_instance_ids: load '
                           'them first (LoadInstanceIds)')
        labels, areas = np.unique(ids[ids > 0], return_counts=True)
        large = areas >= max(self.min_object_area, 1)
        objects = labels[large]
        num_regions, regions = 0, None
        if self.sample_ignore_object_prob > 0:
            regions, num_regions = self.ignore_regions(
                ids, labels[~large], results.get('gt_seg_map'))
            results['gt_ignore_regions'] = regions
        if len(objects) == 0:
            points = np.zeros((self.num_points, 2), np.float32)
            query_ids = np.full(self.num_points, -1, np.int64)
            ignored = np.zeros(self.num_points, bool)
        else:
            draws = [self._draw(objects, num_regions) for _ in range(
                1 if self.from_one_object else self.num_points)]
            if self.from_one_object:
                draws = draws * self.num_points
            query_ids = np.array([i for i, _ in draws], np.int64)
            ignored = np.array([flag for _, flag in draws], bool)
            points = np.stack([
                self._random_pixel(regions if flag else ids, i)
                for i, flag in draws
            ]).astype(np.float32)
        results['query_points'] = points
        results['query_ids'] = query_ids
        if regions is not None:
            results['query_ignored'] = ignored
        if self.with_semantic and results.get('gt_seg_map') is None:
            results['gt_seg_map'] = (ids > 0).astype(np.uint8)
            results.setdefault('seg_fields', []).append('gt_seg_map')
        return results

    def _draw(self, objects: np.ndarray, num_regions: int):
        """``(id, ignored)``: a region (``1..R``) with probability
        ``sample_ignore_object_prob``, else an object."""
        if num_regions and \
                np.random.rand() < self.sample_ignore_object_prob:
            return int(np.random.randint(1, num_regions + 1)), True
        return int(np.random.choice(objects)), False

    def ignore_regions(self, ids: np.ndarray, small_objects: np.ndarray,
                       seg_map: Optional[np.ndarray]):
        """``(H, W)`` int32 map of ignored regions ``1..R`` and ``R``: the
        small objects, then the unlabelled components that overlap none of
        them, each of ``>= min_ignore_object_area`` pixels."""
        regions = np.zeros(ids.shape, np.int32)
        count = 0
        for obj in small_objects:
            mask = ids == obj
            if mask.sum() >= self.min_ignore_object_area:
                count += 1
                regions[mask] = count
        if seg_map is None:
            return regions, count
        void = (np.asarray(seg_map) == self.ignore_index).astype(np.uint8)
        num, components, stats, _ = cv2.connectedComponentsWithStats(
            void, connectivity=8)
        for label in range(1, num):
            if stats[label, cv2.CC_STAT_AREA] < self.min_ignore_object_area:
                continue
            mask = components == label
            if regions[mask].any():
                continue
            count += 1
            regions[mask] = count
        return regions, count

    @staticmethod
    def _random_pixel(ids: np.ndarray, obj: int) -> np.ndarray:
        ys, xs = np.nonzero(ids == obj)
        k = np.random.randint(len(ys))
        return np.array([xs[k], ys[k]])

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_points={self.num_points}, '
                f'from_one_object={self.from_one_object}, '
                f'min_object_area={self.min_object_area}, '
                'sample_ignore_object_prob='
                f'{self.sample_ignore_object_prob})')


@TRANSFORMS.register_module()
class RepeatUntilInstances(BaseTransform):
    """Run random augmentations again until an instance survives them.

    The official AdaptIS training re-draws an augmentation (crop, scale,
    flip...) whose result has no instance left, except that with
    probability ``keep_background_prob`` (Cityscapes: 0.05) an attempt is
    accepted whatever it holds. Each attempt starts from the input
    (deep-copied); an instance is any id ``> 0`` of ``gt_instance_ids``
    (small ones count: the official check runs before the small-object
    exclusion). An input without any instance is augmented once (the
    official loop draws attempts until one is kept by chance, 1 /
    ``keep_background_prob`` on average: the same distribution, at the
    cost of many copies). After ``max_tries`` attempts the last one is
    kept (the official loop has no bound).

    Args:
        transforms (list[dict | callable]): The augmentations (names
            resolve in mmcorr, then mmseg and mmcv).
        keep_background_prob (float): Probability of accepting an attempt
            without instances.
        max_tries (int): Attempts at most.
    """

    def __init__(self,
                 transforms: List[Union[dict, callable]],
                 keep_background_prob: float = 0.0,
                 max_tries: int = 100):
        if not 0.0 <= keep_background_prob <= 1.0:
            raise ValueError('keep_background_prob must be in [0, 1], got '
                             f'{keep_background_prob}')
        if max_tries < 1:
            raise ValueError(f'max_tries must be >= 1, got {max_tries}')
        with DefaultScope.overwrite_default_scope('mmcorr'):
            self.transforms = Compose(transforms)
        self.keep_background_prob = keep_background_prob
        self.max_tries = max_tries

    def transform(self, results: dict) -> Optional[dict]:
        if results.get('gt_instance_ids') is None:
            raise KeyError('RepeatUntilInstances needs gt_instance_ids: '
                           'load them first (LoadInstanceIds, '
                           'LoadPanopticAnnotations)')
        if not (results['gt_instance_ids'] > 0).any():
            return self.transforms(results)
        out = None
        for _ in range(self.max_tries):
            out = self.transforms(copy.deepcopy(results))
            if out is None or \
                    np.random.rand() < self.keep_background_prob or \
                    (out['gt_instance_ids'] > 0).any():
                return out
        return out

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(transforms={self.transforms}, '
                f'keep_background_prob={self.keep_background_prob}, '
                f'max_tries={self.max_tries})')
