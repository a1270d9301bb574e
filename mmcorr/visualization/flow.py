# Copyright (c) mmcorr contributors. All rights reserved.
"""Flow fields as pictures: colour wheel (mmcv's) and arrows."""
from contextlib import contextmanager
from typing import Iterator, List, Tuple

import cv2
import mmcv
import numpy as np
import torch.nn as nn
from torch import Tensor


def flow_to_color(flow: np.ndarray) -> np.ndarray:
    """``(H, W, 2)`` flow (x, y) -> ``(H, W, 3)`` uint8 RGB colour wheel.

    Hue is the direction, saturation the magnitude relative to the largest
    one (mmcv's Middlebury-style ``flow2rgb``).
    """
    return (mmcv.flow2rgb(flow.astype(np.float32)) * 255).round().astype(
        np.uint8)


def draw_flow_arrows(image: np.ndarray, flow: np.ndarray, step: int = 8,
                     scale: float = 1.0,
                     color=(255, 255, 255)) -> np.ndarray:
    """Arrows of ``flow`` every ``step`` pixels on a copy of ``image``.

    Args:
        image (np.ndarray): ``(H, W, 3)`` uint8.
        flow (np.ndarray): ``(H, W, 2)`` in pixels of ``image``.
        step (int): Arrow spacing in pixels.
        scale (float): Arrow length per flow pixel.
    """
    if image.shape[:2] != flow.shape[:2]:
        raise ValueError(f'image {image.shape[:2]} and flow '
                         f'{flow.shape[:2]} differ in size')
    canvas = np.ascontiguousarray(image.copy())
    for y in range(step // 2, flow.shape[0], step):
        for x in range(step // 2, flow.shape[1], step):
            dx, dy = flow[y, x] * scale
            end = (int(round(x + dx)), int(round(y + dy)))
            cv2.arrowedLine(canvas, (x, y), end, color, 1, cv2.LINE_AA,
                            tipLength=0.3)
    return canvas


@contextmanager
def capture_alignment_flows(
        model: nn.Module
) -> Iterator[List[Tuple[nn.Module, Tensor, Tuple[int, int]]]]:
    """Collect the flow of every alignment module run inside the block.

    Any submodule with a ``predict_flow(low, high)`` method (SFNet's FAMs)
    is hooked; each call appends ``(module, flow, high_size)``: the
    ``[B, 2k, H, W]`` flow in the module's grid convention and the
    ``(h, w)`` of the map it samples (what
    :func:`mmcorr.ops.coordinates.flow_to_pixels` needs).
    """
    flows: List[Tuple[nn.Module, Tensor, Tuple[int, int]]] = []
    handles = []
    for module in model.modules():
        if hasattr(module, 'predict_flow'):
            handles.append(module.register_forward_hook(
                lambda m, args, out: flows.append(
                    (m, m.predict_flow(*args).detach(),
                     tuple(args[1].shape[-2:])))))
    try:
        yield flows
    finally:
        for handle in handles:
            handle.remove()
