# Copyright (c) mmcorr contributors. All rights reserved.
"""PhotoVideos: the embedded video object segmentation benchmark, no
download.

No package ships real videos with object masks, so the clips are composed
from the real photographs scikit-image ships in its wheel, with exact
per-frame masks, and say so. Each clip is a crop of a background
photograph that pans (a moving camera), with two or three objects on it:
an outline (scikit-image's horse, a letter, a smooth blob, or one of the
real coins) filled with a crop of a photograph, as in
:mod:`.photo_groups`. Grey photographs (most of scikit-image's textures)
are tinted with a random colour per object and per background
(:func:`tint_if_grey`): MAST learns from colour alone. Every object moves along its own smooth path
(drift plus a sinusoid, bouncing off the borders), rotates, grows and
shrinks, deforms (a travelling sine warp of its outline and texture) and
passes in front of or behind the others (a fixed depth order per clip),
so that objects occlude each other and reappear.

The held-out clips use other outline families, photographs and
backgrounds than the training clips (those of PhotoGroups' test split).
Training clips carry no masks (MAST learns without them). A third split,
``dev``, has clips of the training categories with masks, listed as the
DAVIS set ``dev``: test-time settings are chosen on it, never on the
held-out clips.

On disk, the public layouts, so that the datasets and the scorer of the
real data run unchanged (YouTube-VOS' training frames and DAVIS-2017's
folders side by side under one root)::

    <root>/train_all_frames/JPEGImages/<clip>/%05d.jpg      training clips
    <root>/JPEGImages/480p/<clip>/%05d.jpg                 held-out clips
    <root>/Annotations/480p/<clip>/%05d.png                their id masks
    <root>/ImageSets/2017/{val,dev}.txt                    (indexed, DAVIS
    <root>/photo_videos.json                                palette)

Clip ``c`` of split ``s`` uses ``numpy.random.default_rng((seed, s, c))``.
"""
import json
import os
import os.path as osp
import shutil
from typing import Dict, List, Tuple

import cv2
import numpy as np

from mmcorr.fileio import write_id_png
from .photo_groups_generator import (BACKGROUNDS, CATEGORIES, GroupPool,
                                     category_name, make_instance)

FORMAT_VERSION = 2  # 2: DAVIS folders at the root, dev split
SPLIT_IDS = {'train': 0, 'test': 1, 'dev': 2}
#: PhotoGroups' split whose categories and backgrounds each split uses.
CATEGORY_SPLIT = {'train': 'train', 'test': 'test', 'dev': 'train'}
#: The DAVIS set list of each annotated split.
SET_NAMES = {'test': 'val', 'dev': 'dev'}


def tint_if_grey(rng: np.random.Generator, rgb: np.ndarray) -> np.ndarray:
    """A grey photograph (channels within 2 levels of each other) times a
    random colour (hue uniform, saturation 0.35-0.8), so that every
    surface has a colour: MAST learns by reconstructing colour, which a
    grey texture does not have. Colour photographs pass unchanged."""
    spread = rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)
    if spread.mean() > 2:
        return rgb
    hsv = np.uint8([[[rng.integers(0, 180), rng.integers(90, 205), 255]]])
    colour = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0] / 255.0
    return np.clip(rgb * colour, 0, 255).astype(np.uint8)


