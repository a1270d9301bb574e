# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' toy instance-segmentation data, generated to the published
spec (the authors never released their generator: saic-vul/adaptis#12).

ToyV2 (default): ``128 x 128`` RGB images of 12-52 heavily overlapping
objects (curved worm-like strokes and blobs), semi-transparent blue on a
cloudy light-blue background, slightly blurred. ToyV1-like
(``style='v1'``): ``96 x 96`` red capsules / rods with blue outlines on a
noisy white background. Objects are painted in order, later ones on top;
the instance ids follow that order (``1..n`` over the objects that stay
visible), each pixel belonging to the topmost object.

Files, in the official layout (``adaptis/data/toy.py`` globs
``<root>/<split>/**/*rgb.png``)::

    <root>/<split>/{index:05d}_{n}_rgb.png   RGB
    <root>/<split>/{index:05d}_{n}_im.png    16-bit instance ids, 0 = none

``n`` is the number of instances. Image ``i`` of split ``s`` uses
``numpy.random.default_rng((seed, s, i))``: any image can be regenerated
alone. This reproduces the task, not the official images: numbers on it
are reported apart from the official ToyV2's.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

__all__ = ['generate_toy_instances', 'render_toy_image', 'TOY_STYLES']

FORMAT_VERSION = 1
SPLIT_IDS = {'train': 0, 'val': 1, 'test': 2}
#: Image size, object count range and look of each style.
TOY_STYLES = {
    'v2': dict(size=128, objects=(12, 52)),
    'v1': dict(size=96, objects=(4, 12)),
}


def _cloudy(rng: np.random.Generator, size: int, base, spread: float
            ) -> np.ndarray:
    """A smooth random background ``(size, size, 3)`` float32 in [0, 1]."""
    coarse = rng.random((6, 6, 1)).astype(np.float32)
    noise = cv2.resize(coarse, (size, size),
                       interpolation=cv2.INTER_CUBIC)[..., None]
    return np.clip(np.asarray(base, np.float32) + spread * (noise - 0.5),
                   0, 1)


def _worm(rng: np.random.Generator, size: int) -> np.ndarray:
    """A thick quadratic Bezier stroke, ``(size, size)`` bool."""
    ctrl = rng.uniform(-0.1, 1.1, (3, 2)) * size
    t = np.linspace(0, 1, 24)[:, None]
    curve = (1 - t)**2 * ctrl[0] + 2 * (1 - t) * t * ctrl[1] + t**2 * ctrl[2]
    mask = np.zeros((size, size), np.uint8)
    thickness = int(rng.integers(3, 8))
    cv2.polylines(mask, [np.round(curve).astype(np.int32)], False, 1,
                  thickness)
    return mask.astype(bool)


def _blob(rng: np.random.Generator, size: int) -> np.ndarray:
    """A filled ellipse, ``(size, size)`` bool."""
    mask = np.zeros((size, size), np.uint8)
    centre = tuple(int(v) for v in rng.uniform(0, size, 2))
    axes = tuple(int(v) for v in rng.uniform(0.04, 0.12, 2) * size)
    cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1,
                -1)
    return mask.astype(bool)


def _capsule(rng: np.random.Generator, size: int) -> np.ndarray:
    """A rod with round ends (ToyV1), ``(size, size)`` bool."""
    mask = np.zeros((size, size), np.uint8)
    centre = rng.uniform(0.15, 0.85, 2) * size
    angle = rng.uniform(0, np.pi)
    half = rng.uniform(0.08, 0.2) * size
    step = half * np.array([np.cos(angle), np.sin(angle)])
    ends = np.round([centre - step, centre + step]).astype(np.int32)
    cv2.line(mask, tuple(ends[0]), tuple(ends[1]), 1,
             int(rng.integers(7, 13)))
    return mask.astype(bool)


def _outline(mask: np.ndarray) -> np.ndarray:
    kernel = np.ones((3, 3), np.uint8)
    return mask & ~cv2.erode(mask.astype(np.uint8), kernel).astype(bool)


