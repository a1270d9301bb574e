# Copyright (c) mmcorr contributors. All rights reserved.
"""The data sample of an image pair (semantic correspondence)."""
from typing import Callable, Optional, Sequence, Tuple, Type, Union

import torch
from mmengine.structures import BaseDataElement, PixelData


def _check_tensor_shape(name: str, value: torch.Tensor,
                        shape: Sequence[Optional[int]],
                        meaning: str) -> None:
    """Raise ``ValueError`` unless ``value.shape`` matches ``shape``.

    ``None`` in ``shape`` matches any size.
    """
    ok = value.dim() == len(shape) and all(
        want is None or want == got for want, got in zip(shape, value.shape))
    if not ok:
        expected = '[' + ', '.join('*' if s is None else str(s)
                                   for s in shape) + ']'
        raise ValueError(f'{name} must have shape {expected} ({meaning}), '
                         f'got {tuple(value.shape)}')


def _tensor_check(shape: Sequence[Optional[int]], meaning: str,
                  dtype: Optional[torch.dtype] = None) -> Callable:

    def check(name: str, value: torch.Tensor) -> None:
        _check_tensor_shape(name, value, shape, meaning)
        if dtype is not None and value.dtype != dtype:
            raise ValueError(f'{name} must be {dtype}, got {value.dtype}')

    return check


def _mask_check(name: str, value: PixelData) -> None:
    data = value.get('data')
    if data is None:
        raise ValueError(f'{name} must hold a `data` field [1, H, W]')
    _check_tensor_shape(name + '.data', data, (1, None, None),
                        '0/1 foreground mask at network-input size')


def _field(name: str, dtype: Union[Type, Tuple[Type, ...]],
           check: Optional[Callable] = None, doc: str = '') -> property:
    """A typed data-field property stored as ``_<name>``."""
    private = '_' + name

    def getter(self):
        return getattr(self, private)

    def setter(self, value):
        if not isinstance(value, dtype):
            raise TypeError(f'{name} must be a {dtype}, got {type(value)}')
        if check is not None:
            check(name, value)
        self.set_field(value, private, dtype=dtype)

    def deleter(self):
        delattr(self, private)

    return property(getter, setter, deleter, doc=doc)


_KEYPOINTS = _tensor_check((None, 2), '(x, y) per keypoint')
_BBOX = _tensor_check((4, ), 'x1, y1, x2, y2')
_SIZE = _tensor_check((), 'a scalar length in pixels')
_VALID = _tensor_check((None, ), 'one flag per keypoint', torch.bool)
_GRID = _tensor_check((None, None, 2),
                      '[Hf, Wf, 2], x then y in [-1, 1] units')


class PairDataSample(BaseDataElement):
    """Ground truth and predictions of one (source, target) image pair.

    Data fields (all optional; set those the task has):

    - ``gt_src_mask``, ``gt_tgt_mask`` (:obj:`PixelData`): ``data`` is a
      float ``[1, H, W]`` 0/1 foreground mask at the network-input size
      (``img_shape``).
    - ``gt_src_keypoints``, ``gt_tgt_keypoints`` (Tensor ``[K, 2]``):
      corresponding keypoints, ``(x, y)`` in pixels of the ORIGINAL image
      files (not resized). Row ``k`` of both is one correspondence.
    - ``gt_keypoint_valid`` (bool Tensor ``[K]``): False for padding rows
      (PF-PASCAL's csv readers pad with ``-1``).
    - ``gt_src_bbox``, ``gt_tgt_bbox`` (Tensor ``[4]``): object box
      ``x1, y1, x2, y2`` in original pixels.
    - ``gt_src_bbox_size``, ``gt_tgt_bbox_size`` (0-d Tensor): ``max(h, w)``
      of the object box in original pixels, for datasets that publish only
      this length (SFNet's ``bbox_*_pairs_pf_pascal.csv``).
    - ``pred_grid_t2s`` (Tensor ``[Hf, Wf, 2]``): for each cell of the
      TARGET's feature grid, where it lands in the SOURCE image, in
      normalised coordinates (``-1`` and ``1`` are the centres of the first
      and last pixels: the ``align_corners=True`` meaning), x first.
    - ``pred_grid_s2t`` (Tensor ``[Hf, Wf, 2]``): the same from the source's
      grid into the target.

    Metainfo keys set by :class:`PackPairInputs`: ``src_img_path``,
    ``tgt_img_path``, ``src_ori_shape``, ``tgt_ori_shape`` (``(H, W)`` of
    the files), ``img_shape`` (network input ``(H, W)``), ``category``,
    ``pair_index`` and, when the pipeline has them, ``category_id``,
    ``src_scale_factor``, ``tgt_scale_factor`` (``(w_scale, h_scale)``) and
    ``pad_size`` (pixels added on every side).

    Setters check types and shapes and raise ``TypeError``/``ValueError``
    naming the field.

    Examples:
        >>> sample = PairDataSample(metainfo=dict(img_shape=(320, 320)))
        >>> sample.gt_src_keypoints = torch.tensor([[10., 20.]])
        >>> sample.pred_grid_t2s = torch.zeros(20, 20, 2)
        >>> 'pred_grid_t2s' in sample
        True
    """

    gt_src_mask = _field('gt_src_mask', PixelData, _mask_check,
                         'source foreground mask, data [1, H, W]')
    gt_tgt_mask = _field('gt_tgt_mask', PixelData, _mask_check,
                         'target foreground mask, data [1, H, W]')
    gt_src_keypoints = _field('gt_src_keypoints', torch.Tensor, _KEYPOINTS,
                              'source keypoints [K, 2], original pixels')
    gt_tgt_keypoints = _field('gt_tgt_keypoints', torch.Tensor, _KEYPOINTS,
                              'target keypoints [K, 2], original pixels')
    gt_keypoint_valid = _field('gt_keypoint_valid', torch.Tensor, _VALID,
                               'bool [K], False for padding rows')
    gt_src_bbox = _field('gt_src_bbox', torch.Tensor, _BBOX,
                         'source object box [4] x1, y1, x2, y2')
    gt_tgt_bbox = _field('gt_tgt_bbox', torch.Tensor, _BBOX,
                         'target object box [4] x1, y1, x2, y2')
    gt_src_bbox_size = _field('gt_src_bbox_size', torch.Tensor, _SIZE,
                              'max(h, w) of the source object box')
    gt_tgt_bbox_size = _field('gt_tgt_bbox_size', torch.Tensor, _SIZE,
                              'max(h, w) of the target object box')
    pred_grid_t2s = _field('pred_grid_t2s', torch.Tensor, _GRID,
                           'target grid -> source, [Hf, Wf, 2]')
    pred_grid_s2t = _field('pred_grid_s2t', torch.Tensor, _GRID,
                           'source grid -> target, [Hf, Wf, 2]')
