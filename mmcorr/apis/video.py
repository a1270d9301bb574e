# Copyright (c) mmcorr contributors. All rights reserved.
"""Inference for video object segmentation by mask propagation.

.. code-block:: python

    model = init_model('configs/mast/mast_r18_davis2017-val-480p.py', ckpt)
    masks = propagate_masks(model, 'clip.mp4', 'first_mask.png')
    # masks[t]: (H, W) uint8 object ids of frame t (masks[0] = first_mask)

``frames`` is a video file, a folder of frames (sorted by name) or a
sequence of file paths or ``(H, W, 3)`` uint8 BGR arrays of one size
(e.g. read with :func:`read_video`); the first mask is an id map (0
background, 1..K objects, 255 void) or an indexed PNG. A thin wrapper of
:class:`~mmcorr.apis.inferencers.VideoPropagationInferencer`: the clip
goes through the config's test pipeline and ``model.test_step``.
"""
import os
from typing import List, Sequence, Union

import numpy as np
import torch

from .inference import ImageLike
from .inferencers.video import read_video

__all__ = ['propagate_masks', 'read_video']


def propagate_masks(model: torch.nn.Module,
                    frames: Union[str, os.PathLike, Sequence[ImageLike]],
                    first_mask: Union[ImageLike, np.ndarray]
                    ) -> List[np.ndarray]:
    """Propagate ``first_mask`` through ``frames`` with a video model
    (:class:`~mmcorr.models.MASTVideoSegmentor` or a baseline).

    Returns:
        list[np.ndarray]: One ``(H, W)`` uint8 id map per frame.

    Raises:
        ValueError: fewer than 2 frames, frames of different sizes or not
            BGR uint8, a mask of another size than the frames or not an id
            map.
    """
    from .inferencers import VideoPropagationInferencer
    inferencer = VideoPropagationInferencer.from_model(
        model, caller='propagate_masks')
    clip = frames if isinstance(frames, (str, os.PathLike)) else \
        [list(frames)]
    out = inferencer(clip, first_mask=first_mask)
    return out['predictions'][0]['masks']
