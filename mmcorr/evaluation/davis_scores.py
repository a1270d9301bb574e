# Copyright (c) mmcorr contributors. All rights reserved.
"""Semi-supervised video object segmentation scores, as DAVIS-2017's
official scorer (davisvideochallenge/davis2017-evaluation) computes them.

Per object ``k`` of a sequence (ids ``1..K`` of the first annotated frame;
void ``255`` counts as background), on every frame but the first and the
last (the first is given, the last is dropped by the protocol):

- ``J``: IoU of the binary masks; ``1`` when both are empty.
- ``F``: boundary F-measure. Boundaries are the 1-pixel maps of
  :func:`boundary_map` (BSDS' ``seg2bmap``); each is dilated with a disk of
  radius ``ceil(0.008 * sqrt(H^2 + W^2))`` pixels (8 at 480 x 854, with
  OpenCV's ``dilate`` and scikit-image's ``disk``); precision = predicted
  boundary pixels within the dilated GT boundary / predicted boundary
  pixels, recall the other way; ``F = 2PR / (P + R)`` (0 when both are 0);
  both boundaries empty: ``P = R = 1``; prediction empty: ``P = 1, R = 0``;
  GT empty: ``P = 0, R = 1``.
- per object: ``Mean`` (``nanmean`` over frames), ``Recall`` (fraction of
  frames above 0.5), ``Decay`` (mean of the first of 4 temporal bins minus
  the mean of the last; bin edges ``round(linspace(1, T, 5)) - 1``,
  overlapping by one frame).
- the global ``J&F-Mean`` is ``(mean_k J-Mean + mean_k F-Mean) / 2`` over
  all OBJECTS of all sequences, as are the other global numbers.

A prediction with an object id above ``K`` is refused (the official scorer
stops there too). One deviation, documented: the official scorer casts the
Decay bin edges to ``uint8``, so on sequences longer than 256 frames its
Decay is computed on wrapped-around bins (garbage or NaN); here edges are
int64 (``legacy_uint8_bins=True`` reproduces the cast).
"""
import math
from dataclasses import dataclass, field
from typing import Dict, List, Sequence

import cv2
import numpy as np
from skimage.morphology import disk

from mmcorr.fileio import davis_palette  # noqa: F401

__all__ = [
    'VOS_KEYS', 'VOSInputError', 'region_similarity', 'boundary_map',
    'boundary_f_measure', 'davis_statistics', 'ObjectScores',
    'score_sequence', 'summarise', 'format_tables', 'davis_palette'
]

#: The global keys, in the official table's order.
VOS_KEYS = ('J&F-Mean', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean',
            'F-Recall', 'F-Decay')
#: Void label of DAVIS annotations (scored as background).
VOID = 255


class VOSInputError(ValueError):
    """Masks or files that the VOS scorer refuses, with what is wrong."""


def region_similarity(gt: np.ndarray, pred: np.ndarray) -> float:
    """``J``: IoU of two boolean masks ``(H, W)``; 1 when both are empty."""
    union = np.logical_or(gt, pred).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(gt, pred).sum() / union)


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """1-pixel boundary of a boolean mask ``(H, W)`` (BSDS ``seg2bmap``).

    A pixel is on the boundary when it differs from its right, lower or
    lower-right neighbour (the boundary sits half a pixel towards the
    origin); the last row compares with the right neighbour only, the last
    column with the lower one only, the corner pixel never counts.
    """
    mask = mask.astype(bool)
    right = np.zeros_like(mask)
    right[:, :-1] = mask[:, 1:]
    below = np.zeros_like(mask)
    below[:-1, :] = mask[1:, :]
    diagonal = np.zeros_like(mask)
    diagonal[:-1, :-1] = mask[1:, 1:]
    edges = (mask ^ right) | (mask ^ below) | (mask ^ diagonal)
    edges[-1, :] = mask[-1, :] ^ right[-1, :]
    edges[:, -1] = mask[:, -1] ^ below[:, -1]
    edges[-1, -1] = False
    return edges


def boundary_tolerance(shape: Sequence[int], fraction: float = 0.008) -> int:
    """Dilation radius in pixels: ``ceil(fraction * image diagonal)``."""
    return int(math.ceil(fraction * math.hypot(shape[0], shape[1])))


def boundary_f_measure(gt: np.ndarray, pred: np.ndarray,
                       fraction: float = 0.008) -> float:
    """``F``: boundary F-measure of two boolean masks ``(H, W)``."""
    kernel = disk(boundary_tolerance(gt.shape, fraction)).astype(np.uint8)
    gt_edges, pred_edges = boundary_map(gt), boundary_map(pred)
    n_gt, n_pred = int(gt_edges.sum()), int(pred_edges.sum())
    if n_gt == 0 or n_pred == 0:
        precision = 1.0 if n_pred == 0 else 0.0
        recall = 1.0 if n_gt == 0 else 0.0
    else:
        gt_near = cv2.dilate(gt_edges.astype(np.uint8), kernel) > 0
        pred_near = cv2.dilate(pred_edges.astype(np.uint8), kernel) > 0
        precision = (pred_edges & gt_near).sum() / n_pred
        recall = (gt_edges & pred_near).sum() / n_gt
    if precision + recall == 0:
        return 0.0
    return float(2 * precision * recall / (precision + recall))


