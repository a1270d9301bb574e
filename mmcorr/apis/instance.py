# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS inference: the masks of clicked points and the panoptic result
of an image (a thin wrapper of
:class:`~mmcorr.apis.inferencers.PointInstanceInferencer`)."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch

from .inference import ImageLike

__all__ = ['segment_instances']


def segment_instances(model: torch.nn.Module, image: ImageLike,
                      points: Optional[Sequence[Sequence[float]]] = None,
                      **test_cfg) -> Dict[str, np.ndarray]:
    """Run an :class:`~mmcorr.models.AdaptISSegmentor` on one image.

    The image goes through the config's test pipeline (its ground-truth
    loaders left out) and ``model.test_step``; the results come back in
    the image's pixels.

    Args:
        model: From :func:`mmcorr.apis.init_model`.
        image: A BGR uint8 image or its path.
        points: ``(x, y)`` clicks in pixels; each gets the mask of the
            object under it. ``None`` or empty: panoptic result only.
        **test_cfg: Overrides of ``model.test_cfg`` (``sampler``,
            ``use_flip``, ``crop_size``, thresholds...).

    Returns:
        dict: ``instance_ids`` ``(H, W)`` int64 (0 none), ``labels`` and
        ``scores`` (per instance), ``semantic`` ``(H, W)``, and with points
        ``points``, ``point_masks`` ``(K, H, W)`` bool (probability > 0.5)
        and ``point_probs`` ``(K, H, W)``.

    Raises:
        ValueError: for a point outside the image, or a bad image.
    """
    from .inferencers import PointInstanceInferencer
    inferencer = PointInstanceInferencer.from_model(
        model, caller='segment_instances')
    saved = dict(model.test_cfg)
    model.test_cfg.update(test_cfg)
    try:
        out = inferencer([image], points=[points] if points is not None
                         else None)
    finally:
        model.test_cfg = saved
    return out['predictions'][0]