def render_toy_image(rng: np.random.Generator, style: str = 'v2',
                     size: Optional[int] = None,
                     objects: Optional[Tuple[int, int]] = None
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """One image and its instance ids.

    Args:
        rng: The image's generator.
        style (str): ``'v2'`` or ``'v1'`` (:data:`TOY_STYLES`).
        size (int, optional): Side in pixels (style default).
        objects (tuple, optional): ``(min, max)`` objects painted.

    Returns:
        tuple: RGB ``(size, size, 3)`` uint8 and ids ``(size, size)``
        uint16 (``1..n`` in painter's order over the visible objects).
    """
    spec = TOY_STYLES[style]
    size = size or spec['size']
    low, high = objects or spec['objects']
    count = int(rng.integers(low, high + 1))
    if style == 'v2':
        image = _cloudy(rng, size, (0.72, 0.84, 0.95), 0.25)
    else:
        image = np.clip(0.95 + 0.04 * rng.standard_normal((size, size, 1)),
                        0, 1).repeat(3, axis=2).astype(np.float32)
    owner = np.zeros((size, size), np.int32)
    for k in range(1, count + 1):
        if style == 'v2':
            mask = _worm(rng, size) if rng.random() < 0.6 else \
                _blob(rng, size)
            colour = np.array([0.1, 0.25, 0.75]) + rng.uniform(-0.1, 0.1, 3)
            alpha = rng.uniform(0.55, 0.8)
        else:
            mask = _capsule(rng, size)
            colour = np.array([0.85, 0.15, 0.15]) + rng.uniform(-0.1, 0.1, 3)
            alpha = 1.0
        if not mask.any():
            continue
        image[mask] = (1 - alpha) * image[mask] + alpha * np.clip(colour, 0,
                                                                  1)
        edge = _outline(mask)
        image[edge] = 0.6 * image[edge] + 0.4 * np.array(
            [0.05, 0.1, 0.45] if style == 'v2' else [0.1, 0.2, 0.9])
        owner[mask] = k
    image = cv2.GaussianBlur(image, (3, 3), 0.6)
    visible = np.unique(owner[owner > 0])
    relabel = np.zeros(count + 1, np.uint16)
    relabel[visible] = np.arange(1, len(visible) + 1)
    rgb = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
    return rgb, relabel[owner]


def generate_toy_instances(root: str,
                           splits: Optional[Dict[str, int]] = None,
                           style: str = 'v2',
                           size: Optional[int] = None,
                           objects: Optional[Tuple[int, int]] = None,
                           seed: int = 0,
                           overwrite: bool = False) -> Dict:
    """Write the toy data set (skipped when an identical one is there).

    Args:
        root (str): Output folder.
        splits (dict): Images per split (official ToyV2: ``train`` 25000,
            ``val`` 1000, ``test`` 1000; the default here is a CPU-sized
            ``2000 / 100 / 100``).
        style, size, objects: See :func:`render_toy_image`.
        seed (int): Base seed.
        overwrite (bool): Regenerate even when the stored parameters match.

    Returns:
        dict: The parameters written to ``<root>/toy_instances.json``.
    """
    splits = dict(splits or {'train': 2000, 'val': 100, 'test': 100})
    unknown = set(splits) - set(SPLIT_IDS)
    if unknown:
        raise ValueError(f'unknown splits {sorted(unknown)}; use '
                         f'{sorted(SPLIT_IDS)}')
    if style not in TOY_STYLES:
        raise ValueError(f'style must be one of {sorted(TOY_STYLES)}, got '
                         f'{style!r}')
    params = dict(format=FORMAT_VERSION, splits=splits, style=style,
                  size=size or TOY_STYLES[style]['size'],
                  objects=list(objects or TOY_STYLES[style]['objects']),
                  seed=seed)
    record = osp.join(root, 'toy_instances.json')
    if not overwrite and osp.isfile(record):
        with open(record) as f:
            if json.load(f) == params:
                return params
    for split, count in splits.items():
        folder = osp.join(root, split)
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(('_rgb.png', '_im.png')):
                os.remove(osp.join(folder, name))
        for index in range(count):
            rng = np.random.default_rng((seed, SPLIT_IDS[split], index))
            rgb, ids = render_toy_image(rng, style, params['size'],
                                        tuple(params['objects']))
            stem = osp.join(folder, f'{index:05d}_{int(ids.max())}')
            cv2.imwrite(stem + '_rgb.png', rgb[..., ::-1])
            cv2.imwrite(stem + '_im.png', ids)
    with open(record, 'w') as f:
        json.dump(params, f, indent=1)
    return params
