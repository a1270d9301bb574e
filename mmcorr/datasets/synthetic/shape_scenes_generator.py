# Copyright (c) mmcorr contributors. All rights reserved.
"""ShapeScenes: a procedural semantic-segmentation dataset that needs no download.

Each image is a textured background with textured objects of seven classes
drawn over it in random depth order. Classes differ by texture (stripes,
checkerboard, dots, bands, noise) more than by colour, objects span sizes from
a few pixels to half the image, and two classes are thin structures (poles of
2-5 px, wires of 1-2 px) with small specks on top, so that boundary quality
and small-object recall matter. Everything is deterministic from one seed:
sample ``i`` of split ``s`` uses ``numpy.random.default_rng((seed, s, i))``.

The output follows mmseg's standard on-disk layout::

    <root>/img_dir/{train,val}/00000.png   RGB images (uint8)
    <root>/ann_dir/{train,val}/00000.png   label maps (uint8 class indices)
    <root>/shape_scenes.json                generator parameters
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, Tuple

import cv2
import numpy as np

CLASSES = ('background', 'disc', 'box', 'triangle', 'ring', 'pole', 'wire',
           'speck')
PALETTE = [[70, 70, 70], [220, 20, 60], [0, 0, 142], [250, 170, 30],
           [107, 142, 35], [153, 153, 153], [255, 255, 0], [0, 255, 255]]
SPLIT_IDS = {'train': 0, 'val': 1, 'test': 2}
FORMAT_VERSION = 1

# (class index, how many per image (low, high)); drawn in shuffled order.
_OBJECT_COUNTS = {1: (1, 3), 2: (1, 3), 3: (1, 3), 4: (0, 2), 5: (1, 3),
                  6: (1, 4), 7: (3, 10)}


def _grid(h: int, w: int) -> Tuple[np.ndarray, np.ndarray]:
    return np.mgrid[0:h, 0:w].astype(np.float32)


def _colour(rng: np.random.Generator, low: float, high: float) -> np.ndarray:
    return rng.uniform(low, high, size=3).astype(np.float32)


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per-pixel blend of colours ``a``/``b`` by weight ``t`` in [0, 1]."""
    return a * (1 - t[..., None]) + b * t[..., None]


def _rotated(rng, y, x):
    theta = rng.uniform(0, np.pi)
    return x * np.cos(theta) + y * np.sin(theta), -x * np.sin(theta) + \
        y * np.cos(theta)


def _texture_stripes(rng, y, x):
    u, _ = _rotated(rng, y, x)
    t = (np.sin(2 * np.pi * u / rng.uniform(4, 9)) > 0).astype(np.float32)
    return _mix(_colour(rng, 120, 255), _colour(rng, 0, 110), t)


def _texture_checker(rng, y, x):
    u, v = _rotated(rng, y, x)
    cell = rng.uniform(3, 7)
    t = ((np.floor(u / cell) + np.floor(v / cell)) % 2).astype(np.float32)
    return _mix(_colour(rng, 130, 255), _colour(rng, 0, 100), t)


def _texture_dots(rng, y, x):
    u, v = _rotated(rng, y, x)
    period = rng.uniform(4, 7)
    du = (u % period) - period / 2
    dv = (v % period) - period / 2
    t = (du**2 + dv**2 < (period / 3.2)**2).astype(np.float32)
    return _mix(_colour(rng, 60, 200), _colour(rng, 150, 255), t)


