# Copyright (c) mmcorr contributors. All rights reserved.
"""Boundary IoU (Cheng et al., CVPR 2021) for semantic segmentation."""
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from prettytable import PrettyTable

from mmcorr.registry import METRICS


def mask_boundary(mask: np.ndarray, width: int) -> np.ndarray:
    """Pixels of ``mask`` within ``width`` px (chessboard) of its outside.

    The image border counts as outside, as in the Boundary IoU reference
    code.

    Args:
        mask (np.ndarray): ``(H, W)`` bool.
        width (int): Boundary width in pixels, >= 1.

    Returns:
        np.ndarray: ``(H, W)`` bool.
    """
    padded = np.pad(mask.astype(np.uint8), 1)
    eroded = cv2.erode(padded, np.ones((3, 3), np.uint8),
                       iterations=width)[1:-1, 1:-1]
    return mask & ~eroded.astype(bool)


def _label_map(data, name: str) -> np.ndarray:
    """``(1, H, W)`` or ``(H, W)`` tensor -> ``(H, W)`` array.

    Only the channel axis is dropped, so 1-pixel-high or -wide maps keep
    both spatial axes (``squeeze()`` would drop them too).
    """
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(f'{name} must be (1, H, W) or (H, W), got '
                         f'{tuple(data.shape)}')
    return data.cpu().numpy()


@METRICS.register_module()
class BoundaryIoUMetric(BaseMetric):
    """Per-class Boundary IoU and its mean (``mBIoU``), in percent.

    For each class, the boundary band (``dilation_ratio`` of the image
    diagonal) of the ground-truth and of the predicted masks are compared:
    ``|Gb & Pb| / |Gb | Pb|``, with intersections and unions summed over the
    dataset. Pixels labelled ``ignore_index`` count in neither. Unlike mIoU
    it weighs thin structures and outlines, where alignment matters.

    Args:
        dilation_ratio (float): Band width as a fraction of the diagonal.
        ignore_index (int): Label to ignore.
    """
    default_prefix: Optional[str] = None

    def __init__(self, dilation_ratio: float = 0.02, ignore_index: int = 255,
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.dilation_ratio = dilation_ratio
        self.ignore_index = ignore_index

    def _band_width(self, shape) -> int:
        diagonal = float(np.hypot(*shape))
        return max(1, int(round(self.dilation_ratio * diagonal)))

    def image_counts(self, pred: np.ndarray, label: np.ndarray,
                     num_classes: int):
        """Boundary intersections and unions per class of one image."""
        valid = label != self.ignore_index
        width = self._band_width(label.shape)
        inter = np.zeros(num_classes, np.int64)
        union = np.zeros(num_classes, np.int64)
        for cls in range(num_classes):
            gt = mask_boundary(label == cls, width) & valid
            pr = mask_boundary(pred == cls, width) & valid
            inter[cls] = np.count_nonzero(gt & pr)
            union[cls] = np.count_nonzero(gt | pr)
        return inter, union

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = _label_map(sample['pred_sem_seg']['data'], 'prediction')
            label = _label_map(sample['gt_sem_seg']['data'], 'label')
            if pred.shape != label.shape:
                raise ValueError(f'prediction {pred.shape} and label '
                                 f'{label.shape} differ in size')
            self.results.append(self.image_counts(pred, label, num_classes))

    def compute_metrics(self, results: List) -> Dict[str, float]:
        inter = np.sum([r[0] for r in results], axis=0)
        union = np.sum([r[1] for r in results], axis=0)
        with np.errstate(invalid='ignore', divide='ignore'):
            biou = inter / union * 100
        table = PrettyTable(['Class', 'Boundary IoU'])
        for name, value in zip(self.dataset_meta['classes'], biou):
            table.add_row([name, f'{value:.2f}'])
        print_log('per class boundary IoU:\n' + table.get_string(),
                  logger=MMLogger.get_current_instance())
        return {'mBIoU': float(np.round(np.nanmean(biou), 2))}
