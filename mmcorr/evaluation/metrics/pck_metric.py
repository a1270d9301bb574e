# Copyright (c) mmcorr contributors. All rights reserved.
"""PCK (percentage of correct keypoints) for semantic correspondence."""
from collections import defaultdict
from numbers import Number
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmengine.structures import BaseDataElement
from prettytable import PrettyTable

from mmcorr.registry import METRICS

THRESHOLDS = ('image', 'bbox', 'keypoints')
SIDES = {'source': 'src', 'target': 'tgt'}
AVERAGES = ('pair', 'keypoint')
TRANSFERS = ('t2s', 's2t')


def crop_and_rescale_grid(grid: torch.Tensor, crop: int,
                          rescale: Union[float, Tuple[float, float]]
                          ) -> torch.Tensor:
    """Drop ``crop`` cells at every border of ``grid`` ``[Hf, Wf, 2]`` and
    multiply its x and y by ``rescale`` (a float or ``(sx, sy)``)."""
    if crop:
        if min(grid.shape[:2]) <= 2 * crop:
            raise ValueError(f'grid_crop={crop} leaves nothing of a '
                             f'{tuple(grid.shape[:2])} grid')
        grid = grid[crop:-crop, crop:-crop]
    scale = torch.as_tensor(rescale, dtype=grid.dtype).reshape(-1)
    return grid * scale if not torch.all(scale == 1) else grid


def transfer_keypoints(grid: torch.Tensor, points: torch.Tensor,
                       grid_image_size: Tuple[int, int],
                       other_image_size: Tuple[int, int]) -> torch.Tensor:
    """Move keypoints of image A to image B with A's grid (SFNet's way).

    ``grid`` ``[Hf, Wf, 2]`` (A's cells -> B, normalised, x first,
    ``align_corners=True`` meaning) is upsampled bilinearly with
    ``align_corners=True`` to A's size ``grid_image_size`` ``(H, W)``,
    read at each point rounded to the nearest pixel (half to even, as
    ``np.round``; clamped into the image, where SFNet only moves ``x == W``
    to ``W - 1``), and mapped to B's pixels with
    ``(g + 1) * (size_B - 1) / 2``.

    Args:
        grid (Tensor): ``[Hf, Wf, 2]``.
        points (Tensor): ``[K, 2]`` ``(x, y)`` pixels of A.
        grid_image_size (tuple): ``(H, W)`` of A.
        other_image_size (tuple): ``(H, W)`` of B.

    Returns:
        Tensor: ``[K, 2]`` float64 ``(x, y)`` pixels of B.
    """
    height, width = (int(v) for v in grid_image_size)
    dense = F.interpolate(grid.permute(2, 0, 1)[None], size=(height, width),
                          mode='bilinear', align_corners=True)[0]
    px = torch.round(points[:, 0]).long().clamp(0, width - 1)
    py = torch.round(points[:, 1]).long().clamp(0, height - 1)
    values = dense[:, py, px].t().double()  # [K, 2]
    extent = torch.tensor([other_image_size[1] - 1, other_image_size[0] - 1],
                          dtype=torch.float64)
    return (values + 1) * extent / 2


def keypoint_extent(points: torch.Tensor) -> float:
    """``max(x_max - x_min, y_max - y_min)`` of ``[K, 2]`` points."""
    if len(points) == 0:
        return float('nan')
    return float((points.max(0).values - points.min(0).values).max())


def _as_dict(sample) -> dict:
    if isinstance(sample, BaseDataElement):
        return sample.to_dict()
    return sample


def _tensor(value, dtype=torch.float64) -> torch.Tensor:
    return torch.as_tensor(value).detach().cpu().to(dtype)


