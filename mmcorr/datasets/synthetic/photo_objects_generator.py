# Copyright (c) mmcorr contributors. All rights reserved.
"""PhotoObjects: real photographs with exact object masks, no download.

The photographs are the ones scikit-image ships inside its wheel
(``skimage.data``). An *object* is a shape with an exact mask filled with
real image content:

- ``horse``: scikit-image's horse silhouette, filled with a crop of a
  texture photograph;
- ``coin``: one coin of ``skimage.data.coins()`` with its own pixels, its
  mask found by Otsu thresholding, closing and hole filling;
- ``blob``: a random smooth star-shaped outline filled with a photo crop.

Each image is one object, scaled, rotated and flipped at random, pasted with
its hard mask onto a crop of a background photograph, so the saved mask is
exactly the pasted pixels. Backgrounds, textures and coins are split between
training and held-out images: no held-out photograph or coin is ever seen in
training.

The held-out split is a set of *pairs*: :class:`RandomAffinePair` (SFNet's
pair synthesis, fixed seed) warps one held-out image twice; keypoints sampled
on the object in the source are mapped to the target through the two known
affines, so the ground-truth correspondences are exact. On disk::

    <root>/img_dir/train/00000.png    training images (RGB)
    <root>/ann_dir/train/00000.png    their masks (uint8, 1 = object)
    <root>/pairs/00000_{src,tgt}.png  held-out pairs (RGB)
    <root>/pairs/00000_{src,tgt}_mask.png
    <root>/heldout_pairs.csv          source, target, XA, YA, XB, YB
    <root>/photo_objects.json         generator parameters

Sample ``i`` of split ``s`` uses ``numpy.random.default_rng((seed, s, i))``.
"""
import csv
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Tuple

import cv2
import numpy as np

FORMAT_VERSION = 1
SPLIT_IDS = {'train': 0, 'heldout': 1}
CLASSES = ('background', 'object')
PALETTE = [[0, 0, 0], [255, 255, 255]]

#: scikit-image photographs per role and split (disjoint between splits)
PHOTOS = {
    'train': dict(
        backgrounds=('astronaut', 'coffee', 'hubble_deep_field', 'brick',
                     'grass', 'camera', 'moon', 'page'),
        textures=('astronaut', 'coffee', 'retina', 'brick', 'grass',
                  'camera', 'moon')),
    'heldout': dict(
        backgrounds=('rocket', 'chelsea', 'gravel', 'immunohistochemistry'),
        textures=('chelsea', 'rocket', 'gravel', 'immunohistochemistry')),
}
SHAPES = ('horse', 'coin', 'blob')
CSV_HEADER = ('source_image', 'target_image', 'XA', 'YA', 'XB', 'YB')


# ------------------------------------------------------------------ photos
def load_photo(name: str) -> np.ndarray:
    """A scikit-image photograph as ``(H, W, 3)`` uint8 RGB."""
    from skimage import data
    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def horse_mask() -> np.ndarray:
    """``(H, W)`` bool, the horse of ``skimage.data.horse()``."""
    from skimage import data
    return ~data.horse()


def coin_objects() -> List[Tuple[np.ndarray, np.ndarray]]:
    """The coins of ``skimage.data.coins()``: ``(rgb crop, mask crop)`` each,
    in raster order of their centres."""
    from scipy import ndimage
    from skimage import data, filters, measure, morphology
    gray = data.coins()
    mask = gray > filters.threshold_otsu(gray)
    mask = morphology.binary_closing(mask, morphology.disk(2))
    mask = ndimage.binary_fill_holes(mask)
    coins = []
    for region in measure.regionprops(measure.label(mask)):
        # single coins: compact, not touching the border, not merged
        top, left, bottom, right = region.bbox
        touches = top == 0 or left == 0 or bottom == gray.shape[0] or \
            right == gray.shape[1]
        if touches or not 900 <= region.area <= 4000 or \
                region.solidity < 0.9:
            continue
        crop = np.repeat(gray[top:bottom, left:right, None], 3, axis=2)
        coins.append((crop, region.image.copy()))
    return coins


def blob_mask(rng: np.random.Generator, size: int = 128) -> np.ndarray:
    """A random smooth star-shaped outline, ``(size, size)`` bool."""
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    radius = np.ones_like(angles)
    for freq in range(1, 5):
        radius += rng.uniform(0, 0.35 / freq) * np.cos(
            freq * angles + rng.uniform(0, 2 * np.pi))
    radius *= 0.45 * size / radius.max()
    points = np.stack([size / 2 + radius * np.cos(angles),
                       size / 2 + radius * np.sin(angles)], 1)
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