def _texture_noise(rng, y, x):
    h, w = y.shape
    noise = rng.uniform(0, 1, size=(h // 2 + 1, w // 2 + 1)).astype(np.float32)
    t = cv2.resize(noise, (w, h), interpolation=cv2.INTER_NEAREST)
    return _mix(_colour(rng, 0, 255), _colour(rng, 0, 255), t)


def _texture_bands(rng, y, x):
    t = (np.sin(2 * np.pi * y / rng.uniform(3, 6)) > 0).astype(np.float32)
    return _mix(_colour(rng, 150, 230), _colour(rng, 20, 90), t)


def _texture_flat(rng, y, x):
    base = _colour(rng, 0, 90)
    return np.broadcast_to(base, y.shape + (3, )) + \
        rng.normal(0, 6, size=y.shape + (3, )).astype(np.float32)


def _texture_bright(rng, y, x):
    base = np.zeros(3, np.float32)
    base[rng.integers(3)] = 255
    base[rng.integers(3)] = rng.uniform(180, 255)
    return np.broadcast_to(base, y.shape + (3, )).copy()


def _texture_background(rng, y, x):
    h, w = y.shape
    coarse = rng.uniform(0, 1, size=(4, 4)).astype(np.float32)
    t = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    t = np.clip(t, 0, 1)
    grain = rng.normal(0, 10, size=(h, w, 3)).astype(np.float32)
    return _mix(_colour(rng, 40, 140), _colour(rng, 100, 200), t) + grain


_TEXTURES = {0: _texture_background, 1: _texture_stripes, 2: _texture_checker,
             3: _texture_dots, 4: _texture_noise, 5: _texture_bands,
             6: _texture_flat, 7: _texture_bright}


def _polygon_mask(h, w, points) -> np.ndarray:
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def _size(rng, h: int, w: int) -> float:
    """Object radius on a log scale between 3 px and a quarter of the image."""
    return float(np.exp(rng.uniform(np.log(3), np.log(min(h, w) / 4))))


def _draw_disc(rng, h, w):
    mask = np.zeros((h, w), np.uint8)
    r = _size(rng, h, w)
    axes = (max(1, int(r)), max(1, int(r * rng.uniform(0.6, 1.0))))
    centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
    cv2.ellipse(mask, centre, axes, rng.uniform(0, 180), 0, 360, 1, -1)
    return mask.astype(bool)


def _draw_box(rng, h, w):
    r = _size(rng, h, w)
    half = np.array([r, r * rng.uniform(0.4, 1.0)])
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    theta = rng.uniform(0, np.pi / 2)
    rot = np.array([[np.cos(theta), -np.sin(theta)],
                    [np.sin(theta), np.cos(theta)]])
    centre = rng.uniform([0, 0], [w, h])
    return _polygon_mask(h, w, corners @ rot.T + centre)


def _draw_triangle(rng, h, w):
    r = _size(rng, h, w)
    angles = rng.uniform(0, 2 * np.pi) + np.array([0, 2, 4]) * np.pi / 3 + \
        rng.uniform(-0.4, 0.4, size=3)
    centre = rng.uniform([0, 0], [w, h])
    pts = centre + r * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return _polygon_mask(h, w, pts)


def _draw_ring(rng, h, w):
    mask = np.zeros((h, w), np.uint8)
    r = max(6.0, _size(rng, h, w))
    thickness = int(rng.integers(2, 5))
    centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
    cv2.circle(mask, centre, int(r), 1, thickness)
    return mask.astype(bool)


def _draw_pole(rng, h, w):
    mask = np.zeros((h, w), np.uint8)
    x = rng.uniform(0, w)
    top, bottom = rng.uniform(0, h * 0.4), rng.uniform(h * 0.6, h)
    lean = rng.uniform(-0.15, 0.15) * (bottom - top)
    width = int(rng.integers(2, 6))
    cv2.line(mask, (int(x), int(top)), (int(x + lean), int(bottom)), 1, width)
    return mask.astype(bool)


def _draw_wire(rng, h, w):
    mask = np.zeros((h, w), np.uint8)
    n = int(rng.integers(3, 6))
    start = rng.uniform([0, 0], [w, h])
    steps = rng.normal(0, 1, size=(n, 2)) * [w / 4, h / 4]
    points = np.round(start + np.cumsum(steps, axis=0)).astype(np.int32)
    cv2.polylines(mask, [points], False, 1, int(rng.integers(1, 3)))
    return mask.astype(bool)


def _draw_speck(rng, h, w):
    mask = np.zeros((h, w), np.uint8)
    centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
    cv2.circle(mask, centre, int(rng.integers(1, 4)), 1, -1)
    return mask.astype(bool)


_SHAPES = {1: _draw_disc, 2: _draw_box, 3: _draw_triangle, 4: _draw_ring,
           5: _draw_pole, 6: _draw_wire, 7: _draw_speck}


def render_scene(rng: np.random.Generator, height: int,
                 width: int) -> Tuple[np.ndarray, np.ndarray]:
    """Render one scene.

    Returns:
        tuple: ``image`` (H, W, 3) uint8 RGB and ``label`` (H, W) uint8 with
        values in ``[0, len(CLASSES))``.
    """
    y, x = _grid(height, width)
    image = _TEXTURES[0](rng, y, x)
    label = np.zeros((height, width), np.uint8)
    objects = [cls for cls, (lo, hi) in _OBJECT_COUNTS.items()
               for _ in range(int(rng.integers(lo, hi + 1)))]
    objects = [objects[i] for i in rng.permutation(len(objects))]
    # thin structures and specks mostly lie on top of the larger shapes
    on_top = [cls >= 5 and rng.uniform() < 0.7 for cls in objects]
    objects = [c for c, top in zip(objects, on_top) if not top] + \
        [c for c, top in zip(objects, on_top) if top]
    for cls in objects:
        mask = _SHAPES[cls](rng, height, width)
        texture = _TEXTURES[cls](rng, y, x)
        image[mask] = texture[mask]
        label[mask] = cls
    image = cv2.GaussianBlur(image, (3, 3), 0.6)
    image += rng.normal(0, 4, size=image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8), label


def generate_shape_scenes(root: str,
                          num_train: int = 300,
                          num_val: int = 60,
                          height: int = 128,
                          width: int = 128,
                          seed: int = 0,
                          force: bool = False) -> Dict:
    """Write ShapeScenes to ``root`` in mmseg's layout; skip if already there.

    Args:
        root (str): Output folder.
        num_train (int): Images in the ``train`` split.
        num_val (int): Images in the ``val`` split.
        height (int): Image height in pixels.
        width (int): Image width in pixels.
        seed (int): Seed; the same seed gives byte-identical files.
        force (bool): Regenerate even if ``root`` holds the same parameters.

    Returns:
        dict: The parameters written to ``<root>/shape_scenes.json``.
    """
    params = dict(num_train=num_train, num_val=num_val, height=height,
                  width=width, seed=seed, version=FORMAT_VERSION,
                  classes=list(CLASSES))
    meta_file = osp.join(root, 'shape_scenes.json')
    if not force and osp.isfile(meta_file):
        with open(meta_file) as f:
            if json.load(f) == params:
                return params
    for sub in ('img_dir', 'ann_dir'):
        shutil.rmtree(osp.join(root, sub), ignore_errors=True)
    for split, count in (('train', num_train), ('val', num_val)):
        img_dir = osp.join(root, 'img_dir', split)
        ann_dir = osp.join(root, 'ann_dir', split)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for i in range(count):
            rng = np.random.default_rng((seed, SPLIT_IDS[split], i))
            image, label = render_scene(rng, height, width)
            cv2.imwrite(osp.join(img_dir, f'{i:05d}.png'),
                        cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            cv2.imwrite(osp.join(ann_dir, f'{i:05d}.png'), label)
    with open(meta_file, 'w') as f:
        json.dump(params, f, indent=2)
    return params
