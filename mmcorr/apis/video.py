# Copyright (c) mmcorr contributors. All rights reserved.
"""Inference for video object segmentation by mask propagation.

.. code-block:: python

    model = init_model('configs/mast/mast_r18_davis2017-val-480p.py', ckpt)
    masks = propagate_masks(model, frames, first_mask)
    # masks[t]: (H, W) uint8 object ids of frame t (masks[0] = first_mask)

``frames`` is a video file, a folder of frames (sorted by name) or a
sequence of file paths or ``(H, W, 3)`` uint8 BGR arrays of one size
(e.g. read with :func:`read_video`); the first mask is an id map (0
background, 1..K objects, 255 void) or an indexed PNG. The frames go
through the model's data preprocessor (Lab conversion and normalisation)
at their own size, and the model's ``propagate`` does the rest.
"""
import os
from typing import List, Optional, Sequence, Union

import cv2
import numpy as np
import torch

from mmcorr.structures import MultiViewDataSample, ViewDataSample
from .inference import ImageLike, check_task, read_input_image

__all__ = ['propagate_masks', 'read_video']

FrameLike = ImageLike


def read_video(path: str, max_frames: Optional[int] = None, step: int = 1
               ) -> List[np.ndarray]:
    """Frames of a video file (OpenCV), BGR uint8, every ``step``-th."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f'video {path!r} not found')
    capture = cv2.VideoCapture(path)
    frames, index = [], 0
    while max_frames is None or len(frames) < max_frames:
        ok, frame = capture.read()
        if not ok:
            break
        if index % step == 0:
            frames.append(frame)
        index += 1
    capture.release()
    if not frames:
        raise ValueError(f'{path!r}: no frame could be decoded')
    return frames


FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff')


def frame_list(frames) -> Sequence[FrameLike]:
    """A video file path -> its decoded frames; a folder -> its image files
    sorted by name; a sequence -> itself."""
    if not isinstance(frames, (str, os.PathLike)):
        return frames
    path = os.fspath(frames)
    if os.path.isdir(path):
        names = sorted(n for n in os.listdir(path)
                       if n.lower().endswith(FRAME_EXTENSIONS))
        if not names:
            raise ValueError(f'the frame folder {path!r} holds no image '
                             f'({", ".join(FRAME_EXTENSIONS)})')
        return [os.path.join(path, n) for n in names]
    if os.path.isfile(path):
        return read_video(path)
    raise FileNotFoundError(f'{path!r} is neither a video file nor a folder '
                            'of frames')


def _first_mask(mask: FrameLike) -> np.ndarray:
    if isinstance(mask, (str, os.PathLike)):
        from mmcorr.evaluation import read_id_png
        return read_id_png(os.fspath(mask), allow_grey=True)
    mask = np.asarray(mask)
    if mask.ndim != 2 or not np.issubdtype(mask.dtype, np.integer):
        raise ValueError('the first mask must be an (H, W) integer id map, '
                         f'got {mask.shape} {mask.dtype}')
    return mask


@torch.no_grad()
def propagate_masks(model: torch.nn.Module,
                    frames: Union[str, os.PathLike, Sequence[FrameLike]],
                    first_mask: FrameLike) -> List[np.ndarray]:
    """Propagate ``first_mask`` through ``frames`` with a
    :class:`~mmcorr.models.MASTVideoSegmentor`.

    Returns:
        list[np.ndarray]: One ``(H, W)`` uint8 id map per frame.

    Raises:
        ValueError: no frames, frames of different sizes or not BGR uint8,
            a mask of another size than the frames or not an id map.
    """
    check_task(model, 'video', 'propagate_masks')
    frames = frame_list(frames)
    if len(frames) == 0:
        raise ValueError('propagate_masks needs at least one frame')
    images = [read_input_image(f, f'frame {i}')[1]
              for i, f in enumerate(frames)]
    sizes = {image.shape[:2] for image in images}
    if len(sizes) > 1:
        raise ValueError(f'the frames must share one size, got '
                         f'{sorted(sizes)}')
    mask = _first_mask(first_mask)
    if mask.shape != images[0].shape[:2]:
        raise ValueError(f'the first mask is {mask.shape}, the frames '
                         f'{images[0].shape[:2]}')
    inputs = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2)
    sample = MultiViewDataSample(views=[
        ViewDataSample(metainfo=dict(img_shape=mask.shape))
        for _ in images])
    data = model.data_preprocessor(
        dict(inputs=[inputs], data_samples=[sample]), False)
    views = list(data['inputs'].unbind(1))
    first = torch.from_numpy(mask.astype(np.int64))[None, None].to(
        views[0].device)
    first = torch.where(first == 255, 0, first)
    num_labels = (getattr(model, 'test_cfg', None) or {}).get('num_labels')
    labels = model.propagate(views, first, num_labels)
    return [lab[0, 0].cpu().numpy().astype(np.uint8) for lab in labels]
