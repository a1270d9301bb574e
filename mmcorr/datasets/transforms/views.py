# Copyright (c) mmcorr contributors. All rights reserved.
"""Multi-view samples: pairs, groups, clips, images with point queries.

A multi-view results dict, as the datasets fill it and these transforms
update it, has

- ``views``: a list with one results dict per view (image or frame), each
  an ordinary mmcv/mmseg results dict (``img_path``, ``img``, ``ori_shape``,
  ``img_shape``, ``gt_seg_map``, ``homography_matrix``...) plus mmcorr's
  per-view annotations: ``keypoints`` (``(K, 2)`` ``(x, y)`` in ORIGINAL
  pixels, never moved by the transforms), ``bbox`` (``[4]``), ``bbox_size``,
  ``gt_fg_mask`` (``(H, W)`` foreground weight);
- shared keys at the top: ``sample_idx``, ``category``, ``pair_index``,
  ``keypoint_valid`` (``(K,)`` bool, across views)...

:class:`ForEachView` applies any single-image transform to every view, with
shared or per-view random parameters; :class:`PackMultiViewInputs` packs the
views for the data preprocessor.
"""
from typing import Dict, List, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform, TransformBroadcaster
from mmcv.transforms.utils import cache_random_params
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData

from mmcorr.registry import TRANSFORMS
from mmcorr.structures import (MultiViewDataSample, UnevenViews,
                               ViewDataSample)


def keypoint_validity(*views: np.ndarray) -> np.ndarray:
    """``(K,)`` bool: False where a view's point is ``-1`` padding or not
    finite. Each argument is one view's ``(K, 2)`` keypoints."""
    valid = np.ones(len(views[0]), bool)
    for points in views:
        points = np.asarray(points, np.float64)
        valid &= ~(points == -1).any(axis=1) & np.isfinite(points).all(axis=1)
    return valid


def check_views(results: dict, who: str) -> List[dict]:
    """``results['views']``, or a clear error if it is missing or empty."""
    views = results.get('views')
    if not isinstance(views, (list, tuple)):
        raise KeyError(f'{who} works on multi-view samples: results need a '
                       f'`views` list (one dict per view), got keys '
                       f'{sorted(results)}')
    if not views:
        raise ValueError(f'{who}: the sample has no views (an empty group)')
    return list(views)


@TRANSFORMS.register_module()
class ForEachView(TransformBroadcaster):
    """Apply single-image transforms to every view of a sample.

    mmcv's ``TransformBroadcaster`` for mmcorr's ``views`` layout: each view
    dict, with the shared keys visible, goes through ``transforms``; what
    the transforms add or change is kept in that view. Any mmcv / mmseg /
    mmcorr single-image transform works (``LoadCheckedImage``,
    ``RecordedResize``, ``PhotoMetricDistortion``...).

    Args:
        transforms (list[dict | callable]): The transforms.
        share_random_params (bool): Draw random parameters once and apply
            them to every view (e.g. flip all or none; mmcv's
            ``cache_randomness`` mechanism). ``False``: draw per view.

    Plain type names inside resolve in mmcorr, then mmseg and mmcv, also
    from an mmseg-scoped config (``type='mmcorr.ForEachView'``). An error in
    a view names the view.

    Example:
        >>> dict(type='ForEachView', transforms=[
        ...     dict(type='LoadCheckedImage'),
        ...     dict(type='RecordedResize', scale=(288, 288))])
    """

    def __init__(self, transforms: List[Union[Dict, callable]],
                 share_random_params: bool = True):
        # plain names resolve in mmcorr (then mmseg, mmcv) even when an
        # mmseg-scoped config builds `mmcorr.ForEachView`
        with DefaultScope.overwrite_default_scope('mmcorr'):
            super().__init__(transforms,
                             share_random_params=share_random_params)

    def transform(self, results: dict) -> dict:
        views = check_views(results, type(self).__name__)
        shared = {k: v for k, v in results.items() if k != 'views'}
        if self.share_random_params:
            with cache_random_params(self.transforms):
                outputs = [self._one_view(shared, view, i)
                           for i, view in enumerate(views)]
        else:
            outputs = [self._one_view(shared, view, i)
                           for i, view in enumerate(views)]
        results['views'] = outputs
        return results

    def _one_view(self, shared: dict, view: dict, index: int) -> dict:
        try:
            out = self.transforms({**shared, **view})
        except Exception as error:
            error.add_note(f'(in {type(self).__name__}, view {index}: '
                           f'{view.get("img_path")!r})')
            raise
        if out is None:
            raise ValueError(f'a transform in {type(self).__name__} dropped '
                             f'the view {view.get("img_path", "")!r}')
        return {k: v for k, v in out.items()
                if k not in shared or v is not shared[k]}

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(transforms={self.transforms}, '
                f'share_random_params={self.share_random_params})')


def _chw(array: np.ndarray) -> torch.Tensor:
    """``(H, W[, C])`` -> contiguous ``[C, H, W]`` tensor (dtype kept)."""
    if array.ndim == 2:
        array = array[..., None]
    return torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))


