# Copyright (c) mmcorr contributors. All rights reserved.
"""Independent, loop-based references for the ops tests."""
import math

import torch


def bilinear(image, x, y):
    """Sample ``image`` [C, H, W] at pixel position (x, y), zeros outside."""
    _, height, width = image.shape
    x0, y0 = math.floor(x), math.floor(y)
    value = torch.zeros(image.shape[0], dtype=image.dtype)
    for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
        for xx, wx in ((x0, 1 - (x - x0)), (x0 + 1, x - x0)):
            if 0 <= yy < height and 0 <= xx < width:
                value = value + wy * wx * image[:, yy, xx]
    return value
