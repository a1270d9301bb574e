# Copyright (c) mmcorr contributors. All rights reserved.
"""Panoptic quality (PQ, SQ, RQ) exactly as panopticapi's ``pq_compute``.

Per image, a ground-truth and a predicted segment of the same category
match when their IoU exceeds 0.5, the union not counting the predicted
pixels on VOID (id 0); matched pairs are true positives (their IoUs
summed), unmatched ground-truth segments false negatives (crowd segments
excepted), unmatched predicted segments false positives unless more than
half of them lies on VOID or on a crowd region of their category. Per
category ``PQ = sum IoU / (TP + FP/2 + FN/2)``, ``SQ = sum IoU / TP``,
``RQ = TP / (TP + FP/2 + FN/2)``; the averages run over the categories
that occur (``n``), for all, things and stuff. As panopticapi, the
ground-truth areas are those of the JSON, the predicted ones are counted
in the PNG, and every inconsistency is an error naming the image and the
segment.
"""
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from mmcorr.fileio import id2rgb, read_panoptic_png, rgb2id  # noqa: F401

__all__ = [
    'PQStat', 'pq_single_image', 'pq_average', 'pq_summary', 'rgb2id',
    'id2rgb', 'read_panoptic_png', 'evaluate_panoptic_folders',
    'PanopticFormatError'
]

VOID = 0
#: panopticapi's key offset for (gt id, pred id) pairs.
OFFSET = 256 * 256 * 256


