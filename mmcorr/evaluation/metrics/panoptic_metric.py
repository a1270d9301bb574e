# Copyright (c) mmcorr contributors. All rights reserved.
"""Panoptic quality of predicted instances + stuff, inside
``tools/test.py``."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmcorr.registry import METRICS
from mmcorr.structures.predictions import panoptic_segments
from ..panoptic_quality import PQStat, pq_single_image, pq_summary

__all__ = ['PanopticQualityMetric', 'panoptic_segments']


def _array(field) -> np.ndarray:
    data = field['data'] if isinstance(field, dict) else field.data
    data = data.detach().cpu().numpy() if hasattr(data, 'detach') else \
        np.asarray(data)
    return data[0] if data.ndim == 3 else data


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
    ``PQ_st``, ``SQ_st``, ``RQ_st`` in percent, as papers print them; with
    ``mask_ap=True`` also COCO's mask ``mask_AP``, ``mask_AP50``,
    ``mask_AP75`` over the thing instances (pycocotools' ``COCOeval``,
    instances ranked by ``pred_instance_scores``).

    Args:
        mask_ap (bool): Also compute mask AP.
        collect_device (str): Device to gather results on.
        prefix (str, optional): Prefix of the metric names.
    """
    default_prefix: Optional[str] = None

    def __init__(self, mask_ap: bool = False, collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.mask_ap = mask_ap

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
            stat = pq_single_image(
                gt_ids, gt_segments, pred_ids, pred_segments, categories,
                image=str(view.get('img_path', len(self.results))))
            instances = None
            if self.mask_ap:
                scores = view.get('pred_instance_scores')
                instances = dict(
                    gt=_instance_masks(gt_ids, gt_segments, num_stuff),
                    pred=_instance_masks(pred_ids, pred_segments, num_stuff),
                    scores=None if scores is None else np.asarray(scores))
            self.results.append((stat, instances))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        categories, _ = self._categories()
        stat = PQStat()
        for item, _ in results:
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
        if self.mask_ap:
            metrics.update(mask_average_precision(
                [instances for _, instances in results]))
        return metrics


def _instance_masks(ids: np.ndarray, segments: List[dict],
                    num_stuff: int) -> List[Tuple[np.ndarray, int, int]]:
    """The thing segments as ``(mask, category, instance id)``."""
    return [(ids == s['id'], s['category_id'], s['instance_id'])
            for s in segments if s['category_id'] >= num_stuff]


def mask_average_precision(images: List[dict]) -> Dict[str, float]:
    """COCO mask AP (percent) of per-image ``gt`` / ``pred`` ``(mask,
    category)`` lists, predictions ranked by ``scores`` (pycocotools)."""
    from pycocotools import mask as mask_utils
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    gt = dict(images=[], annotations=[], categories=[])
    detections, categories = [], set()
    for image_id, image in enumerate(images):
        masks = image['gt'] + image['pred']
        height, width = masks[0][0].shape if masks else (1, 1)
        gt['images'].append(dict(id=image_id, height=height, width=width))
        for mask, category, _ in image['gt']:
            rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
            gt['annotations'].append(dict(
                id=len(gt['annotations']) + 1, image_id=image_id,
                category_id=category, segmentation=rle, iscrowd=0,
                area=float(mask.sum()),
                bbox=list(mask_utils.toBbox(rle))))
            categories.add(category)
        scores = image['scores']
        for mask, category, instance in image['pred']:
            rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
            detections.append(dict(
                image_id=image_id, category_id=category, segmentation=rle,
                score=1.0 if scores is None else float(scores[instance - 1])))
            categories.add(category)
    gt['categories'] = [dict(id=c) for c in sorted(categories)]
    if not gt['annotations'] or not detections:
        return dict(mask_AP=0.0, mask_AP50=0.0, mask_AP75=0.0)
    coco_gt = COCO()
    coco_gt.dataset = gt
    coco_gt.createIndex()
    coco_dt = coco_gt.loadRes(detections)
    evaluator = COCOeval(coco_gt, coco_dt, iouType='segm')
    evaluator.evaluate()
    evaluator.accumulate()
    evaluator.summarize()
    stats = evaluator.stats
    return dict(mask_AP=100 * stats[0], mask_AP50=100 * stats[1],
                mask_AP75=100 * stats[2])
