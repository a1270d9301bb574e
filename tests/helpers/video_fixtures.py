# Copyright (c) mmcorr contributors. All rights reserved.
"""Tiny videos in the public layouts (YouTube-VOS frame folders, DAVIS-2017),
written from seeded noise: squares that drift over a textured background,
with their exact id masks."""
import os
import os.path as osp

import cv2
import numpy as np

from mmcorr.evaluation import write_id_png


def moving_squares(num_frames, size=(48, 64), objects=2, seed=0):
    """``num_frames`` BGR uint8 frames and their id masks."""
    rng = np.random.default_rng(seed)
    height, width = size
    background = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    background = cv2.GaussianBlur(background, (5, 5), 0)
    colours = rng.integers(0, 256, (objects, 3))
    frames, masks = [], []
    for t in range(num_frames):
        frame, mask = background.copy(), np.zeros(size, np.uint8)
        for k in range(objects):
            top = 4 + 18 * k + (t % 5)
            left = 4 + 2 * t + 10 * k
            frame[top:top + 12, left:left + 12] = colours[k]
            mask[top:top + 12, left:left + 12] = k + 1
        frames.append(frame)
        masks.append(mask)
    return frames, masks


def write_frame_videos(folder, videos=(('v0', 12), ('v1', 9)),
                       size=(48, 64)):
    """``<folder>/<video>/%05d.jpg``."""
    for seed, (name, frames) in enumerate(videos):
        os.makedirs(osp.join(folder, name), exist_ok=True)
        for t, frame in enumerate(moving_squares(frames, size,
                                                 seed=seed)[0]):
            cv2.imwrite(osp.join(folder, name, f'{t:05d}.jpg'), frame)
    return folder


def write_davis(root, sequences=(('bear', 6), ('cows', 5)), size=(48, 64),
                split='val'):
    """DAVIS-2017 layout at 480p; returns ``{seq: [masks]}``."""
    masks_of = {}
    for seed, (name, frames) in enumerate(sequences):
        images, masks = moving_squares(frames, size, seed=seed)
        jpg_dir = osp.join(root, 'JPEGImages', '480p', name)
        os.makedirs(jpg_dir, exist_ok=True)
        for t, (image, mask) in enumerate(zip(images, masks)):
            cv2.imwrite(osp.join(jpg_dir, f'{t:05d}.jpg'), image)
            write_id_png(osp.join(root, 'Annotations', '480p', name,
                                  f'{t:05d}.png'), mask)
        masks_of[name] = masks
    os.makedirs(osp.join(root, 'ImageSets', '2017'), exist_ok=True)
    with open(osp.join(root, 'ImageSets', '2017', f'{split}.txt'), 'w') as f:
        f.write('\n'.join(name for name, _ in sequences) + '\n')
    return masks_of