class PanopticFormatError(KeyError):
    """Predictions or ground truth that violate the COCO panoptic format."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ''


class PQStat:
    """Per-category TP / FP / FN counts and summed IoU."""

    def __init__(self):
        self.iou = defaultdict(float)
        self.tp = defaultdict(int)
        self.fp = defaultdict(int)
        self.fn = defaultdict(int)

    def __iadd__(self, other: 'PQStat') -> 'PQStat':
        for name in ('iou', 'tp', 'fp', 'fn'):
            mine = getattr(self, name)
            for key, value in getattr(other, name).items():
                mine[key] += value
        return self


def _segment_table(segments: Sequence[Mapping], image: str,
                   which: str) -> Dict[int, dict]:
    table = {}
    for segment in segments:
        seg_id = int(segment['id'])
        if seg_id in table:
            raise PanopticFormatError(
                f'In the image {image} the {which} segment id {seg_id} is '
                'listed twice (overlapping segments)')
        table[seg_id] = dict(segment)
    return table


def pq_single_image(gt_ids: np.ndarray, gt_segments: Sequence[Mapping],
                    pred_ids: np.ndarray, pred_segments: Sequence[Mapping],
                    categories: Mapping[int, Mapping],
                    image: str = '') -> PQStat:
    """The PQ statistics of one image (panopticapi's
    ``pq_compute_single_core`` body).

    Args:
        gt_ids, pred_ids (np.ndarray): ``(H, W)`` segment ids (0 = VOID).
        gt_segments, pred_segments: ``segments_info`` lists (``id``,
            ``category_id``; ground truth also ``area`` and ``iscrowd``).
        categories: ``{category_id: {'isthing': 0 | 1, ...}}``.
        image (str): Its name, for the error messages.

    Raises:
        PanopticFormatError: a PNG id missing from the JSON or the
            reverse, an unknown category, a size mismatch or a listed twice
            segment.
    """
    if gt_ids.shape != pred_ids.shape:
        raise PanopticFormatError(
            f'In the image {image} the prediction is {pred_ids.shape}, the '
            f'ground truth {gt_ids.shape}')
    stat = PQStat()
    gt_segms = _segment_table(gt_segments, image, 'ground-truth')
    pred_segms = _segment_table(pred_segments, image, 'predicted')
    unlisted = set(pred_segms)
    labels, counts = np.unique(pred_ids, return_counts=True)
    for label, count in zip(labels.tolist(), counts.tolist()):
        if label not in pred_segms:
            if label == VOID:
                continue
            raise PanopticFormatError(
                f'In the image {image} segment with ID {label} is presented '
                'in PNG and not presented in JSON.')
        pred_segms[label]['area'] = count
        unlisted.discard(label)
        if pred_segms[label]['category_id'] not in categories:
            raise PanopticFormatError(
                f'In the image {image} segment with ID {label} has unknown '
                f'category_id {pred_segms[label]["category_id"]}.')
    if unlisted:
        raise PanopticFormatError(
            f'In the image {image} the following segment IDs '
            f'{sorted(unlisted)} are presented in JSON and not presented in '
            'PNG.')
    pairs = gt_ids.astype(np.uint64) * OFFSET + pred_ids.astype(np.uint64)
    keys, inters = np.unique(pairs, return_counts=True)
    overlap = {(int(k // OFFSET), int(k % OFFSET)): int(n)
               for k, n in zip(keys.tolist(), inters.tolist())}
    gt_matched, pred_matched = set(), set()
    for (gt_label, pred_label), inter in overlap.items():
        gt, pred = gt_segms.get(gt_label), pred_segms.get(pred_label)
        if gt is None or pred is None or gt.get('iscrowd', 0) == 1 or \
                gt['category_id'] != pred['category_id']:
            continue
        union = pred['area'] + gt['area'] - inter - overlap.get(
            (VOID, pred_label), 0)
        iou = inter / union
        if iou > 0.5:
            stat.tp[gt['category_id']] += 1
            stat.iou[gt['category_id']] += iou
            gt_matched.add(gt_label)
            pred_matched.add(pred_label)
    crowd = {}
    for gt_label, gt in gt_segms.items():
        if gt_label in gt_matched:
            continue
        if gt.get('iscrowd', 0) == 1:
            crowd[gt['category_id']] = gt_label
            continue
        stat.fn[gt['category_id']] += 1
    for pred_label, pred in pred_segms.items():
        if pred_label in pred_matched:
            continue
        ignored = overlap.get((VOID, pred_label), 0)
        if pred['category_id'] in crowd:
            ignored += overlap.get((crowd[pred['category_id']], pred_label),
                                   0)
        if ignored / pred['area'] > 0.5:
            continue
        stat.fp[pred['category_id']] += 1
    return stat


def pq_average(stat: PQStat, categories: Mapping[int, Mapping],
               isthing: Optional[bool] = None):
    """Averages over the categories that occur (panopticapi's
    ``PQStat.pq_average``).

    Returns:
        tuple: ``{'pq', 'sq', 'rq', 'n'}`` (0 with ``n = 0``, where
        panopticapi divides by zero) and ``{category_id: {'pq', 'sq',
        'rq'}}``.
    """
    total = dict(pq=0.0, sq=0.0, rq=0.0)
    count, per_class = 0, {}
    for label, info in categories.items():
        if isthing is not None and (info['isthing'] == 1) != isthing:
            continue
        tp, fp, fn = stat.tp[label], stat.fp[label], stat.fn[label]
        iou = stat.iou[label]
        if tp + fp + fn == 0:
            per_class[label] = dict(pq=0.0, sq=0.0, rq=0.0)
            continue
        count += 1
        denom = tp + 0.5 * fp + 0.5 * fn
        per_class[label] = dict(pq=iou / denom,
                                sq=iou / tp if tp else 0.0,
                                rq=tp / denom)
        for key in total:
            total[key] += per_class[label][key]
    result = {k: (v / count if count else 0.0) for k, v in total.items()}
    result['n'] = count
    return result, per_class


def pq_summary(stat: PQStat, categories: Mapping[int, Mapping]) -> Dict:
    """``{'All', 'Things', 'Stuff': {pq, sq, rq, n}, 'per_class': ...}``."""
    out = {}
    for name, isthing in (('All', None), ('Things', True), ('Stuff', False)):
        out[name], per_class = pq_average(stat, categories, isthing)
        if isthing is None:
            out['per_class'] = {str(k): v for k, v in per_class.items()}
    return out


def load_panoptic_json(path: str, role: str, keys: Tuple[str, ...]) -> Dict:
    """A COCO panoptic JSON (an object with ``keys``), or a
    :class:`PanopticFormatError` naming the file and what is wrong."""
    if not osp.isfile(path):
        raise PanopticFormatError(f'the {role} JSON {path} does not exist')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PanopticFormatError(
            f'the {role} JSON {path} is not a JSON file ({error}); a COCO '
            'panoptic JSON holds "annotations" with "segments_info", its '
            'PNGs go in the folder argument') from None
    if not isinstance(data, dict):
        raise PanopticFormatError(
            f'the {role} JSON {path} holds a {type(data).__name__}, not the '
            'COCO panoptic object (a dict with "annotations")')
    missing = [k for k in keys if k not in data]
    if missing:
        raise PanopticFormatError(f'the {role} JSON {path} has no '
                                  f'{", ".join(map(repr, missing))}')
    return data


def evaluate_panoptic_folders(gt_json: str, gt_folder: str, pred_json: str,
                              pred_folder: str) -> Dict:
    """panopticapi's ``pq_compute(gt_json, pred_json, gt_folder,
    pred_folder)``: COCO panoptic JSONs and PNG folders -> the summary of
    :func:`pq_summary`."""
    gt = load_panoptic_json(gt_json, 'ground-truth', ('annotations',
                                                       'categories'))
    pred = load_panoptic_json(pred_json, 'prediction', ('annotations', ))
    categories = {c['id']: c for c in gt['categories']}
    predictions = {a['image_id']: a for a in pred['annotations']}
    stat = PQStat()
    for gt_ann in gt['annotations']:
        image_id = gt_ann['image_id']
        if image_id not in predictions:
            raise PanopticFormatError(
                f'no prediction for the image with id: {image_id}')
        pred_ann = predictions[image_id]
        gt_ids = read_panoptic_png(osp.join(gt_folder, gt_ann['file_name']))
        pred_ids = read_panoptic_png(
            osp.join(pred_folder, pred_ann['file_name']))
        stat += pq_single_image(gt_ids, gt_ann['segments_info'], pred_ids,
                                pred_ann['segments_info'], categories,
                                image=str(image_id))
    return pq_summary(stat, categories)
