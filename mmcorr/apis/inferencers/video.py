# Copyright (c) mmcorr contributors. All rights reserved.
"""Video object segmentation by propagating a first-frame mask (MAST, the
Lab-pixel and mask-copy baselines)."""
import os
import os.path as osp
from typing import Any, Dict

import numpy as np

from mmcorr.fileio import read_id_png, read_video, write_propagated_masks
from mmcorr.registry import INFERENCERS
from mmcorr.structures import predictions as to_arrays
from ..inference import read_input_image
from .base import (MultiViewInferencer, one_or_many, per_sample,
                   sample_name)
from .folders import IMAGE_EXTENSIONS, image_files, is_image_folder
from .prompts import mask_from_box, mask_from_points


def clip_frames(clip, what: str = 'the clip') -> list:
    """A video file -> its frames; a folder -> its image files sorted by
    name; a list -> itself (paths or BGR arrays)."""
    if is_image_folder(clip):
        return image_files(clip, f'{what} frame folder')
    if isinstance(clip, (str, os.PathLike)):
        if not osp.isfile(os.fspath(clip)):
            raise FileNotFoundError(f'{what}: {os.fspath(clip)!r} is '
                                    'neither a video file nor a folder of '
                                    'frames')
        return read_video(clip)
    if isinstance(clip, (list, tuple)):
        return list(clip)
    raise TypeError(f'{what} must be a video file, a frame folder or a list '
                    f'of frames, got {type(clip).__name__}')


def read_first_mask(mask, shape, what: str) -> np.ndarray:
    """A first-frame id map (0 background, 1..K objects, 255 void) from an
    indexed / grey PNG path or an ``(H, W)`` integer array of ``shape``."""
    if isinstance(mask, (str, os.PathLike)):
        mask = read_id_png(os.fspath(mask), allow_grey=True)
    mask = np.asarray(mask)
    if mask.ndim != 2 or not (np.issubdtype(mask.dtype, np.integer) or
                              mask.dtype == bool):
        raise ValueError(f'{what} must be an (H, W) integer id map, got '
                         f'{mask.shape} {mask.dtype}')
    if mask.shape != tuple(shape):
        raise ValueError(f'{what} is {mask.shape}, the frames are '
                         f'{tuple(shape)}')
    if mask.min(initial=0) < 0 or mask.max(initial=0) > 255:
        raise ValueError(f'{what}: ids must be in 0..255')
    return mask.astype(np.uint8)


@INFERENCERS.register_module()
class VideoPropagationInferencer(MultiViewInferencer):
    """Object masks propagated through a clip from its first frame.

    One input is a clip: a video file, a folder of frames (sorted by name)
    or a list of paths / ``(H, W, 3)`` uint8 BGR frames of one size;
    ``inputs`` is one clip or a list of clips.

    Keyword arguments of a call (one of them; a list of them for several
    clips):
        first_mask: the first frame's object ids (an indexed or grey PNG,
            or an ``(H, W)`` integer array; 0 background, 255 void).
        points: ``(x, y)`` clicks on one object in the first frame;
            :func:`~mmcorr.apis.inferencers.prompts.mask_from_points`
            makes its mask (object 1).
        box: ``(x, y, w, h)`` around one object in the first frame;
            :func:`~mmcorr.apis.inferencers.prompts.mask_from_box`.

    The whole clip is one sample: every frame is decoded and goes through
    the test pipeline at once (memory grows with the clip's length and
    size); the model's propagation keeps its own bounded memory of past
    frames.

    Predictions (per clip): ``masks``, per frame an ``(H, W)`` uint8 id
    map (frame 0: the first mask). ``out_dir/pred/<clip>/00000.png...``:
    DAVIS-indexed PNGs (the DAVIS results layout);
    ``out_dir/vis/<clip>.png`` / ``.gif``: overlays.
    """
    task = 'video'
    default_visualizer = dict(type='VideoPropagationVisualizer')
    preprocess_kwargs = {'first_mask', 'points', 'box'}

    def _inputs_to_list(self, inputs) -> list:
        return one_or_many(
            inputs, lambda c: isinstance(c, (str, os.PathLike)) and (
                is_image_folder(c) or not os.fspath(c).lower().endswith(
                    IMAGE_EXTENSIONS)),
            'a clip (a video file, a frame folder or a list of frames)')

    def _prepare(self, item, index, first_mask=None, points=None,
                 box=None) -> dict:
        what = 'the clip' if self._num_inputs == 1 else f'clip {index}'
        frames = clip_frames(item, what)
        if len(frames) < 2:
            raise ValueError(f'{what} has {len(frames)} frame(s): '
                             'propagation needs at least 2')
        images = [read_input_image(f, f'{what} frame {t}')
                  for t, f in enumerate(frames)]
        shapes = {pixels.shape[:2] for _, pixels in images}
        if len(shapes) > 1:
            raise ValueError(f'{what}: the frames must share one size, got '
                             f'{sorted(shapes)}')
        first = images[0][1]
        prompts = {k: per_sample(v, index, self._num_inputs, k, 'clip')
                   for k, v in
                   (('first_mask', first_mask), ('points', points),
                    ('box', box))}
        given = [k for k, v in prompts.items() if v is not None]
        if len(given) != 1:
            raise ValueError(f'{what}: give exactly one of first_mask, '
                             f'points or box (got {given or "none"})')
        if prompts['first_mask'] is not None:
            mask = read_first_mask(prompts['first_mask'], first.shape[:2],
                                   f'{what}: the first mask')
        elif prompts['points'] is not None:
            mask = mask_from_points(first, prompts['points'])
        else:
            mask = mask_from_box(first, prompts['box'])
        views = [dict(img_path=path, img=pixels) for path, pixels in images]
        views[0].update(gt_seg_map=mask.astype(np.int64),
                        seg_fields=['gt_seg_map'])
        return dict(name=sample_name(item, index) if isinstance(
                        item, (str, os.PathLike)) else f'clip_{index:03d}',
                    results=dict(views=views))

    def prediction(self, sample, item: dict) -> Dict[str, Any]:
        return dict(masks=to_arrays.propagated_ids(sample))

    def write_prediction(self, prediction: dict, name: str,
                         pred_dir: str) -> None:
        write_propagated_masks(pred_dir, name, prediction['masks'])
