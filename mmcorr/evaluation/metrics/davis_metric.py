# Copyright (c) mmcorr contributors. All rights reserved.
"""DAVIS-2017 J&F of propagated videos, inside ``tools/test.py``."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement

from mmcorr.registry import METRICS
from ..davis_folders import read_id_png, write_id_png
from ..davis_scores import (VOS_KEYS, ObjectScores, format_tables,
                            score_sequence, summarise)

__all__ = ['DAVISJFMetric']


def _as_dict(element) -> dict:
    return element.to_dict() if isinstance(element, BaseDataElement) \
        else element


def _ids(field, name: str) -> np.ndarray:
    """``PixelData`` (or its dict) ``[1, H, W]`` -> ``(H, W)`` uint8 ids."""
    data = _as_dict(field).get('data')
    if data is None:
        raise KeyError(f'DAVISJFMetric: `{name}` has no `data`')
    data = np.asarray(data.detach().cpu() if hasattr(data, 'detach')
                      else data)
    if data.ndim != 3 or data.shape[0] != 1:
        raise ValueError(f'DAVISJFMetric: `{name}.data` must be [1, H, W], '
                         f'got {data.shape}')
    return data[0].astype(np.uint8)


@METRICS.register_module()
class DAVISJFMetric(BaseMetric):
    """J&F of every video (sample), DAVIS-2017 semi-supervised protocol.

    The protocol and its one fix are those of
    :mod:`mmcorr.evaluation.davis_scores` (the official scorer's numbers,
    ``J&F-Mean``, ``J-Mean``, ``J-Recall``, ``J-Decay``, ``F-Mean``,
    ``F-Recall``, ``F-Decay``, averaged over objects). Each sample is a
    clip (:class:`~mmcorr.structures.MultiViewDataSample`, a view per
    frame) whose views hold ``pred_sem_seg`` (ids) and the GT: metainfo
    ``seg_map_path`` (the indexed PNG, read at its own resolution) or
    ``gt_sem_seg``. A prediction of another size than its GT is resized
    with nearest neighbours. Each video's J&F is logged as it is scored.

    Args:
        output_dir (str, optional): Also write the predictions as DAVIS
            results, ``<output_dir>/<video>/<frame>.png`` (indexed, DAVIS
            palette), for ``tools/analysis_tools/eval_vos.py``.
        legacy_uint8_bins (bool): The official scorer's ``uint8`` Decay
            bins (wrong beyond 256 frames).
        collect_device (str): Device to gather results on.
        prefix (str, optional): Prefix of the metric names.
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 output_dir: Optional[str] = None,
                 legacy_uint8_bins: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.output_dir = output_dir
        self.legacy_uint8_bins = legacy_uint8_bins

    @staticmethod
    def _gt(view: dict) -> np.ndarray:
        if view.get('seg_map_path'):
            return read_id_png(view['seg_map_path'], allow_grey=True)
        if view.get('gt_sem_seg') is not None:
            return _ids(view['gt_sem_seg'], 'gt_sem_seg')
        raise KeyError('DAVISJFMetric needs the GT of every frame: '
                       'metainfo `seg_map_path` or `gt_sem_seg`; a view has '
                       f'keys {sorted(view)}')

    @staticmethod
    def _frame_name(view: dict, index: int) -> str:
        path = view.get('img_path') or view.get('seg_map_path')
        return osp.splitext(osp.basename(path))[0] if path else \
            f'{index:05d}'

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            sample = _as_dict(sample)
            views = [_as_dict(v) for v in sample.get('views', [])]
            if not views:
                raise KeyError('DAVISJFMetric scores clips: a sample has no '
                               '`views`')
            video = sample.get('video') or osp.basename(
                osp.dirname(views[0].get('img_path', 'video/x')))
            gts, preds, names = [], [], []
            for i, view in enumerate(views):
                if view.get('pred_sem_seg') is None:
                    raise KeyError(f'DAVISJFMetric: frame {i} of {video} '
                                   'has no `pred_sem_seg`')
                gt, pred = self._gt(view), _ids(view['pred_sem_seg'],
                                                'pred_sem_seg')
                if pred.shape != gt.shape:
                    pred = cv2.resize(pred, gt.shape[::-1],
                                      interpolation=cv2.INTER_NEAREST)
                gts.append(gt)
                preds.append(pred)
                names.append(self._frame_name(view, i))
            if self.output_dir is not None:
                for name, pred in zip(names, preds):
                    write_id_png(osp.join(self.output_dir, video,
                                          f'{name}.png'), pred)
            objects = score_sequence(video, gts, preds, names)
            self._log_video(video, objects)
            # one result per sample: mmengine keeps the first len(dataset)
            self.results.append(objects)

    def _log_video(self, video: str, objects: List[ObjectScores]) -> None:
        if not objects:
            print_log(f'{video}: no object in the first frame',
                      logger='current')
            return
        result = summarise(objects, self.legacy_uint8_bins)
        print_log(f'{video}: J&F {result["J&F-Mean"]:.3f} (J '
                  f'{result["J-Mean"]:.3f}, F {result["F-Mean"]:.3f}, '
                  f'{len(objects)} objects)', logger='current')

    def compute_metrics(self, results: list) -> Dict[str, float]:
        objects = [obj for video in results for obj in video]
        result = summarise(objects, self.legacy_uint8_bins)
        print_log('\n' + format_tables(result), logger='current')
        return {key: result[key] for key in VOS_KEYS}
