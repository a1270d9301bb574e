# Copyright (c) mmcorr contributors. All rights reserved.
"""PhotoGroups: the embedded co-saliency benchmark, no download.

No package ships real co-saliency groups with masks, so the groups are
composed from the real photographs scikit-image ships in its wheel, with
exact masks, and say so. An *object category* is a real object or a shape
cut from one real photograph, with many instances:

- ``coin``: the coins of ``skimage.data.coins()`` with their own pixels
  (masks by Otsu thresholding, see :mod:`.photo_objects`);
- ``<outline>/<photo>``: an outline family (scikit-image's horse silhouette,
  a filled letter of OpenCV's Hershey font, or a smooth star-shaped blob
  whose base shape is fixed per family) filled with crops of one photograph.
  Instances vary by crop, scale, aspect, rotation, flip and (blobs) shape
  jitter.

A group shows one category in every image (the co-salient object), among
one or two distractor objects of other categories of the same split, on a
crop of a background photograph. Categories used for testing never appear
in training, and share neither outline family nor photograph with the
training categories (:data:`CATEGORIES`).

Ground truth: the visible pixels of the common object (exact, the pasted
pixels). SISMs mark every object alike, as a single-image salient-object
model would (it cannot know which object is common), with errors made by a
documented procedure (:func:`degrade_mask`): per object a random
dilation/erosion, a confidence, sometimes a near miss; soft edges; and
sometimes a false-positive blob on the background. The SISMs used directly
as the prediction are the benchmark's baseline.

On disk, COCO9213's layout (ICNet's training release)::

    <root>/<split>/img/<group>/<name>.png     RGB images
    <root>/<split>/gt/<group>/<name>.png      0/255 masks of the common object
    <root>/<split>/SISMs/<group>/<name>.png   0-255 single-image saliency
    <root>/photo_groups.json                  generator parameters

with ``split`` in ``train`` and ``test``. Image ``j`` of group ``g`` of
split ``s`` uses ``numpy.random.default_rng((seed, s, g, j))``.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Tuple

import cv2
import numpy as np

from .photo_objects_generator import (PhotoPool, blob_mask, load_photo,
                                      random_crop)

FORMAT_VERSION = 2
SPLIT_IDS = {'train': 0, 'test': 1}

#: ``(outline, photograph)`` per category; ``('coin', None)``: real coins.
#: Training: 15 categories (14 outline families, each photograph filling two
#: of them), so that what the network learns is "the same object", not a
#: short list of objects; testing: 4 categories new in outline and photo.
CATEGORIES = {
    'train': (('coin', None), ('horse', 'astronaut'), ('letterA', 'coffee'),
              ('letterK', 'brick'), ('letterE', 'grass'),
              ('letterM', 'retina'), ('letterS', 'camera'),
              ('letterX', 'moon'), ('blob0', 'astronaut'),
              ('blob1', 'coffee'), ('blob2', 'brick'), ('blob5', 'grass'),
              ('blob6', 'retina'), ('blob7', 'camera'), ('blob8', 'moon')),
    'test': (('blob3', 'chelsea'), ('letterR', 'rocket'),
             ('letterH', 'gravel'), ('blob4', 'ihc')),
}
#: Background photographs per split (disjoint from each other).
BACKGROUNDS = {
    'train': ('page', 'hubble_deep_field', 'text', 'microaneurysms'),
    'test': ('motorcycle_left', 'cell', 'clock_motion'),
}


def category_name(category: Tuple[str, str]) -> str:
    outline, photo = category
    return outline if photo is None else f'{outline}-{photo}'


def load_any_photo(name: str) -> np.ndarray:
    """A scikit-image photograph (also the files its loaders do not
    expose: ``ihc``, ``motorcycle_left``, ``cell``, ``clock_motion``) as
    ``(H, W, 3)`` uint8 RGB."""
    from skimage import data
    if hasattr(data, name):
        return load_photo(name)
    path = osp.join(osp.dirname(data.__file__), f'{name}.png')
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f'scikit-image ships no photograph {path!r}')
    return np.ascontiguousarray(image[..., ::-1])


def letter_mask(letter: str, size: int = 128) -> np.ndarray:
    """A filled, thick letter of OpenCV's Hershey simplex font,
    ``(size, size)`` bool."""
    mask = np.zeros((size, size), np.uint8)
    (width, height), _ = cv2.getTextSize(letter, cv2.FONT_HERSHEY_SIMPLEX,
                                         3.0, 18)
    origin = ((size - width) // 2, (size + height) // 2)
    cv2.putText(mask, letter, origin, cv2.FONT_HERSHEY_SIMPLEX, 3.0, 1, 18)
    return mask.astype(bool)


class GroupPool(PhotoPool):
    """Photographs, the horse and the coins, loaded once."""

    def photo(self, name: str) -> np.ndarray:
        if name not in self._photos:
            self._photos[name] = load_any_photo(name)
        return self._photos[name]


def outline_mask(rng: np.random.Generator, outline: str,
                 pool: GroupPool) -> np.ndarray:
    """One instance of an outline family, bool."""
    if outline == 'horse':
        return pool.horse
    if outline.startswith('letter'):
        return letter_mask(outline[len('letter'):])
    # a blob family: a fixed base shape, jittered per instance
    base = np.random.default_rng((1000, int(outline[len('blob'):])))
    mask = blob_mask(base)
    jitter = rng.uniform(-0.06, 0.06, size=(2, 3)) + np.array(
        [[1, 0, 0], [0, 1, 0]])
    jitter[:, 2] = 64 * (1 - jitter[:, :2].sum(1))
    return cv2.warpAffine(mask.astype(np.uint8), jitter, mask.shape[::-1],
                          flags=cv2.INTER_NEAREST).astype(bool)


def make_instance(rng: np.random.Generator, category: Tuple[str, str],
                  pool: GroupPool, split: str
                  ) -> Tuple[np.ndarray, np.ndarray]:
    """``(rgb, mask)`` of one instance of ``category``."""
    outline, photo = category
    if outline == 'coin':
        coins = pool.split_coins('train' if split == 'train' else 'heldout')
        return coins[rng.integers(len(coins))]
    mask = outline_mask(rng, outline, pool)
    rgb = random_crop(rng, pool.photo(photo), mask.shape, 0.25)
    return rgb, mask


def place(rng: np.random.Generator, rgb: np.ndarray, mask: np.ndarray,
          size: int, extent: Tuple[float, float]
          ) -> Tuple[np.ndarray, np.ndarray]:
    """Scale (longer side ``extent`` of ``size``, aspect +-15%), rotate
    (+-25 deg), maybe flip, and move the object anywhere it fits in a
    ``size x size`` canvas. The mask is warped with nearest neighbours."""
    if rng.uniform() < 0.5:
        rgb, mask = rgb[:, ::-1], mask[:, ::-1]
    height, width = mask.shape
    scale = rng.uniform(*extent) * size / max(height, width)
    aspect = rng.uniform(0.85, 1.15)
    angle = np.deg2rad(rng.uniform(-25, 25))
    rot = np.array([[np.cos(angle), -np.sin(angle)],
                    [np.sin(angle), np.cos(angle)]])
    linear = rot @ np.diag([scale * aspect, scale / aspect])
    margin = 0.5 * scale * max(height, width)
    centre = rng.uniform(margin * 0.8, size - margin * 0.8, size=2)
    offset = centre - linear @ np.array([width / 2, height / 2])
    matrix = np.hstack([linear, offset[:, None]])
    rgb_out = cv2.warpAffine(np.ascontiguousarray(rgb), matrix, (size, size),
                             flags=cv2.INTER_LINEAR)
    mask_out = cv2.warpAffine(np.ascontiguousarray(mask, np.uint8), matrix,
                              (size, size), flags=cv2.INTER_NEAREST)
    return rgb_out, mask_out.astype(bool)


def degrade_mask(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """A single-image saliency estimate of one object, float in ``[0, 1]``:
    dilated or eroded by up to 3 px, a confidence of 0.55-1 (0.1-0.35 in
    15% of the cases: a near miss), soft edges (Gaussian, sigma 1.5)."""
    radius = int(rng.integers(-3, 4))
    if radius:
        kernel = cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (2 * abs(radius) + 1, ) * 2)
        op = cv2.dilate if radius > 0 else cv2.erode
        mask = op(mask.astype(np.uint8), kernel).astype(bool)
    confidence = rng.uniform(0.1, 0.35) if rng.uniform() < 0.15 else \
        rng.uniform(0.55, 1.0)
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.5)
    return confidence * soft


def false_positive(rng: np.random.Generator, size: int) -> np.ndarray:
    """A spurious blob (an ellipse, confidence 0.3-0.7, soft edges)."""
    canvas = np.zeros((size, size), np.float32)
    centre = tuple(int(c) for c in rng.uniform(0.1, 0.9, 2) * size)
    axes = tuple(int(a) for a in rng.uniform(0.04, 0.12, 2) * size)
    cv2.ellipse(canvas, centre, axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
    return rng.uniform(0.3, 0.7) * cv2.GaussianBlur(canvas, (0, 0), 2.0)


def compose(rng: np.random.Generator, pool: GroupPool, split: str,
            common: int, size: int) -> Dict[str, np.ndarray]:
    """One image of a group whose common category is ``common`` (an index
    into ``CATEGORIES[split]``): ``img`` (RGB uint8), ``gt`` (bool),
    ``sism`` (float ``[0, 1]``)."""
    categories = CATEGORIES[split]
    others = [i for i in range(len(categories)) if i != common]
    distractors = rng.choice(others, size=int(rng.integers(1, 3)),
                             replace=False)
    used = {categories[i][1] for i in [common, *distractors]}
    backgrounds = [b for b in BACKGROUNDS[split] if b not in used]
    image = random_crop(rng, pool.photo(backgrounds[rng.integers(
        len(backgrounds))]), (size, size), 0.3)
    layers = [(int(i), (0.25, 0.45)) for i in distractors]
    layers.insert(int(rng.integers(len(layers) + 1)), (common, (0.35, 0.55)))
    masks = []
    for index, extent in layers:
        rgb, mask = place(rng, *make_instance(rng, categories[index], pool,
                                              split), size, extent)
        image[mask] = rgb[mask]
        masks = [m & ~mask for m in masks] + [mask]  # later ones occlude
    gt = masks[[i for i, _ in layers].index(common)]
    sism = np.max([degrade_mask(rng, m) for m in masks if m.any()], axis=0)
    if rng.uniform() < 0.3:
        sism = np.maximum(sism, false_positive(rng, size))
    return dict(img=image, gt=gt, sism=np.clip(sism, 0, 1))


def _write_split(root: str, pool: GroupPool, split: str, groups_per_cat: int,
                 group_size: int, seed: int, size: int) -> int:
    count = 0
    for common, category in enumerate(CATEGORIES[split]):
        for g in range(groups_per_cat):
            group = f'{category_name(category)}_{g:02d}'
            group_id = common * groups_per_cat + g
            for sub in ('img', 'gt', 'SISMs'):
                os.makedirs(osp.join(root, split, sub, group), exist_ok=True)
            for j in range(group_size):
                rng = np.random.default_rng(
                    (seed, SPLIT_IDS[split], group_id, j))
                sample = compose(rng, pool, split, common, size)
                name = f'{group}_{j:02d}.png'
                cv2.imwrite(osp.join(root, split, 'img', group, name),
                            sample['img'][..., ::-1])
                cv2.imwrite(osp.join(root, split, 'gt', group, name),
                            sample['gt'].astype(np.uint8) * 255)
                cv2.imwrite(osp.join(root, split, 'SISMs', group, name),
                            np.round(sample['sism'] * 255).astype(np.uint8))
                count += 1
    return count


def generate_photo_groups(root: str, train_groups: int = 8,
                          test_groups: int = 3, group_size: int = 6,
                          size: int = 128, seed: int = 0,
                          force: bool = False) -> dict:
    """Write PhotoGroups to ``root`` (skipped when it is up to date).

    Args:
        root (str): Output folder.
        train_groups (int): Groups per training category (15 categories).
        test_groups (int): Groups per test category (4 categories).
        group_size (int): Images per group.
        size (int): Side of the images, pixels.
        seed (int): Everything is deterministic from it.
        force (bool): Regenerate even if ``root`` is up to date.

    Returns:
        dict: The generator parameters (also in ``photo_groups.json``) and
        the image counts.
    """
    params = dict(format_version=FORMAT_VERSION, train_groups=train_groups,
                  test_groups=test_groups, group_size=group_size, size=size,
                  seed=seed)
    stamp = osp.join(root, 'photo_groups.json')
    if not force and osp.exists(stamp):
        with open(stamp) as f:
            if json.load(f).get('params') == params:
                return params
    for split in SPLIT_IDS:
        shutil.rmtree(osp.join(root, split), ignore_errors=True)
    pool = GroupPool()
    counts = {split: _write_split(root, pool, split, groups, group_size,
                                  seed, size)
              for split, groups in (('train', train_groups),
                                    ('test', test_groups))}
    os.makedirs(root, exist_ok=True)
    with open(stamp, 'w') as f:
        json.dump(dict(params=params, images=counts,
                       categories={s: [category_name(c) for c in cats]
                                   for s, cats in CATEGORIES.items()}),
                  f, indent=2)
    return params


def category_list(split: str) -> List[str]:
    """The category names of a split, in group order."""
    return [category_name(c) for c in CATEGORIES[split]]
