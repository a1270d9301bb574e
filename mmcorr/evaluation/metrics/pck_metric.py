# Copyright (c) mmcorr contributors. All rights reserved.
"""PCK (percentage of correct keypoints) for semantic correspondence."""
from collections import defaultdict
from numbers import Number
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.structures import BaseDataElement
from prettytable import PrettyTable

from mmcorr.ops.coordinates import (POINT_SAMPLINGS, apply_homography,
                                    transfer_points)
from mmcorr.registry import METRICS

THRESHOLDS = ('image', 'bbox', 'keypoints')
SIDES = {'source': 0, 'target': 1}
AVERAGES = ('pair', 'keypoint')
TRANSFERS = ('t2s', 's2t')
#: How a prediction is taken back to the images' pixels (``undo``).
UNDO_PROTOCOLS = ('recorded', 'sfnet_approximate')


def crop_and_rescale_grid(grid: torch.Tensor, crop: int = 1) -> torch.Tensor:
    """SFNet's approximate undo of its padding: drop ``crop`` cells at every
    border of ``grid`` ``[Hf, Wf, 2]`` and stretch x and y by
    ``Wf / (Wf - 2 crop)`` and ``Hf / (Hf - 2 crop)`` (10/9 for its 20 x 20
    grids), so that ``[-1, 1]`` spans the unpadded image."""
    height, width = grid.shape[:2]
    if min(height, width) <= 2 * crop:
        raise ValueError(f'cropping {crop} cell(s) leaves nothing of a '
                         f'{(height, width)} grid')
    grid = grid[crop:height - crop, crop:width - crop]
    scale = grid.new_tensor([width / (width - 2 * crop),
                             height / (height - 2 * crop)])
    return grid * scale


def keypoint_extent(points: torch.Tensor) -> float:
    """``max(x_max - x_min, y_max - y_min)`` of ``[K, 2]`` points."""
    if len(points) == 0:
        return float('nan')
    return float((points.max(0).values - points.min(0).values).max())


def _as_dict(sample) -> dict:
    if isinstance(sample, BaseDataElement):
        return sample.to_dict()
    return sample


def _views(sample: dict) -> List[dict]:
    views = sample.get('views')
    if not isinstance(views, (list, tuple)):
        raise KeyError('PCKMetric needs image pairs: samples with two '
                       '`views` (MultiViewDataSample), got no views')
    if len(views) != 2:
        raise ValueError('PCKMetric needs image pairs: samples with two '
                         f'views, got {len(views)}')
    return [_as_dict(v) for v in views]


def _tensor(value, dtype=torch.float64) -> torch.Tensor:
    return torch.as_tensor(value).detach().cpu().to(dtype)


