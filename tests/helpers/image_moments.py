# Copyright (c) mmcorr contributors. All rights reserved.
"""Where an image's mass is: references for the geometry tests."""
import numpy as np


def centroid(image) -> np.ndarray:
    """Intensity-weighted centre ``(x, y)`` of the first channel."""
    weights = np.asarray(image, np.float64)
    weights = weights[..., 0] if weights.ndim == 3 else weights
    ys, xs = np.mgrid[:weights.shape[0], :weights.shape[1]]
    return np.array([(weights * xs).sum(), (weights * ys).sum()]) / \
        weights.sum()