class ObjectTrack:
    """One object of a clip: its pixels, outline and motion."""

    def __init__(self, rng: np.random.Generator, rgb: np.ndarray,
                 mask: np.ndarray, size: Tuple[int, int]):
        height, width = size
        self.rgb, self.mask = rgb, mask.astype(np.uint8)
        self.size = size
        extent = rng.uniform(0.3, 0.5) * min(height, width)
        self.base_scale = extent / max(mask.shape)
        self.centre = rng.uniform([0.25 * width, 0.25 * height],
                                  [0.75 * width, 0.75 * height])
        self.velocity = rng.uniform(-1.6, 1.6, 2)
        self.wobble = rng.uniform(2, 6, 2), rng.uniform(0.05, 0.2, 2), \
            rng.uniform(0, 2 * np.pi, 2)
        self.angle = rng.uniform(-30, 30)
        self.spin = rng.uniform(-2.5, 2.5)  # degrees per frame
        self.breath = rng.uniform(0.08, 0.2), rng.uniform(0.05, 0.15), \
            rng.uniform(0, 2 * np.pi)
        self.warp = rng.uniform(2, 5), rng.uniform(20, 50), \
            rng.uniform(0.1, 0.3)  # amplitude (px), wavelength, speed

    def _centre(self, t: int) -> np.ndarray:
        """Drift plus wobble, reflected at the borders (bouncing)."""
        amplitude, freq, phase = self.wobble
        raw = self.centre + self.velocity * t + amplitude * np.sin(
            freq * t + phase)
        bounds = np.array([self.size[1], self.size[0]], np.float64)
        low, high = 0.15 * bounds, 0.85 * bounds
        span = high - low
        folded = np.mod(raw - low, 2 * span)
        return low + np.where(folded > span, 2 * span - folded, folded)

    def _deformed(self, t: int) -> Tuple[np.ndarray, np.ndarray]:
        """The object's texture and outline after a travelling sine warp."""
        amplitude, wavelength, speed = self.warp
        height, width = self.mask.shape
        ys, xs = np.mgrid[:height, :width].astype(np.float32)
        map_x = xs + amplitude * np.sin(2 * np.pi * ys / wavelength +
                                        speed * t)
        map_y = ys + amplitude * np.sin(2 * np.pi * xs / wavelength -
                                        speed * t)
        rgb = cv2.remap(self.rgb, map_x, map_y, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REFLECT)
        mask = cv2.remap(self.mask, map_x, map_y, cv2.INTER_NEAREST,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        return rgb, mask

    def render(self, t: int) -> Tuple[np.ndarray, np.ndarray]:
        """``(rgb, mask)`` of the object in frame ``t`` (frame-sized)."""
        rgb, mask = self._deformed(t)
        amount, freq, phase = self.breath
        scale = self.base_scale * (1 + amount * np.sin(freq * t + phase))
        centre = self._centre(t)
        height, width = mask.shape
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2),
                                         self.angle + self.spin * t, scale)
        matrix[:, 2] += centre - np.array([width / 2, height / 2])
        frame_size = (self.size[1], self.size[0])
        rgb = cv2.warpAffine(rgb, matrix, frame_size, flags=cv2.INTER_LINEAR)
        mask = cv2.warpAffine(mask, matrix, frame_size,
                              flags=cv2.INTER_NEAREST)
        return rgb, mask.astype(bool)


class PanningBackground:
    """A crop of a background photograph that moves over it."""

    def __init__(self, rng: np.random.Generator, photo: np.ndarray,
                 size: Tuple[int, int], frames: int):
        height, width = size
        self.size = size
        self.velocity = rng.uniform(-0.8, 0.8, 2)
        travel = np.ceil(np.abs(self.velocity) * frames).astype(int) + 2
        canvas = (height + travel[1], width + travel[0])
        scale = max(canvas[0] / photo.shape[0], canvas[1] / photo.shape[1],
                    rng.uniform(0.5, 1.0))
        scaled = cv2.resize(photo, None, fx=scale, fy=scale,
                            interpolation=cv2.INTER_AREA)
        top = rng.integers(0, scaled.shape[0] - canvas[0] + 1)
        left = rng.integers(0, scaled.shape[1] - canvas[1] + 1)
        self.canvas = scaled[top:top + canvas[0], left:left + canvas[1]]
        self.start = np.where(self.velocity < 0, travel - 1, 0)

    def render(self, t: int) -> np.ndarray:
        x, y = self.start + self.velocity * t
        matrix = np.array([[1, 0, -x], [0, 1, -y]], np.float64)
        return cv2.warpAffine(self.canvas, matrix,
                              (self.size[1], self.size[0]),
                              flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REFLECT)