def _stack_or_list(tensors: List[torch.Tensor]
                   ) -> Union[torch.Tensor, UnevenViews]:
    """One ``[N, C, H, W]`` tensor if the views agree in size, else an
    :class:`~mmcorr.structures.UnevenViews` (which mmengine's collate keeps
    whole; the data preprocessor pads the views)."""
    if len({tuple(t.shape) for t in tensors}) == 1:
        return torch.stack(tensors)
    return UnevenViews(tensors)


@TRANSFORMS.register_module()
class PackMultiViewInputs(BaseTransform):
    """Pack a multi-view sample into ``dict(inputs, data_samples)``.

    ``inputs``: ``[N, C, H, W]`` (uint8, or float as loaded), view ``i`` at
    index ``i``; an :class:`~mmcorr.structures.UnevenViews` of ``[C, H, W]``
    when the views differ in size (the data preprocessor pads them). ``data_samples``: a
    :class:`MultiViewDataSample` whose views are :class:`ViewDataSample` s:

    =========================  =============================================
    view results key           view data sample field
    =========================  =============================================
    ``gt_seg_map`` (H, W)      ``gt_sem_seg`` (PixelData, int64 [1, H, W])
    ``gt_fg_mask`` (H, W)      ``gt_fg_mask`` (PixelData, float [1, H, W])
    ``gt_saliency`` (H, W)     ``gt_saliency`` (PixelData, float [1, H, W])
    ``keypoints`` (K, 2)       ``gt_keypoints`` float32 [K, 2]
    ``bbox`` (4,)              ``gt_bbox`` [4]
    ``bbox_size`` (scalar)     ``gt_bbox_size`` (0-d)
    ``gt_instance_ids`` (H, W) ``gt_instance_ids`` (PixelData, int64
                               [1, H, W])
    ``query_points`` (K, 2)    ``gt_query_points`` float32 [K, 2]
    ``query_ids`` (K,)         ``gt_query_ids`` int64 [K]
    ``query_ignored`` (K,)     ``gt_query_ignored`` bool [K]
    ``gt_ignore_regions``      ``gt_ignore_regions`` (PixelData, int64
    (H, W)                     [1, H, W])
    =========================  =============================================

    The shared ``keypoint_valid`` becomes ``gt_keypoint_valid`` (default:
    rows without ``-1`` or non-finite values in any view). Each view's
    ``homography_matrix`` is set to the identity when no transform recorded
    one, the image kept its file's size and no flip, crop or resize is
    known to have run; a recorded one that maps into another size than the
    image's (a later transform resized without recording) is refused. Extra
    inputs must have followed their image (listed in ``map_fields``, which
    the Recorded* transforms move).

    Args:
        meta_keys (Sequence[str]): Shared keys copied to the container's
            metainfo when present.
        view_meta_keys (Sequence[str]): Per-view keys copied to each view's
            metainfo when present.
        extra_inputs (Sequence[str]): Per-view arrays packed like the images
            into ``extra_inputs[name]`` (``[N, c, H, W]``), e.g. a saliency
            map per image.

    Raises:
        ValueError: for a mask or extra input of another size than its
            view's image, keypoints that are not ``(K, 2)`` or disagree in
            shape across views, or a ``keypoint_valid`` of another length.
    """

    DEFAULT_META_KEYS = ('sample_idx', 'category', 'category_id',
                         'pair_index')
    DEFAULT_VIEW_META_KEYS = ('img_path', 'seg_map_path', 'ori_shape',
                              'img_shape', 'scale_factor', 'flip',
                              'flip_direction', 'homography_matrix',
                              'pad_margins')

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS,
                 view_meta_keys: Sequence[str] = DEFAULT_VIEW_META_KEYS,
                 extra_inputs: Sequence[str] = ()):
        self.meta_keys = tuple(meta_keys)
        self.view_meta_keys = tuple(view_meta_keys)
        self.extra_inputs = tuple(extra_inputs)

    def transform(self, results: dict) -> dict:
        views = check_views(results, type(self).__name__)
        samples = [self._view_sample(view, i) for i, view in enumerate(views)]
        sample = MultiViewDataSample(views=samples)
        self._pack_keypoint_valid(results, views, sample)
        sample.set_metainfo({k: results[k] for k in self.meta_keys
                             if k in results})
        packed = dict(
            inputs=_stack_or_list([_chw(v['img']) for v in views]),
            data_samples=sample)
        if self.extra_inputs:
            packed['extra_inputs'] = {
                name: _stack_or_list([self._extra(v, name, i)
                                      for i, v in enumerate(views)])
                for name in self.extra_inputs
            }
        return packed

    @staticmethod
    def _extra(view: dict, name: str, index: int) -> torch.Tensor:
        if view.get(name) is None:
            raise KeyError(f'view {index} has no {name!r} (an extra input '
                           'of PackMultiViewInputs)')
        moved = name in view.get('map_fields', ())
        if view[name].shape[:2] != view['img'].shape[:2] or (
                not moved and view.get('homography_matrix') is not None
                and not np.allclose(view['homography_matrix'], np.eye(3))):
            raise ValueError(
                f'view {index}: the extra input {name!r} '
                f'{view[name].shape[:2]} did not follow its image '
                f'{view["img"].shape[:2]} through the geometric transforms: '
                f"list it in the view's map_fields (results['map_fields'] = "
                f"['{name}']) so that the Recorded* transforms move it")
        return _chw(view[name])

    def _view_sample(self, view: dict, index: int) -> ViewDataSample:
        if view.get('img') is None:
            raise KeyError(f'view {index} has no image (`img`): load it '
                           'first, e.g. ForEachView([LoadCheckedImage])')
        sample = ViewDataSample()
        img_shape = view['img'].shape[:2]
        for key in ('gt_seg_map', 'gt_fg_mask', 'gt_saliency',
                    'gt_instance_ids', 'gt_ignore_regions'):
            if view.get(key) is None:
                continue
            if view[key].shape[:2] != img_shape:
                raise ValueError(f'view {index}: {key} is '
                                 f'{view[key].shape[:2]}, its image is '
                                 f'{img_shape}')
            dtype = np.float32 if key in ('gt_fg_mask', 'gt_saliency') \
                else np.int64
            data = torch.from_numpy(np.ascontiguousarray(view[key][None],
                                                         dtype))
            field = 'gt_sem_seg' if key == 'gt_seg_map' else key
            setattr(sample, field, PixelData(data=data))
        if view.get('keypoints') is not None:
            points = np.asarray(view['keypoints'], np.float32)
            if points.size == 0:
                points = points.reshape(0, 2)
            if points.ndim != 2 or points.shape[1] != 2:
                raise ValueError(f'view {index}: keypoints must be (K, 2) '
                                 f'(x, y), got shape {points.shape}')
            sample.gt_keypoints = torch.from_numpy(points)
        if view.get('query_points') is not None:
            sample.gt_query_points = torch.from_numpy(
                np.asarray(view['query_points'], np.float32).reshape(-1, 2))
            sample.gt_query_ids = torch.from_numpy(
                np.asarray(view['query_ids'], np.int64).reshape(-1))
            if view.get('query_ignored') is not None:
                sample.gt_query_ignored = torch.from_numpy(
                    np.asarray(view['query_ignored'], bool).reshape(-1))
        if view.get('bbox') is not None:
            sample.gt_bbox = torch.as_tensor(
                np.asarray(view['bbox'], np.float32))
        if view.get('bbox_size') is not None:
            sample.gt_bbox_size = torch.tensor(float(view['bbox_size']))
        meta = {k: view[k] for k in self.view_meta_keys if k in view}
        meta['img_shape'] = tuple(img_shape)
        if meta.get('homography_matrix') is None and \
                self._untouched(view, img_shape):
            meta['homography_matrix'] = np.eye(3)
        recorded = view.get('homography_shape')
        if recorded is not None and tuple(recorded) != tuple(img_shape):
            raise ValueError(
                f'view {index}: its image is {tuple(img_shape)} but its '
                f'homography_matrix maps into {tuple(recorded)}: a transform '
                'after the last Recorded* one changed the size without '
                'recording its mapping (use RecordedResize / RecordedPad / '
                'RecordedRandomFlip)')
        sample.set_metainfo(meta)
        return sample

    @staticmethod
    def _untouched(view: dict, img_shape) -> bool:
        """No geometric step is known to have run: the identity mapping may
        be assumed (a flip, crop or resize that records nothing may not)."""
        moved = view.get('flip') or any(
            view.get(k) is not None for k in ('crop_bbox', 'scale_factor'))
        return not moved and tuple(view.get('ori_shape',
                                            img_shape)) == tuple(img_shape)

    @staticmethod
    def _pack_keypoint_valid(results: dict, views: List[dict],
                             sample: MultiViewDataSample) -> None:
        points = [v.get('keypoints') for v in views]
        if all(p is None for p in points):
            return
        shapes = {np.shape(p) for p in points}
        if len(shapes) != 1 or any(p is None for p in points):
            raise ValueError('every view needs keypoints of one shape (K, '
                             f'2) when any has them, got {sorted(shapes)}')
        valid = results.get('keypoint_valid')
        if valid is None:
            valid = keypoint_validity(*points)
        valid = np.asarray(valid, bool).reshape(-1)
        if len(valid) != len(points[0]):
            raise ValueError(f'keypoint_valid has {len(valid)} flags for '
                             f'{len(points[0])} keypoints')
        sample.gt_keypoint_valid = torch.as_tensor(valid)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(meta_keys={self.meta_keys}, '
                f'view_meta_keys={self.view_meta_keys}, '
                f'extra_inputs={self.extra_inputs})')


def views_from_sides(info: dict, keys: Sequence[str],
                     sides: Sequence[str] = ('src', 'tgt')) -> dict:
    """Move ``{side}_{key}`` entries of ``info`` into ``info['views']``
    (one dict per side, keys without the prefix); other keys stay shared."""
    views = [dict() for _ in sides]
    for view, side in zip(views, sides):
        for key in keys:
            value = info.pop(f'{side}_{key}', None)
            if value is not None:
                view[key] = value
    info['views'] = views
    return info
