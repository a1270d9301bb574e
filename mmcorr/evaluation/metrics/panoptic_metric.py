# Copyright (c) mmcorr contributors. All rights reserved.
"""Panoptic quality of predicted instances + stuff, inside
``tools/test.py``."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmcorr.registry import METRICS
from ..panoptic_quality import PQStat, pq_single_image, pq_summary

__all__ = ['PanopticQualityMetric', 'panoptic_segments']


def _array(field) -> np.ndarray:
    data = field['data'] if isinstance(field, dict) else field.data
    data = data.detach().cpu().numpy() if hasattr(data, 'detach') else \
        np.asarray(data)
    return data[0] if data.ndim == 3 else data


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
        (``id``, ``category_id`` = class index, ``iscrowd`` 0, ``area``).
    """
    ids = np.zeros(instance_ids.shape, np.int64)
    segments = []

    def add(mask: np.ndarray, category: int) -> None:
        area = int(mask.sum())
        if area < min_area:
            return
        segments.append(dict(id=len(segments) + 1, category_id=int(category),
                             iscrowd=0, area=area))
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
        add(mask, label)
    return ids, segments


@METRICS.register_module()
class PanopticQualityMetric(BaseMetric):
    """PQ / SQ / RQ over all, thing and stuff classes (panopticapi's
    ``pq_compute``, :mod:`mmcorr.evaluation.panoptic_quality`).

    Each sample's (first) view holds the prediction (``pred_instance_ids``,
    ``pred_instance_labels``, ``pred_sem_seg``) and the ground truth
    (``gt_instance_ids`` and, when given, ``gt_sem_seg``; otherwise every
    instance is the first thing class and the rest the first stuff class,
    as the toy data). Classes are the dataset's: ``stuff_classes`` first,
    then ``thing_classes``; category ids are class indices.

    Metrics: ``PQ``, ``SQ``, ``RQ`` (all), ``PQ_th``, ``SQ_th``, ``RQ_th``,
    ``PQ_st``, ``SQ_st``, ``RQ_st`` in percent, as papers print them.
    """
    default_prefix: Optional[str] = None

    def __init__(self, collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)

    def _categories(self) -> Tuple[Dict[int, dict], int]:
        meta = self.dataset_meta or {}
        stuff = list(meta.get('stuff_classes', ('background', )))
        things = list(meta.get('thing_classes', ('object', )))
        categories = {i: dict(id=i, name=name, isthing=int(i >= len(stuff)))
                      for i, name in enumerate(stuff + things)}
        return categories, len(stuff)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        categories, num_stuff = self._categories()
        for sample in data_samples:
            view = sample['views'][0] if 'views' in sample else sample
            view = view.to_dict() if hasattr(view, 'to_dict') else view
            for field in ('pred_instance_ids', 'gt_instance_ids'):
                if view.get(field) is None:
                    raise KeyError(f'PanopticQualityMetric needs '
                                   f'{field} on every view')
            gt_inst = _array(view['gt_instance_ids'])
            gt_sem = _array(view['gt_sem_seg']) if view.get(
                'gt_sem_seg') is not None else \
                np.where(gt_inst > 0, num_stuff, 0)
            pred_inst = _array(view['pred_instance_ids'])
            pred_sem = _array(view['pred_sem_seg'])
            labels = view.get('pred_instance_labels')
            labels = None if labels is None else np.asarray(labels)
            gt_ids, gt_segments = panoptic_segments(gt_inst, gt_sem, None,
                                                    num_stuff)
            pred_ids, pred_segments = panoptic_segments(
                pred_inst, pred_sem, labels, num_stuff)
            self.results.append(pq_single_image(
                gt_ids, gt_segments, pred_ids, pred_segments, categories,
                image=str(view.get('img_path', len(self.results)))))

    def compute_metrics(self, results: List[PQStat]) -> Dict[str, float]:
        categories, _ = self._categories()
        stat = PQStat()
        for item in results:
            stat += item
        summary = pq_summary(stat, categories)
        metrics = {}
        for name, suffix in (('All', ''), ('Things', '_th'),
                             ('Stuff', '_st')):
            for key in ('pq', 'sq', 'rq'):
                metrics[key.upper() + suffix] = 100 * summary[name][key]
        print_log(
            'PQ {PQ:.2f} (things {PQ_th:.2f}, stuff {PQ_st:.2f}), SQ {SQ:.2f}'
            ', RQ {RQ:.2f}'.format(**metrics), logger='current')
        return metrics
