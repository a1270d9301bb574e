# Copyright (c) mmcorr contributors. All rights reserved.
"""Inference for dense correspondence models.

.. code-block:: python

    model = init_model('configs/sfnet_corr/'
                       'sfnet-corr_r101_pf-pascal-test-320x320.py', ckpt)
    result = match_images(model, 'cat1.jpg', 'cat2.jpg')
    xy_in_target = result.transfer_points([[120.0, 85.5]])  # (1, 2) pixels
    tgt_on_src = warp_image(result, cv2.imread('cat2.jpg'),
                            image_of='target')  # in the source's frame

The images go through the config's whole test pipeline; every geometric
step records its pixel mapping (``homography_matrix``), which
:class:`~mmcorr.structures.CorrespondenceResult` undoes exactly, so all
coordinates are pixels of the images given (:mod:`mmcorr.ops.coordinates`).
"""
import torch

from mmcorr.structures import CorrespondenceResult
from mmcorr.structures.correspondence_result import warp_image
from .inference import ImageLike

__all__ = ['match_images', 'warp_image']



def match_images(model: torch.nn.Module, source: ImageLike,
                 target: ImageLike) -> CorrespondenceResult:
    """Match two images with a correspondence model (a thin wrapper of
    :class:`~mmcorr.apis.inferencers.CorrespondenceInferencer`).

    Args:
        model (nn.Module): From :func:`mmcorr.apis.init_model`, with
            ``model.cfg`` (its test pipeline is applied).
        source (str | np.ndarray): Source image path, or ``(H, W, 3)``
            uint8 BGR array.
        target (str | np.ndarray): Target image, the same.

    Returns:
        CorrespondenceResult: Grids on the CPU plus each image's recorded
        mapping to the network input.

    Raises:
        FileNotFoundError / ValueError / TypeError: missing or unreadable
            files, wrong arrays; ``KeyError`` if the model predicts no grids
            or a view's pipeline records no mapping.
    """
    from .inferencers import CorrespondenceInferencer
    inferencer = CorrespondenceInferencer.from_model(
        model, caller='match_images')
    out = inferencer([(source, target)])
    return out['predictions'][0]['correspondence']