class PhotoPool:
    """Loads each photograph, the horse and the coins once."""

    def __init__(self):
        self._photos: Dict[str, np.ndarray] = {}
        self.horse = horse_mask()
        self.coins = coin_objects()

    def photo(self, name: str) -> np.ndarray:
        if name not in self._photos:
            self._photos[name] = load_photo(name)
        return self._photos[name]

    def split_coins(self, split: str) -> List[Tuple[np.ndarray, np.ndarray]]:
        """Even-indexed coins for training, odd ones held out."""
        return self.coins[SPLIT_IDS[split]::2]


# -------------------------------------------------------------- composing
def random_crop(rng: np.random.Generator, image: np.ndarray,
                size: Tuple[int, int], min_fraction: float) -> np.ndarray:
    """A random square-ish crop of ``image`` resized to ``size`` (H, W)."""
    height, width = image.shape[:2]
    side = int(rng.uniform(min_fraction, 1.0) * min(height, width))
    top = rng.integers(0, height - side + 1)
    left = rng.integers(0, width - side + 1)
    crop = image[top:top + side, left:left + side]
    return cv2.resize(crop, (size[1], size[0]), interpolation=cv2.INTER_AREA)


def make_object(rng: np.random.Generator, pool: PhotoPool,
                split: str) -> Tuple[np.ndarray, np.ndarray]:
    """``(rgb, mask)``: a random object's pixels and its exact mask."""
    shape = SHAPES[rng.integers(len(SHAPES))]
    if shape == 'coin':
        coins = pool.split_coins(split)
        rgb, mask = coins[rng.integers(len(coins))]
        return rgb, mask
    mask = pool.horse if shape == 'horse' else blob_mask(rng)
    textures = PHOTOS[split]['textures']
    texture = pool.photo(textures[rng.integers(len(textures))])
    return random_crop(rng, texture, mask.shape, 0.3), mask


