# Copyright (c) mmcorr contributors. All rights reserved.
"""The data sample of one view (image, frame) of a multi-view sample."""
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from .fields import map_check, mask_check, tensor_check, typed_field

_KEYPOINTS = tensor_check((None, 2), '(x, y) per keypoint')
_BBOX = tensor_check((4, ), 'x1, y1, x2, y2')
_SIZE = tensor_check((), 'a scalar length in pixels')
_QUERY_IDS = tensor_check((None, ), 'the instance id under each query point',
                          torch.int64)
_QUERY_IGNORED = tensor_check((None, ), 'True where a query point lies on '
                              'an ignored region', torch.bool)

_ID_MAP = map_check('integer ids at network-input size, 0 = none',
                    integer=True)


class ViewDataSample(SegDataSample):
    """Ground truth and predictions of one view, an mmseg ``SegDataSample``.

    mmseg's fields keep their meaning, so per-view masks reuse mmseg's
    metrics and visualisers: ``gt_sem_seg`` / ``pred_sem_seg`` (label maps,
    :obj:`PixelData` ``[1, H, W]``) and ``seg_logits``. mmcorr adds
    (all optional):

    - ``gt_fg_mask`` (:obj:`PixelData`): ``data`` float ``[1, H, W]``, the
      foreground weight in ``[0, 1]`` at the view's ``img_shape`` (after the
      pipeline, before the preprocessor's padding; soft at the edges of
      synthetically warped masks; SFNet's mask supervision).
    - ``gt_saliency`` (:obj:`PixelData`): ``data`` float ``[1, H, W]``, a
      soft ground-truth saliency map in ``[0, 1]`` (grey / 255, resized
      bilinearly) at the view's ``img_shape``: ICNet's loss target.
    - ``gt_keypoints`` (Tensor ``[K, 2]``): ``(x, y)`` in pixels of the
      ORIGINAL FILE (``ori_shape``; not moved by the pipeline: the metric
      maps predictions back through ``homography_matrix``); row ``k`` of
      every view of a sample is one correspondence.
    - ``gt_bbox`` (Tensor ``[4]``): object box ``x1, y1, x2, y2``, original
      pixels.
    - ``gt_bbox_size`` (0-d Tensor): ``max(h, w)`` of the object box in
      original pixels, for datasets that publish only this length.
    - ``gt_instance_ids`` / ``pred_instance_ids`` (:obj:`PixelData`):
      ``data`` int64 ``[1, H, W]`` at the view's ``img_shape``, ``0`` for
      no instance (background or stuff), ``1..N`` the instances (AdaptIS).
    - ``gt_query_points`` (Tensor ``[K, 2]``): ``(x, y)`` query points in
      NETWORK-INPUT pixels, unlike ``gt_keypoints`` (sampled after the
      geometric transforms; an inferencer maps clicks given in file pixels
      here through ``homography_matrix``),
      with ``gt_query_ids`` (int64 ``[K]``), the instance id under each;
      optionally ``gt_query_ignored`` (bool ``[K]``): points drawn on an
      ignored region (AdaptIS' ``sample_ignore_object_prob``), whose
      ``gt_query_ids`` are then region ids of ``gt_ignore_regions``
      (:obj:`PixelData` int64 ``[1, H, W]``, ``0`` outside every region).
    - ``pred_query_logits`` (Tensor ``[K, H, W]``): the instance logits of
      the query points (AdaptIS' point-driven mode).
    - ``pred_saliency`` (:obj:`PixelData`): ``data`` float ``[1, H, W]``, a
      (co-)saliency probability in ``[0, 1]`` at the view's ``img_shape``.

    Metainfo (set by :class:`~mmcorr.datasets.transforms.PackMultiViewInputs`
    and the data preprocessor): ``img_path``, ``ori_shape`` (``(H, W)`` of
    the file), ``img_shape`` (after the pipeline), ``homography_matrix``
    (``3 x 3``, original pixel -> network-input pixel, see
    :mod:`mmcorr.ops.coordinates`), ``pad_shape`` and ``batch_input_shape``
    (after the preprocessor's padding), and what the pipeline recorded
    (``scale_factor``, ``flip``, ...).
    """

    gt_fg_mask = typed_field('gt_fg_mask', PixelData, mask_check,
                             'foreground weight, data [1, H, W]')
    gt_saliency = typed_field('gt_saliency', PixelData, mask_check,
                              'soft ground-truth saliency, data [1, H, W]')
    gt_keypoints = typed_field('gt_keypoints', torch.Tensor, _KEYPOINTS,
                               'keypoints [K, 2], original pixels')
    gt_bbox = typed_field('gt_bbox', torch.Tensor, _BBOX,
                          'object box [4] x1, y1, x2, y2')
    pred_saliency = typed_field('pred_saliency', PixelData, mask_check,
                                'saliency probability, data [1, H, W]')
    gt_bbox_size = typed_field('gt_bbox_size', torch.Tensor, _SIZE,
                               'max(h, w) of the object box')
    gt_instance_ids = typed_field('gt_instance_ids', PixelData, _ID_MAP,
                                  'instance ids, data [1, H, W]')
    pred_instance_ids = typed_field('pred_instance_ids', PixelData,
                                    _ID_MAP,
                                    'instance ids, data [1, H, W]')
    gt_query_points = typed_field('gt_query_points', torch.Tensor, _KEYPOINTS,
                                  'query points [K, 2], input pixels')
    gt_query_ids = typed_field('gt_query_ids', torch.Tensor, _QUERY_IDS,
                               'instance id per query point [K]')
    gt_query_ignored = typed_field('gt_query_ignored', torch.Tensor,
                                   _QUERY_IGNORED,
                                   'ignored-region flag per query point [K]')
    gt_ignore_regions = typed_field('gt_ignore_regions', PixelData, _ID_MAP,
                                    'ignored-region ids, data [1, H, W]')