def davis_statistics(values: Sequence[float],
                     legacy_uint8_bins: bool = False) -> Dict[str, float]:
    """``{'Mean', 'Recall', 'Decay'}`` of one object's per-frame scores.

    Args:
        values: ``T`` per-frame J or F values.
        legacy_uint8_bins (bool): Cast the bin edges to ``uint8`` as the
            official scorer does (wrong beyond 256 frames).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        nan = float('nan')
        return dict(Mean=nan, Recall=nan, Decay=nan)
    edges = np.round(np.linspace(1, len(values), 5) + 1e-10) - 1
    edges = edges.astype(np.uint8 if legacy_uint8_bins else np.int64)
    bins = [values[edges[i]:edges[i + 1] + 1] for i in range(4)]
    with np.errstate(all='ignore'):
        first = np.nanmean(bins[0]) if bins[0].size else np.nan
        last = np.nanmean(bins[3]) if bins[3].size else np.nan
    return dict(Mean=float(np.nanmean(values)),
                Recall=float(np.nanmean(values > 0.5)),
                Decay=float(first - last))


@dataclass
class ObjectScores:
    """Per-frame J and F of one object of one sequence (frames 1..T-2)."""
    sequence: str
    object_id: int
    j: List[float] = field(default_factory=list)
    f: List[float] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The official per-object name ``<sequence>_<id>``."""
        return f'{self.sequence}_{self.object_id}'


def score_sequence(name: str, gt: Sequence[np.ndarray],
                   pred: Sequence[np.ndarray],
                   frame_names: Sequence[str] = None,
                   fraction: float = 0.008) -> List[ObjectScores]:
    """J and F of every object of a sequence, DAVIS-2017 semi-supervised.

    Args:
        name: The sequence's name (for messages and per-object names).
        gt: ``T`` id maps ``(H, W)`` (void 255 = background); the objects
            are ``1..max(gt[0])``.
        pred: ``T`` predicted id maps, same sizes (the first and last are
            not scored, and may be ``None``).
        frame_names: Names of the frames, for messages.

    Returns:
        list[ObjectScores]: One per object, over frames ``1..T-2``.
    """
    if len(gt) != len(pred):
        raise VOSInputError(f'{name}: {len(gt)} annotated frames but '
                            f'{len(pred)} predictions')
    frame_names = list(frame_names or [str(i) for i in range(len(gt))])
    first = np.where(gt[0] == VOID, 0, gt[0])
    num_objects = int(first.max())
    scores = [ObjectScores(name, k) for k in range(1, num_objects + 1)]
    for t in range(1, len(gt) - 1):
        truth = np.where(gt[t] == VOID, 0, gt[t])
        guess = np.asarray(pred[t])
        where = f'{name}/{frame_names[t]}'
        if guess.shape != truth.shape:
            raise VOSInputError(f'{where}: prediction {guess.shape} but the '
                                f'annotation is {truth.shape}')
        if guess.max(initial=0) > num_objects:
            raise VOSInputError(
                f'{where}: object id {int(guess.max())} in the prediction, '
                f'but the sequence has {num_objects} objects (ids 1..'
                f'{num_objects} of its first annotation)')
        for obj in scores:
            gt_mask, pred_mask = truth == obj.object_id, guess == obj.object_id
            obj.j.append(region_similarity(gt_mask, pred_mask))
            obj.f.append(boundary_f_measure(gt_mask, pred_mask, fraction))
    return scores


def summarise(objects: Sequence[ObjectScores],
              legacy_uint8_bins: bool = False) -> Dict:
    """The global numbers (``VOS_KEYS``, fractions) and per-object rows.

    Returns:
        dict: ``{key: value for VOS_KEYS}`` plus ``'per_object'``: a list of
        ``{'name', 'sequence', 'object_id', 'J-Mean', ..., 'F-Decay'}``.
    """
    if not objects:
        raise VOSInputError('no objects to score: the first annotations '
                            'of the sequences hold no object id')
    rows = []
    for obj in objects:
        row = dict(name=obj.name, sequence=obj.sequence,
                   object_id=obj.object_id)
        for metric, values in (('J', obj.j), ('F', obj.f)):
            stats = davis_statistics(values, legacy_uint8_bins)
            row.update({f'{metric}-{k}': v for k, v in stats.items()})
        rows.append(row)
    result = {
        key: float(np.mean([row[key] for row in rows]))
        for key in VOS_KEYS[1:]
    }
    result = {'J&F-Mean': (result['J-Mean'] + result['F-Mean']) / 2,
              **result, 'per_object': rows}
    return result


def format_tables(result: Dict, set_name: str = 'val') -> str:
    """The official printout: the global table and the per-object one."""
    lines = [f'{"-" * 27} Global results for {set_name} {"-" * 27}',
             ' '.join(f'{key:>9}' for key in VOS_KEYS),
             ' '.join(f'{result[key]:>9.3f}' for key in VOS_KEYS), '',
             f'{"-" * 10} Per sequence results for {set_name} {"-" * 10}']
    width = max([8] + [len(row['name']) for row in result['per_object']])
    lines.append(f'{"Sequence":>{width}}  J-Mean  F-Mean')
    for row in result['per_object']:
        lines.append(f'{row["name"]:>{width}}  {row["J-Mean"]:6.3f}  '
                     f'{row["F-Mean"]:6.3f}')
    return '\n'.join(lines)


