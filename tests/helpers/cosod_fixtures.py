# Copyright (c) mmcorr contributors. All rights reserved.
"""Tiny co-saliency releases written in the public folder layouts.

Every image is a few pixels big; its ground truth is a 0/255 square (with a
grey edge of 127 and 128 to test the binarisation) and its SISM a
deterministic grey ramp. PNG and JPG images are mixed within groups.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

#: group -> [(image stem, extension, (H, W))]; group names sort as listed.
GROUPS: Dict[str, List[Tuple[str, str, Tuple[int, int]]]] = {
    'apple': [('apple_001', '.jpg', (20, 24)), ('apple_002', '.png',
                                                 (18, 22)),
              ('apple_003', '.jpg', (20, 20))],
    'bird': [('b1', '.png', (16, 20)), ('b2', '.jpg', (24, 16))],
    'car': [('c_10', '.jpg', (22, 18)), ('c_2', '.png', (20, 26)),
            ('c_3', '.png', (16, 16))],
}

#: (image folder, ground-truth folder) of each release's default layout.
LAYOUTS = {
    'COCO9213': ('img', 'gt'),
    'CoCA': ('image', 'binary'),
    'CoSal2015': ('Image', 'GroundTruth'),
    'CoSOD3k': ('Image', 'GroundTruth'),
}


def image_pixels(seed: int, size: Tuple[int, int]) -> np.ndarray:
    return np.random.RandomState(seed).randint(0, 256, (*size, 3), np.uint8)


def gt_pixels(size: Tuple[int, int]) -> np.ndarray:
    """0/255 square in the middle; rows of 128 and 129 above (PySODMetrics'
    ``gt > 128`` boundary)."""
    h, w = size
    gt = np.zeros((h, w), np.uint8)
    gt[h // 4:3 * h // 4, w // 4:3 * w // 4] = 255
    gt[0, :] = 128
    gt[1, :] = 129
    return gt


def sism_pixels(size: Tuple[int, int]) -> np.ndarray:
    h, w = size
    return (np.arange(h * w).reshape(h, w) * 7 % 256).astype(np.uint8)


def write_release(root: str,
                  layout: str = 'COCO9213',
                  sism_root: Optional[str] = None,
                  groups: Dict = GROUPS) -> Dict[str, str]:
    """Write a tiny release under ``root`` in ``layout``'s folders; SISMs
    in ``sism_root`` if given. Returns the folders written."""
    img_folder, gt_folder = LAYOUTS[layout]
    seed = 0
    for group, images in groups.items():
        for stem, ext, size in images:
            for folder, pixels, suffix in (
                    (osp.join(root, img_folder), image_pixels(seed, size),
                     ext),
                    (osp.join(root, gt_folder), gt_pixels(size), '.png'),
                    (sism_root, sism_pixels(size), '.png')):
                if folder is None:
                    continue
                path = osp.join(folder, group, stem + suffix)
                _write(path, pixels)
            seed += 1
    out = dict(img=osp.join(root, img_folder), gt=osp.join(root, gt_folder))
    if sism_root is not None:
        out['sism'] = sism_root
    return out


def _write(path: str, pixels: np.ndarray) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if path.endswith('.jpg') else []
    if not cv2.imwrite(path, pixels, params):
        raise OSError(f'could not write {path}')


def num_images(groups: Dict = GROUPS) -> int:
    return sum(len(v) for v in groups.values())
