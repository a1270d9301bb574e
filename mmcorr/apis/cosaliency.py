# Copyright (c) mmcorr contributors. All rights reserved.
"""Inference for co-saliency detection models.

.. code-block:: python

    model = init_model('configs/icnet/'
                       'icnet_vgg16_1xg10-60e_coco9213-224x224.py', ckpt)
    maps = detect_cosaliency(model, ['a.jpg', 'b.jpg', 'c.jpg'],
                             sisms=['a.png', 'b.png', 'c.png'])
    # maps[i]: float32 (H_i, W_i) in [0, 1], image i's original size

    # no single-image saliency maps at hand: let the model make them
    model = init_model(config, ckpt, cfg_options={
        'model.sism_model': dict(type='FrequencyTunedSaliency')})
    maps = detect_cosaliency(model, images)

A thin wrapper of :class:`~mmcorr.apis.inferencers.CoSaliencyInferencer`:
the group goes through the config's test pipeline as ONE multi-view
sample; without ``sisms`` its ``LoadSaliencyMap`` step is left out and the
model's ``sism_model`` makes them. Each prediction is brought back to its
image's size through the recorded mapping (``homography_matrix``).
"""
import os
from typing import List, Optional, Sequence

import numpy as np
import torch

from .inference import ImageLike


def detect_cosaliency(model: torch.nn.Module,
                      images: Sequence[ImageLike],
                      sisms: Optional[Sequence[ImageLike]] = None
                      ) -> List[np.ndarray]:
    """Co-saliency maps of one group of images.

    Args:
        model (nn.Module): A co-saliency model (``ICNetCoSaliency``) from
            :func:`mmcorr.apis.init_model`, with ``model.cfg`` (its test
            pipeline is applied).
        images (list[str | np.ndarray]): The group (one or more images):
            paths, or ``(H, W, 3)`` uint8 BGR arrays.
        sisms (list[str | np.ndarray], optional): A single-image saliency
            map per image, in the same order: paths (read grey), or ``(H,
            W)`` arrays (uint8 ``0..255`` or float ``0..1``) of the image's
            size. ``None``: the model makes them (``model.sism_model``) and
            the pipeline's ``LoadSaliencyMap`` is skipped.

    Returns:
        list[np.ndarray]: Per image, float32 ``(H, W)`` co-saliency in
        ``[0, 1]`` at the image's original size: the prediction at the
        network input resized back (cv2 bilinear).

    Raises:
        ValueError: an empty group, not one SISM per image, a grey /
            4-channel / non-uint8 array, no SISMs and no ``sism_model``, or a
            test pipeline that cannot take the SISMs.
        TypeError / FileNotFoundError: wrong entries, missing files.
        KeyError: a model that predicts no ``pred_saliency``.
    """
    from .inferencers import CoSaliencyInferencer
    inferencer = CoSaliencyInferencer.from_model(
        model, caller='detect_cosaliency')
    if isinstance(images, (str, os.PathLike, np.ndarray)) or not \
            isinstance(images, Sequence):
        raise TypeError('images must be a list of image paths or (H, W, 3) '
                        f'uint8 BGR arrays, got {type(images).__name__}')
    if len(images) == 0:
        raise ValueError('images is empty: a group needs at least one image')
    if sisms is not None and (isinstance(
            sisms, (str, os.PathLike, np.ndarray)) or not isinstance(
                sisms, Sequence)):
        raise TypeError('sisms must be None or a list (one saliency map '
                        f'per image), got {type(sisms).__name__}')
    out = inferencer([list(images)], sisms=sisms)
    return out['predictions'][0]['maps']