def compose_clip(rng: np.random.Generator, pool: GroupPool, split: str,
                 frames: int, size: Tuple[int, int]) -> Dict:
    """One clip: ``frames`` RGB frames ``(H, W, 3)`` uint8, id masks
    ``(H, W)`` uint8 (objects ``1..K`` in the order drawn; hidden pixels
    belong to the object in front) and the objects' categories."""
    categories = CATEGORIES[CATEGORY_SPLIT[split]]
    count = int(rng.integers(2, 4))
    chosen = rng.choice(len(categories), size=count, replace=False)
    photos = {categories[i][1] for i in chosen}
    backgrounds = [b for b in BACKGROUNDS[CATEGORY_SPLIT[split]]
                   if b not in photos]
    photo = pool.photo(backgrounds[rng.integers(len(backgrounds))])
    background = PanningBackground(rng, tint_if_grey(rng, photo), size,
                                   frames)
    tracks = []
    for i in chosen:
        rgb, mask = make_instance(rng, categories[i], pool,
                                  CATEGORY_SPLIT[split])
        tracks.append(ObjectTrack(rng, tint_if_grey(rng, rgb), mask, size))
    depth = rng.permutation(count)  # back to front
    images, masks = [], []
    for t in range(frames):
        image = background.render(t)
        ids = np.zeros(size, np.uint8)
        for k in depth:
            rgb, mask = tracks[k].render(t)
            image[mask] = rgb[mask]
            ids[mask] = k + 1
        images.append(image)
        masks.append(ids)
    return dict(frames=images, masks=masks,
                objects=[category_name(categories[i]) for i in chosen])


def _write_clip(folder: str, frames: List[np.ndarray]) -> None:
    os.makedirs(folder, exist_ok=True)
    for t, frame in enumerate(frames):
        cv2.imwrite(osp.join(folder, f'{t:05d}.jpg'), frame[..., ::-1],
                    [cv2.IMWRITE_JPEG_QUALITY, 95])


def generate_photo_videos(root: str, train_clips: int = 60,
                          test_clips: int = 24, train_frames: int = 30,
                          test_frames: int = 40,
                          size: Tuple[int, int] = (96, 128),
                          seed: int = 0, force: bool = False,
                          dev_clips: int = 8) -> Dict:
    """Write PhotoVideos under ``root`` (skipped when it is up to date).

    Args:
        train_clips, test_clips, dev_clips: Clips per split (dev clips
            have test_frames frames). 24 held-out clips: the 4 held-out
            objects appear in 14-16 of them each (with 8, one object was
            in 7 of the 8 and decided the score); clip ``c`` does not
            depend on the number of clips, so 24 extend the first 8.
        train_frames, test_frames: Frames per clip (held-out clips are long
            enough for frames more than 15 frames back, MAST's far memory).
        size: ``(H, W)`` of the frames, in pixels.
        seed: Seed of every draw.
        force: Regenerate even if ``root`` is up to date.

    Returns:
        dict: The generator parameters (also in ``photo_videos.json``).
    """
    params = dict(format_version=FORMAT_VERSION, train_clips=train_clips,
                  test_clips=test_clips, train_frames=train_frames,
                  test_frames=test_frames, size=[int(s) for s in size],
                  seed=seed, dev_clips=dev_clips)
    stamp = osp.join(root, 'photo_videos.json')
    if not force and osp.exists(stamp):
        with open(stamp) as f:
            if json.load(f).get('params') == params:
                return params
    for sub in ('train_all_frames', 'JPEGImages', 'Annotations',
                'ImageSets'):
        shutil.rmtree(osp.join(root, sub), ignore_errors=True)
    pool = GroupPool()
    objects = {}
    for split, clips, frames in (('train', train_clips, train_frames),
                                 ('test', test_clips, test_frames),
                                 ('dev', dev_clips, test_frames)):
        names = [f'{split}_{c:03d}' for c in range(clips)]
        for c, name in enumerate(names):
            rng = np.random.default_rng((seed, SPLIT_IDS[split], c))
            clip = compose_clip(rng, pool, split, frames, tuple(params['size']))
            objects[name] = clip['objects']
            _write_split_clip(root, split, name, clip)
        if split in SET_NAMES and names:
            sets = osp.join(root, 'ImageSets', '2017')
            os.makedirs(sets, exist_ok=True)
            with open(osp.join(sets, f'{SET_NAMES[split]}.txt'), 'w') as f:
                f.write('\n'.join(names) + '\n')
    with open(stamp, 'w') as f:
        json.dump(dict(params=params, objects=objects), f, indent=2)
    return params


def _write_split_clip(root: str, split: str, name: str, clip: Dict) -> None:
    """Training clips as frame folders; held-out ones in DAVIS' layout."""
    if split == 'train':
        _write_clip(osp.join(root, 'train_all_frames', 'JPEGImages', name),
                    clip['frames'])
        return
    _write_clip(osp.join(root, 'JPEGImages', '480p', name),
                clip['frames'])
    for t, ids in enumerate(clip['masks']):
        write_id_png(osp.join(root, 'Annotations', '480p', name,
                              f'{t:05d}.png'), ids)