def place_object(rng: np.random.Generator, rgb: np.ndarray, mask: np.ndarray,
                 size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Scale (longer side 45-80% of ``size``), rotate (+-30 deg), maybe
    flip, and translate the object into a ``size x size`` canvas; the mask
    is warped with nearest neighbours, so it stays exact."""
    if rng.uniform() < 0.5:
        rgb, mask = rgb[:, ::-1], mask[:, ::-1]
    height, width = mask.shape
    scale = rng.uniform(0.45, 0.8) * size / max(height, width)
    centre = size / 2 + rng.uniform(-0.12, 0.12, size=2) * size
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2),
                                     rng.uniform(-30, 30), scale)
    matrix[:, 2] += centre - np.array([width / 2, height / 2])
    rgb_out = cv2.warpAffine(np.ascontiguousarray(rgb), matrix, (size, size),
                             flags=cv2.INTER_LINEAR)
    mask_out = cv2.warpAffine(np.ascontiguousarray(mask, np.uint8), matrix,
                              (size, size), flags=cv2.INTER_NEAREST)
    return rgb_out, mask_out


def compose(rng: np.random.Generator, pool: PhotoPool, split: str,
            size: int) -> Tuple[np.ndarray, np.ndarray]:
    """One image ``(size, size, 3)`` RGB uint8 and its mask (uint8, 1 =
    object): an object pasted onto a background photo crop."""
    backgrounds = PHOTOS[split]['backgrounds']
    background = pool.photo(backgrounds[rng.integers(len(backgrounds))])
    image = random_crop(rng, background, (size, size), 0.4)
    rgb, mask = place_object(rng, *make_object(rng, pool, split), size)
    image[mask > 0] = rgb[mask > 0]
    return image, mask


# -------------------------------------------------------------- held out
def make_heldout_pair(image: np.ndarray, mask: np.ndarray, index: int,
                      seed: int, scale: int, num_points: int) -> dict:
    """Warp one held-out image twice (SFNet's pair synthesis, no flip) and
    sample ``num_points`` exact correspondences on the object."""
    from mmcorr.datasets.transforms.synthetic_pair import RandomAffinePair
    synth = RandomAffinePair(scale=(scale, scale), flip_prob=0.0,
                             seed=seed)
    # RandomAffinePair works on BGR, as loaded by mmcv; keep it so
    results = synth(dict(img=image[..., ::-1].copy(), gt_fg_mask=mask,
                         sample_idx=index))
    rng = np.random.default_rng((seed, SPLIT_IDS['heldout'], index, 1))
    src, tgt = results['views']
    ys, xs = np.nonzero(src['gt_fg_mask'] > 0.99)
    pick = rng.choice(len(xs), size=min(num_points, len(xs)), replace=False)
    src_points = np.stack([xs[pick], ys[pick]], 1).astype(np.float64)
    tgt_points = RandomAffinePair.correspondences(
        src_points, src['affine'], tgt['affine'], (scale, scale))
    inside = ((tgt_points >= 0) & (tgt_points <= scale - 1)).all(1)
    return dict(src_img=src['img'], tgt_img=tgt['img'],
                src_mask=src['gt_fg_mask'], tgt_mask=tgt['gt_fg_mask'],
                src_points=src_points[inside],
                tgt_points=tgt_points[inside])


def _numbers(values: np.ndarray) -> str:
    return ';'.join(f'{v:.3f}' for v in values)


def _write_heldout(root: str, pool: PhotoPool, num_pairs: int, seed: int,
                   size: int, scale: int, num_points: int) -> None:
    os.makedirs(osp.join(root, 'pairs'), exist_ok=True)
    rows = []
    for index in range(num_pairs):
        rng = np.random.default_rng((seed, SPLIT_IDS['heldout'], index))
        image, mask = compose(rng, pool, 'heldout', size)
        pair = make_heldout_pair(image, mask, index, seed, scale, num_points)
        names = {}
        for side in ('src', 'tgt'):
            names[side] = f'pairs/{index:05d}_{side}.png'
            cv2.imwrite(osp.join(root, names[side]), pair[f'{side}_img'])
            cv2.imwrite(osp.join(root, f'pairs/{index:05d}_{side}_mask.png'),
                        (pair[f'{side}_mask'] > 0.5).astype(np.uint8))
        rows.append((names['src'], names['tgt'],
                     _numbers(pair['src_points'][:, 0]),
                     _numbers(pair['src_points'][:, 1]),
                     _numbers(pair['tgt_points'][:, 0]),
                     _numbers(pair['tgt_points'][:, 1])))
    with open(osp.join(root, 'heldout_pairs.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        writer.writerows(rows)


def _write_train(root: str, pool: PhotoPool, num_train: int, seed: int,
                 size: int) -> None:
    for sub in ('img_dir/train', 'ann_dir/train'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    for index in range(num_train):
        rng = np.random.default_rng((seed, SPLIT_IDS['train'], index))
        image, mask = compose(rng, pool, 'train', size)
        cv2.imwrite(osp.join(root, f'img_dir/train/{index:05d}.png'),
                    image[..., ::-1])
        cv2.imwrite(osp.join(root, f'ann_dir/train/{index:05d}.png'), mask)


def generate_photo_objects(root: str, num_train: int = 400,
                           num_pairs: int = 100, size: int = 192,
                           pair_scale: int = 160, num_points: int = 20,
                           seed: int = 0, force: bool = False) -> dict:
    """Write PhotoObjects to ``root`` (skipped when it is up to date).

    Args:
        root (str): Output folder.
        num_train (int): Training images (each becomes random pairs at
            training time, through :class:`RandomAffinePair`).
        num_pairs (int): Held-out pairs.
        size (int): Side of the composed images, pixels.
        pair_scale (int): Side of the held-out pair images, pixels.
        num_points (int): Keypoints sampled per held-out pair (those that
            leave the target image are dropped).
        seed (int): Everything is deterministic from it.
        force (bool): Regenerate even if ``root`` is up to date.

    Returns:
        dict: The generator parameters (also in ``photo_objects.json``).
    """
    params = dict(format_version=FORMAT_VERSION, num_train=num_train,
                  num_pairs=num_pairs, size=size, pair_scale=pair_scale,
                  num_points=num_points, seed=seed)
    stamp = osp.join(root, 'photo_objects.json')
    if not force and osp.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == params:
                return params
    for sub in ('img_dir', 'ann_dir', 'pairs'):
        shutil.rmtree(osp.join(root, sub), ignore_errors=True)
    pool = PhotoPool()
    _write_train(root, pool, num_train, seed, size)
    _write_heldout(root, pool, num_pairs, seed, size, pair_scale, num_points)
    with open(stamp, 'w') as f:
        json.dump(params, f, indent=2)
    return params
