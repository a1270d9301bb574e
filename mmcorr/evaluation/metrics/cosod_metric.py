# Copyright (c) mmcorr contributors. All rights reserved.
"""Co-saliency detection scores (S-, E-, F-measure, MAE) of every view."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement

from mmcorr.registry import METRICS
from ..cosod_scores import (RESOLUTIONS, CoSODInputError, aggregate,
                            format_table, prepare_pair, read_grey,
                            score_image)
from .per_view_metric import view_dicts


def _data(field, name: str) -> np.ndarray:
    """``data`` of a PixelData (or its ``to_dict()``), ``[1, H, W]`` ->
    ``(H, W)`` numpy."""
    if isinstance(field, BaseDataElement):
        field = field.to_dict()
    data = field.get('data') if isinstance(field, dict) else None
    if data is None:
        raise KeyError(f'CoSODMetric: `{name}` has no `data` field')
    if hasattr(data, 'detach'):
        data = data.detach().cpu().numpy()
    data = np.asarray(data)
    if data.ndim != 3 or data.shape[0] != 1:
        raise ValueError(f'CoSODMetric: `{name}.data` must be [1, H, W], '
                         f'got {data.shape}')
    return data[0]


@METRICS.register_module()
class CoSODMetric(BaseMetric):
    """Co-saliency scores of every view, through PySODMetrics.

    Reports ``Smeasure`` (alpha 0.5), ``maxEm``, ``meanEm``, ``adpEm``,
    ``maxFm``, ``meanFm``, ``adpFm`` (beta^2 0.3) and ``MAE``, fractions
    averaged over all views (images), as PySODMetrics computes them (see
    :mod:`mmcorr.evaluation.cosod_scores` for the exact protocol).

    Each view of a :class:`~mmcorr.structures.MultiViewDataSample` needs:

    - ``pred_saliency`` (:obj:`PixelData`): ``data`` float ``[1, h, w]`` in
      ``[0, 1]`` at the view's ``img_shape``, covering the whole image (it
      is resized to the GT, so a test-time crop or flip is not undone);
    - the GT: metainfo ``seg_map_path`` (the grey GT file, read at its
      original resolution; foreground ``> 128``), or else ``gt_sem_seg``
      (0/1 labels at the prediction's frame).

    Every view is scored in :meth:`process` (each of the 8 scores is an
    average of per-image PySODMetrics results, so only those are kept:
    4 scalars and 4 curves of 256 float64, about 8 KB per image, which
    mmengine gathers across ranks; no map is kept).

    Args:
        resolution (str): ``'gt'`` (default; the field's protocol: score at
            the GT's resolution, the prediction resized bilinearly) or
            ``'icnet224'`` (ICNet's evaluator: both resized to 224 x 224).
        output_dir (str, optional): Also write each prediction as
            ``<output_dir>/<group>/<stem>.png`` (grey uint8 at the GT's
            resolution; ``group`` is the parent folder of ``img_path``), for
            ``tools/analysis_tools/eval_cosod.py``.
        collect_device (str): Device to gather results on.
        prefix (str, optional): Prefix of the metric names (none by
            default, as mmcorr's and mmseg's metrics).
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 resolution: str = 'gt',
                 output_dir: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if resolution not in RESOLUTIONS:
            raise ValueError(f'resolution must be one of {RESOLUTIONS}, got '
                             f'{resolution!r}')
        self.resolution = resolution
        self.output_dir = output_dir

    @staticmethod
    def _gt(view: dict) -> np.ndarray:
        path = view.get('seg_map_path')
        if path:
            return read_grey(path)
        if view.get('gt_sem_seg') is not None:
            labels = _data(view['gt_sem_seg'], 'gt_sem_seg')
            if not np.isin(labels, (0, 1)).all():
                raise ValueError('CoSODMetric: `gt_sem_seg` must hold 0/1 '
                                 f'labels, got {np.unique(labels)[:6]}')
            return labels == 1
        raise KeyError('CoSODMetric needs the GT of each view: metainfo '
                       f'`seg_map_path` or `gt_sem_seg`; got keys '
                       f'{sorted(view)}')

    def _write(self, view: dict, pred_u8: np.ndarray) -> None:
        path = view.get('img_path') or view.get('seg_map_path')
        if not path:
            raise KeyError('CoSODMetric(output_dir=...) names files after '
                           '`img_path`; a view has none')
        group = osp.basename(osp.dirname(path))
        stem = osp.splitext(osp.basename(path))[0]
        folder = osp.join(self.output_dir, group)
        os.makedirs(folder, exist_ok=True)
        out = osp.join(folder, stem + '.png')
        if not cv2.imwrite(out, pred_u8):
            raise OSError(f'cannot write {out}')

    def process(self, data_batch, data_samples: Sequence) -> None:
        for view in view_dicts(data_samples):
            if view.get('pred_saliency') is None:
                raise KeyError('CoSODMetric needs `pred_saliency` in each '
                               f'view; got keys {sorted(view)}')
            pred = _data(view['pred_saliency'], 'pred_saliency')
            gt = self._gt(view)
            where = view.get('img_path') or view.get('seg_map_path') or ''
            try:
                pair = prepare_pair(pred, gt, self.resolution)
                if self.output_dir is not None:
                    self._write(view, pair[0] if self.resolution == 'gt'
                                else prepare_pair(pred, gt, 'gt')[0])
            except CoSODInputError as error:
                raise CoSODInputError(f'CoSODMetric ({where}): {error}'
                                      ) from None
            self.results.append(score_image(*pair))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        scores, _ = aggregate(results)
        print_log(f'CoSOD scores of {len(results)} images (resolution='
                  f'{self.resolution!r}):\n' + format_table(scores),
                  logger='current')
        return scores