@METRICS.register_module()
class PCKMetric(BaseMetric):
    """PCK@alpha of keypoints transferred with a predicted dense grid.

    For each valid keypoint pair, the query keypoint (target's for
    ``transfer='t2s'``) is moved into the other image with the predicted
    grid (see :func:`transfer_keypoints`); it is correct when its distance
    to the ground-truth keypoint is ``<= alpha * L``. Reports ``PCK@<alpha>``
    in percent and, when samples carry a ``category``, logs a per-category
    table (with the settings).

    Official protocols (SFNet, 20x20 features at a 320 input):

    - PF-PASCAL, ``eval_pascal.py`` default (alpha_img): resize to 288, pad
      16 -> ``grid_crop=1, grid_rescale=10 / 9, threshold='image',
      eval_size=(288, 288)``.
    - PF-PASCAL bounding box (training-time validation):
      ``threshold='bbox', threshold_of='source'`` with the ``bbox_*`` csvs.
    - PF-WILLOW (``eval_willow.py``): ``threshold='keypoints',
      threshold_of='source'`` (the extent of the source keypoints).

    All average per pair (``average='pair'``).

    Args:
        alphas (Sequence[float]): PCK thresholds, relative to ``L``.
        threshold (str): What ``L`` is the ``max(h, w)`` of: ``'image'`` (the
            image), ``'bbox'`` (the object box: ``gt_*_bbox`` ``[4]`` or
            else the published length ``gt_*_bbox_size``) or
            ``'keypoints'`` (the extent of the valid keypoints).
        threshold_of (str): ``'source'`` or ``'target'`` image for ``L``.
        average (str): ``'pair'``: PCK of each pair, then the mean over pairs
            (the official protocol; pairs without valid keypoints are
            skipped); ``'keypoint'``: pooled over all keypoints.
        transfer (str): ``'t2s'``: target keypoints go to the source with
            ``pred_grid_t2s`` (official); ``'s2t'``: source keypoints go to
            the target with ``pred_grid_s2t``.
        grid_crop (int): Cells dropped at every border of the grid first.
        grid_rescale (float | tuple[float, float]): Factor for the grid's
            (x, y) after cropping (SFNet: ``(Wf//2) / (Wf//2 - 1)`` = 10/9).
        eval_size (tuple[int, int], optional): ``(H, W)``. ``None``:
            evaluate at the original image sizes. Else both images'
            keypoints, sizes and boxes are rescaled to this size first
            (SFNet's ``eval_type='image_size'`` uses ``(288, 288)``).
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
                 grid_crop: int = 0,
                 grid_rescale: Union[float, Tuple[float, float]] = 1.0,
                 eval_size: Optional[Tuple[int, int]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self._check_choice('threshold', threshold, THRESHOLDS)
        self._check_choice('threshold_of', threshold_of, tuple(SIDES))
        self._check_choice('average', average, AVERAGES)
        self._check_choice('transfer', transfer, TRANSFERS)
        if isinstance(alphas, Number):
            alphas = (alphas, )
        if not alphas or any(a <= 0 for a in alphas):
            raise ValueError(f'alphas must be > 0, got {alphas}')
        if int(grid_crop) != grid_crop or grid_crop < 0:
            raise ValueError(f'grid_crop must be an int >= 0, got {grid_crop}')
        if eval_size is not None and (len(eval_size) != 2
                                      or min(eval_size) < 2):
            raise ValueError(f'eval_size must be (H, W), got {eval_size}')
        self.alphas = tuple(float(a) for a in alphas)
        self.threshold = threshold
        self.threshold_of = threshold_of
        self.average = average
        self.transfer = transfer
        self.grid_crop = int(grid_crop)
        self.grid_rescale = grid_rescale
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
                f'grid_crop={self.grid_crop}, '
                f'grid_rescale={self.grid_rescale}, '
                f'eval_size={self.eval_size}')

    # ----------------------------------------------------------- per pair
    @staticmethod
    def _get(sample: dict, key: str, why: str):
        if sample.get(key) is None:
            raise KeyError(f'PCKMetric needs `{key}` in each data sample '
                           f'({why}); got keys {sorted(sample)}')
        return sample[key]

    def _frames(self, sample: dict) -> Dict[str, dict]:
        """Per side: keypoints, size and the x/y factor to the eval frame."""
        frames = {}
        for side in ('src', 'tgt'):
            shape = tuple(
                int(v) for v in self._get(sample, f'{side}_ori_shape',
                                          'original (H, W) of the file'))
            points = _tensor(self._get(sample, f'gt_{side}_keypoints',
                                       'ground truth'))
            factor = torch.ones(2, dtype=torch.float64)
            if self.eval_size is not None:
                factor = torch.tensor([self.eval_size[1] / shape[1],
                                       self.eval_size[0] / shape[0]],
                                      dtype=torch.float64)
                shape = self.eval_size
            frames[side] = dict(points=points * factor, size=shape,
                                factor=factor)
        return frames

    def _valid(self, sample: dict, frames: dict) -> torch.Tensor:
        src, tgt = frames['src']['points'], frames['tgt']['points']
        if src.shape != tgt.shape:
            raise ValueError(f'gt_src_keypoints {tuple(src.shape)} and '
                             f'gt_tgt_keypoints {tuple(tgt.shape)} differ')
        valid = sample.get('gt_keypoint_valid')
        if valid is None:
            raw_src = _tensor(sample['gt_src_keypoints'])
            raw_tgt = _tensor(sample['gt_tgt_keypoints'])
            valid = ~((raw_src == -1).any(1) | (raw_tgt == -1).any(1))
        valid = torch.as_tensor(valid).cpu().bool().reshape(-1)
        if len(valid) != len(src):
            raise ValueError(f'gt_keypoint_valid has {len(valid)} entries '
                             f'for {len(src)} keypoints')
        return valid & torch.isfinite(src).all(1) & torch.isfinite(tgt).all(1)

    def _threshold_length(self, sample: dict, frames: dict,
                          valid: torch.Tensor) -> float:
        side = SIDES[self.threshold_of]
        frame = frames[side]
        if self.threshold == 'image':
            return float(max(frame['size']))
        if self.threshold == 'keypoints':
            return keypoint_extent(frame['points'][valid])
        if sample.get(f'gt_{side}_bbox') is not None:
            box = _tensor(sample[f'gt_{side}_bbox']).reshape(2, 2)
            return float(((box[1] - box[0]) * frame['factor']).max())
        if sample.get(f'gt_{side}_bbox_size') is not None:
            if self.eval_size is not None:
                raise ValueError('a bounding-box size (gt_*_bbox_size) cannot '
                                 'be rescaled to eval_size; use eval_size='
                                 'None or boxes (gt_*_bbox)')
            return float(sample[f'gt_{side}_bbox_size'])
        raise KeyError(
            f"threshold='bbox' needs gt_{side}_bbox or gt_{side}_bbox_size "
            f'in each sample (PF-PASCAL: the bbox_* csvs give the source '
            "size; PF-WILLOW has no boxes: use threshold='keypoints')")

    def _grid(self, sample: dict) -> torch.Tensor:
        key = f'pred_grid_{self.transfer}'
        grid = torch.as_tensor(self._get(sample, key, 'the prediction'))
        grid = grid.detach().cpu()
        if grid.dim() != 3 or grid.shape[-1] != 2:
            raise ValueError(f'{key} must be [Hf, Wf, 2], got '
                             f'{tuple(grid.shape)}')
        grid = grid.float() if not grid.is_floating_point() else grid
        return crop_and_rescale_grid(grid, self.grid_crop, self.grid_rescale)

    def pair_result(self, sample) -> dict:
        """Distances and counts of one pair.

        Returns:
            dict: ``category``, ``num_valid`` (int), ``correct`` (list of
            int, one per alpha), ``distances`` (float64 ``[K_valid]``, eval
            frame pixels) and ``length`` (``L``).
        """
        sample = _as_dict(sample)
        frames = self._frames(sample)
        valid = self._valid(sample, frames)
        query, answer = ('tgt', 'src') if self.transfer == 't2s' else \
            ('src', 'tgt')
        estimate = transfer_keypoints(self._grid(sample),
                                      frames[query]['points'][valid],
                                      frames[query]['size'],
                                      frames[answer]['size'])
        distances = (estimate - frames[answer]['points'][valid]).norm(dim=1)
        length = self._threshold_length(sample, frames, valid)
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