@METRICS.register_module()
class PCKMetric(BaseMetric):
    """PCK@alpha of keypoints transferred with a predicted dense grid.

    For each valid keypoint pair, the query keypoint (the target's for
    ``transfer='t2s'``) is moved into the other image with the predicted
    grid; it is correct when its distance to the ground-truth keypoint is
    ``<= alpha * L``. Reports ``PCK@<alpha>`` in percent and, when samples
    carry a ``category``, logs a per-category table (with the settings).

    How the prediction is taken back to the images (``undo``):

    - ``'recorded'`` (default): exact. The query point goes through its
      view's recorded ``homography_matrix`` into the network input, is read
      on the grid (:func:`mmcorr.ops.coordinates.transfer_points`), and the
      result goes back through the other view's inverse mapping. Works for
      any pipeline whose geometric transforms record their mapping.
    - ``'sfnet_approximate'``: SFNet's official evaluation. The grid's
      outer cells are dropped and it is stretched by ``Wf / (Wf - 2)``
      (10/9 for 20 x 20), which undoes a padding of one feature cell
      approximately, then read in the evaluation frame (each view's
      original size, or ``eval_size``). The pipeline must pad one feature
      cell on every side (SFNet: 288 + 2 x 16 = 320, 20 x 20 grid); this is
      checked against the recorded ``pad_margins``.

    Official protocols (SFNet): PF-PASCAL ``eval_pascal.py``:
    ``undo='sfnet_approximate', threshold='image', eval_size=(288, 288)``;
    PF-PASCAL validation (``train.py``): ``threshold='bbox'`` with the
    ``bbox_*`` csvs; PF-WILLOW ``eval_willow.py``: ``threshold='keypoints'``.
    All with ``point_sampling='nearest'`` and ``average='pair'``.

    Args:
        alphas (Sequence[float]): PCK thresholds, relative to ``L``.
        threshold (str): What ``L`` is the ``max(h, w)`` of: ``'image'``,
            ``'bbox'`` (``gt_bbox`` ``[4]`` or else the published length
            ``gt_bbox_size``) or ``'keypoints'`` (extent of the valid
            keypoints).
        threshold_of (str): ``'source'`` or ``'target'`` image for ``L``.
        average (str): ``'pair'``: PCK of each pair, then the mean over
            pairs (pairs without valid keypoints are skipped);
            ``'keypoint'``: pooled over all keypoints.
        transfer (str): ``'t2s'``: target keypoints go to the source with
            ``pred_grid_t2s`` (official); ``'s2t'``: the other way.
        undo (str): ``'recorded'`` or ``'sfnet_approximate'`` (above).
        point_sampling (str): ``'nearest'`` (the official reading: the
            point rounded to a pixel) or ``'bilinear'``.
        eval_size (tuple[int, int], optional): ``(H, W)`` frame in which
            distances and ``L`` are measured (each image's keypoints, boxes
            and size are rescaled to it). ``None``: original pixels.
        collect_device (str): Device to gather results on.
        prefix (str, optional): Prefix of the metric names.
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 alphas: Sequence[float] = (0.05, 0.1, 0.15),
                 threshold: str = 'image',
                 threshold_of: str = 'source',
                 average: str = 'pair',
                 transfer: str = 't2s',
                 undo: str = 'recorded',
                 point_sampling: str = 'nearest',
                 eval_size: Optional[Tuple[int, int]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self._check_choice('threshold', threshold, THRESHOLDS)
        self._check_choice('threshold_of', threshold_of, tuple(SIDES))
        self._check_choice('average', average, AVERAGES)
        self._check_choice('transfer', transfer, TRANSFERS)
        self._check_choice('undo', undo, UNDO_PROTOCOLS)
        self._check_choice('point_sampling', point_sampling,
                           POINT_SAMPLINGS)
        if isinstance(alphas, Number):
            alphas = (alphas, )
        if not alphas or any(a <= 0 for a in alphas):
            raise ValueError(f'alphas must be > 0, got {alphas}')
        if eval_size is not None and (len(eval_size) != 2
                                      or min(eval_size) < 2):
            raise ValueError(f'eval_size must be (H, W), got {eval_size}')
        self.alphas = tuple(float(a) for a in alphas)
        self.threshold = threshold
        self.threshold_of = threshold_of
        self.average = average
        self.transfer = transfer
        self.undo = undo
        self.point_sampling = point_sampling
        self.eval_size = None if eval_size is None else tuple(eval_size)

    @staticmethod
    def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
        if value not in choices:
            raise ValueError(f'{name} must be one of {choices}, got '
                             f'{value!r}')

    def settings(self) -> str:
        """The options, for the log."""
        return (f'alphas={self.alphas}, threshold={self.threshold!r}, '
                f'threshold_of={self.threshold_of!r}, '
                f'average={self.average!r}, transfer={self.transfer!r}, '
                f'undo={self.undo!r}, '
                f'point_sampling={self.point_sampling!r}, '
                f'eval_size={self.eval_size}')

    # ----------------------------------------------------------- per pair
    @staticmethod
    def _get(sample: dict, key: str, why: str):
        if sample.get(key) is None:
            raise KeyError(f'PCKMetric needs `{key}` in each view of a data '
                           f'sample ({why}); got keys {sorted(sample)}')
        return sample[key]

    def _frames(self, views: List[dict]) -> List[dict]:
        """Per view: original keypoints and size, and the x/y factor from
        original pixels to the evaluation frame."""
        frames = []
        for view in views:
            shape = tuple(int(v) for v in self._get(
                view, 'ori_shape', 'original (H, W) of the file'))
            points = _tensor(self._get(view, 'gt_keypoints', 'ground truth'))
            factor = torch.ones(2, dtype=torch.float64)
            if self.eval_size is not None:
                factor = torch.tensor([self.eval_size[1] / shape[1],
                                       self.eval_size[0] / shape[0]],
                                      dtype=torch.float64)
            frames.append(dict(points=points, size=shape, factor=factor,
                               view=view))
        return frames

    def _valid(self, sample: dict, frames: List[dict]) -> torch.Tensor:
        src, tgt = frames[0]['points'], frames[1]['points']
        if src.shape != tgt.shape:
            raise ValueError(f'source keypoints {tuple(src.shape)} and '
                             f'target keypoints {tuple(tgt.shape)} differ')
        valid = sample.get('gt_keypoint_valid')
        if valid is None:
            valid = ~((src == -1).any(1) | (tgt == -1).any(1))
        valid = torch.as_tensor(valid).cpu().bool().reshape(-1)
        if len(valid) != len(src):
            raise ValueError(f'gt_keypoint_valid has {len(valid)} entries '
                             f'for {len(src)} keypoints')
        return valid & torch.isfinite(src).all(1) & torch.isfinite(tgt).all(1)

    def _threshold_length(self, frames: List[dict],
                          valid: torch.Tensor) -> float:
        frame = frames[SIDES[self.threshold_of]]
        if self.threshold == 'image':
            return float(max(self.eval_size or frame['size']))
        if self.threshold == 'keypoints':
            return keypoint_extent(frame['points'][valid] * frame['factor'])
        view = frame['view']
        if view.get('gt_bbox') is not None:
            box = _tensor(view['gt_bbox']).reshape(2, 2)
            return float(((box[1] - box[0]) * frame['factor']).max())
        if view.get('gt_bbox_size') is not None:
            if self.eval_size is not None:
                raise ValueError('a bounding-box size (gt_bbox_size) cannot '
                                 'be rescaled to eval_size; use eval_size='
                                 'None or boxes (gt_bbox)')
            return float(view['gt_bbox_size'])
        raise KeyError(
            f"threshold='bbox' needs gt_bbox or gt_bbox_size in the "
            f'{self.threshold_of} view of each sample (PF-PASCAL: the '
            "bbox_* csvs give the source's; PF-WILLOW has no boxes: use "
            "threshold='keypoints')")

    def _grid(self, sample: dict) -> torch.Tensor:
        key = f'pred_grid_{self.transfer}'
        if sample.get(key) is None:
            raise KeyError(f'PCKMetric needs `{key}` in each data sample '
                           f'(the prediction); got keys {sorted(sample)}')
        grid = torch.as_tensor(sample[key])
        grid = grid.detach().cpu()
        if grid.dim() != 3 or grid.shape[-1] != 2:
            raise ValueError(f'{key} must be [Hf, Wf, 2], got '
                             f'{tuple(grid.shape)}')
        return grid.float() if not grid.is_floating_point() else grid

    @staticmethod
    def _input_size(view: dict) -> Tuple[int, int]:
        size = view.get('batch_input_shape') or view.get('img_shape')
        if size is None:
            raise KeyError('PCKMetric needs each view\'s network-input size '
                           '(batch_input_shape or img_shape)')
        return tuple(int(v) for v in size)

    @staticmethod
    def _homography(view: dict) -> torch.Tensor:
        matrix = view.get('homography_matrix')
        if matrix is None:
            raise KeyError(
                "undo='recorded' needs each view's homography_matrix: the "
                'pipeline changed the image size with a transform that does '
                'not record its mapping; use RecordedResize / RecordedPad / '
                'RecordedRandomFlip')
        return torch.as_tensor(np.asarray(matrix, np.float64))

    def _estimate_recorded(self, grid, frames, query, answer, points):
        q_view, a_view = frames[query]['view'], frames[answer]['view']
        q_in = apply_homography(self._homography(q_view), points)
        a_in = transfer_points(grid, q_in, self._input_size(q_view),
                               self._input_size(a_view), self.point_sampling)
        return apply_homography(torch.linalg.inv(self._homography(a_view)),
                                a_in)

    def _check_sfnet_padding(self, grid: torch.Tensor,
                             frames: List[dict]) -> None:
        for frame in frames:
            view = frame['view']
            height, width = self._input_size(view)
            cell = (width / grid.shape[1], height / grid.shape[0])
            margins = tuple(view.get('pad_margins') or (0, 0, 0, 0))
            expected = (cell[0], cell[1], cell[0], cell[1])
            if any(abs(m - e) > 0.5 for m, e in zip(margins, expected)):
                raise ValueError(
                    "undo='sfnet_approximate' assumes the pipeline padded "
                    'one feature cell on every side (SFNet: RecordedPad of '
                    f'16 px for a 320 input and a 20 x 20 grid); here the '
                    f'cell is {cell[0]:g} x {cell[1]:g} px and the padding '
                    f'(left, top, right, bottom) is {margins}. Use '
                    "undo='recorded'")

    def _estimate_approximate(self, grid, frames, query, answer, points):
        self._check_sfnet_padding(grid, frames)
        grid = crop_and_rescale_grid(grid)
        q_frame, a_frame = frames[query], frames[answer]
        q_size = self.eval_size or q_frame['size']
        a_size = self.eval_size or a_frame['size']
        estimate = transfer_points(grid, points * q_frame['factor'], q_size,
                                   a_size, self.point_sampling)
        return estimate / a_frame['factor']

    def pair_result(self, sample) -> dict:
        """Distances and counts of one pair.

        Returns:
            dict: ``category``, ``num_valid`` (int), ``correct`` (list of
            int, one per alpha), ``distances`` (float64 ``[K_valid]``, in
            the evaluation frame) and ``length`` (``L``).
        """
        sample = _as_dict(sample)
        frames = self._frames(_views(sample))
        valid = self._valid(sample, frames)
        query, answer = (1, 0) if self.transfer == 't2s' else (0, 1)
        points = frames[query]['points'][valid]
        estimate = self._estimate_recorded if self.undo == 'recorded' else \
            self._estimate_approximate
        found = estimate(self._grid(sample), frames, query, answer, points)
        truth = frames[answer]['points'][valid]
        distances = ((found - truth) * frames[answer]['factor']).norm(dim=1)
        length = self._threshold_length(frames, valid)
        return dict(
            category=sample.get('category'),
            num_valid=int(valid.sum()),
            correct=[int((distances <= a * length).sum())
                     for a in self.alphas],
            distances=distances,
            length=length)

    def process(self, data_batch, data_samples: Sequence) -> None:
        for sample in data_samples:
            result = self.pair_result(sample)
            del result['distances']
            self.results.append(result)

    # -------------------------------------------------------- aggregation
    def _pck(self, results: List[dict]) -> List[float]:
        """PCK per alpha, percent, of ``results``."""
        scored = [r for r in results if r['num_valid'] > 0]
        if not scored:
            return [float('nan')] * len(self.alphas)
        correct = np.array([r['correct'] for r in scored], np.float64)
        counts = np.array([r['num_valid'] for r in scored], np.float64)
        if self.average == 'pair':
            return list(100 * (correct / counts[:, None]).mean(0))
        return list(100 * correct.sum(0) / counts.sum())

    def _log_table(self, results: List[dict]) -> None:
        by_category = defaultdict(list)
        for r in results:
            by_category[r['category']].append(r)
        order = [c for c in (self.dataset_meta or {}).get('classes', ())
                 if c in by_category]
        order += sorted(set(by_category) - set(order), key=str)
        table = PrettyTable(['Category', 'Pairs', 'Keypoints'] +
                            [f'PCK@{a:g}' for a in self.alphas])
        for category in order:
            rows = by_category[category]
            table.add_row([category, len(rows),
                           sum(r['num_valid'] for r in rows)] +
                          [f'{v:.2f}' for v in self._pck(rows)])
        print_log('per category PCK:\n' + table.get_string(),
                  logger=MMLogger.get_current_instance())

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        logger = MMLogger.get_current_instance()
        empty = sum(r['num_valid'] == 0 for r in results)
        print_log(f'PCK over {len(results)} pairs ({empty} without valid '
                  f'keypoints, skipped); {self.settings()}', logger=logger)
        if any(r['category'] is not None for r in results):
            self._log_table(results)
        return {
            f'PCK@{a:g}': float(v)
            for a, v in zip(self.alphas, self._pck(results))
        }
