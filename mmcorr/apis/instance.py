# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS inference: the masks of clicked points and the panoptic result
of an image."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch

from mmcorr.structures import MultiViewDataSample, ViewDataSample
from .inference import ImageLike, check_task, read_input_image

__all__ = ['segment_instances']



def segment_instances(model: torch.nn.Module, image: ImageLike,
                      points: Optional[Sequence[Sequence[float]]] = None,
                      **test_cfg) -> Dict[str, np.ndarray]:
    """Run an :class:`~mmcorr.models.AdaptISSegmentor` on one image.

    Args:
        model: From :func:`mmcorr.apis.init_model`.
        image: A BGR uint8 image or its path.
        points: ``(x, y)`` clicks in pixels; each gets the mask of the
            object under it. ``None`` or empty: panoptic result only.
        **test_cfg: Overrides of ``model.test_cfg`` (``sampler``,
            ``use_flip``, thresholds...).

    Returns:
        dict: ``instance_ids`` ``(H, W)`` int64 (0 none), ``labels`` and
        ``scores`` (per instance), ``semantic`` ``(H, W)``, and with points
        ``point_masks`` ``(K, H, W)`` bool (probability > 0.5) and
        ``point_probs`` ``(K, H, W)``.

    Raises:
        ValueError: for a point outside the image, or a bad image.
    """
    check_task(model, 'instances', 'segment_instances')
    _, image = read_input_image(image)
    height, width = image.shape[:2]
    view = ViewDataSample(metainfo=dict(img_shape=(height, width),
                                        ori_shape=(height, width)))
    if points is not None and len(points):
        view.gt_query_points = torch.as_tensor(np.asarray(points, np.float32)
                                               .reshape(-1, 2))
    inputs = torch.from_numpy(image).permute(2, 0, 1)[None]
    data = model.data_preprocessor(
        dict(inputs=[inputs], data_samples=[MultiViewDataSample(views=[view])]),
        False)
    saved = dict(model.test_cfg)
    model.test_cfg.update(test_cfg)
    try:
        with torch.no_grad():
            sample = model(**data, mode='predict')[0]
    finally:
        model.test_cfg = saved
    out = sample.views[0]
    result = dict(
        instance_ids=out.pred_instance_ids.data[0].cpu().numpy(),
        labels=out.pred_instance_labels.cpu().numpy(),
        scores=out.pred_instance_scores.cpu().numpy(),
        semantic=out.pred_sem_seg.data[0].cpu().numpy())
    if 'pred_query_logits' in out:
        probs = out.pred_query_logits.sigmoid().cpu().numpy()
        result.update(point_probs=probs, point_masks=probs > 0.5)
    return result
