# Copyright (c) mmcorr contributors. All rights reserved.
"""Videos as multi-view samples: a clip is one sample, a frame one view.

Two kinds of items:

- :class:`VideoClipDataset` (training, no labels): short clips of frames
  ``interval`` apart, MAST's sampling (``functional/feeder/dataset/
  YouTubeVOSTrain.py``): for every video an interval is drawn from
  ``intervals`` with ``interval_probs``, the frames ``start, start +
  interval, ...`` are cut into consecutive, non-overlapping clips of
  ``clip_length``, and every clip is one item. Frame folders in the
  YouTube-VOS 2018 ``train_all_frames`` layout (or any
  ``<video>/<frame>.jpg`` folders, e.g. OxUvA's).
- :class:`DAVISVideoDataset` (evaluation): every frame of a sequence, with
  its annotation, as one item (DAVIS-2017 layout).

Each item's shared keys: ``video`` (the folder name) and ``frame_ids``
(the frames' indices in the video), which ``MASTVideoSegmentor`` turns into
frame gaps; pack them with ``PackMultiViewInputs(meta_keys=VIDEO_META_KEYS)``.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from mmcorr.registry import DATASETS
from .load_errors import ClearLoadErrorsMixin, check_dir

__all__ = [
    'VIDEO_META_KEYS', 'VideoLayoutError', 'VideoClipDataset',
    'YouTubeVOSClipDataset', 'DAVISVideoDataset', 'sample_clips'
]

#: Shared keys of a video item, for ``PackMultiViewInputs(meta_keys=...)``.
VIDEO_META_KEYS = ('sample_idx', 'video', 'frame_ids')
_FRAME_SUFFIXES = ('.jpg', '.jpeg', '.png')


class VideoLayoutError(ValueError):
    """The folders do not have the expected video layout."""


def _frames(folder: str, suffixes=_FRAME_SUFFIXES) -> List[str]:
    """Sorted frame files of a folder."""
    return sorted(f for f in os.listdir(folder)
                  if f.lower().endswith(suffixes) and not f.startswith('.'))


def sample_clips(num_frames: int, clip_length: int, interval: int,
                 start: int = 0) -> List[List[int]]:
    """Consecutive, non-overlapping clips of frames ``interval`` apart.

    ``range(start, num_frames, interval)`` cut into pieces of
    ``clip_length``; a shorter remainder is dropped (MAST's split).
    """
    if clip_length < 1 or interval < 1:
        raise ValueError(f'clip_length and interval must be >= 1, got '
                         f'{clip_length} and {interval}')
    indices = list(range(start, num_frames, interval))
    usable = len(indices) - len(indices) % clip_length
    return [indices[i:i + clip_length] for i in range(0, usable, clip_length)]


@DATASETS.register_module()
class VideoClipDataset(ClearLoadErrorsMixin, BaseDataset):
    """Unlabelled clips of frame-folder videos (self-supervised training).

    Layout::

        <data_root>/<data_prefix['img_path']>/<video>/<frame>.jpg|.png

    Args:
        clip_length (int): Frames per clip (MAST's stage 1: 2, a reference
            and a target).
        intervals (sequence of int): Frame intervals to draw from, one per
            video (MAST: 2, 5, 8).
        interval_probs (sequence of float): Their probabilities (MAST: .4,
            .4, .2).
        seed (int): Seed of the interval draws (the same clips on every
            worker and rank).
        videos (sequence of str, optional): Only these video folders.
        min_frames (int): Skip videos with fewer frames than this.
        frame_range (tuple[int, int], optional): Only frames ``start`` to
            ``stop - 1`` of every video (a training / held-out split of
            one video's frames); ``frame_ids`` stay the video's indices.
        Other arguments: as mmengine's ``BaseDataset``.
    """

    def __init__(self,
                 clip_length: int = 2,
                 intervals: Sequence[int] = (2, 5, 8),
                 interval_probs: Sequence[float] = (0.4, 0.4, 0.2),
                 seed: int = 0,
                 videos: Optional[Sequence[str]] = None,
                 min_frames: int = 1,
                 frame_range: Optional[Sequence[int]] = None,
                 data_prefix: Dict = dict(img_path=''),
                 **kwargs):
        if len(intervals) != len(interval_probs) or not intervals or \
                not np.isclose(sum(interval_probs), 1):
            raise ValueError('intervals and interval_probs must have the same '
                             'non-zero length and the probabilities sum to '
                             f'1, got {intervals} and {interval_probs}')
        self.clip_length = clip_length
        self.intervals = tuple(int(i) for i in intervals)
        self.interval_probs = tuple(float(p) for p in interval_probs)
        self.seed = seed
        self.videos = None if videos is None else list(videos)
        self.min_frames = min_frames
        self.frame_range = None if frame_range is None else tuple(
            int(i) for i in frame_range)
        super().__init__(data_prefix=data_prefix, **kwargs)

    def _video_folders(self) -> List[str]:
        root = self.data_prefix['img_path']
        check_dir(root, 'the video frame folders',
                  '(expected <data_root>/<img_path>/<video>/<frame>.jpg)')
        names = self.videos if self.videos is not None else sorted(
            n for n in os.listdir(root)
            if osp.isdir(osp.join(root, n)) and not n.startswith('.'))
        for name in names:
            if not osp.isdir(osp.join(root, name)):
                raise VideoLayoutError(f'{osp.join(root, name)}: video '
                                       'folder not found')
        return names

    def load_data_list(self) -> List[dict]:
        rng = np.random.default_rng(self.seed)
        root = self.data_prefix['img_path']
        data_list = []
        for name in self._video_folders():
            frames = _frames(osp.join(root, name))
            start, stop = self.frame_range or (0, len(frames))
            stop = min(stop, len(frames))
            if stop - start < max(self.min_frames, 1):
                continue
            interval = int(rng.choice(self.intervals, p=self.interval_probs))
            for clip in sample_clips(stop, self.clip_length, interval,
                                     start):
                data_list.append(
                    dict(video=name,
                         frame_ids=clip,
                         views=[
                             dict(img_path=osp.join(root, name, frames[i]))
                             for i in clip
                         ]))
        if not data_list:
            raise VideoLayoutError(
                f'{root}: no video with {self.clip_length} frames at the '
                f'intervals {self.intervals}')
        return data_list


@DATASETS.register_module()
class YouTubeVOSClipDataset(VideoClipDataset):
    """YouTube-VOS 2018 ``train_all_frames`` (MAST's training videos).

    ``<data_root>/train_all_frames/JPEGImages/<video>/<frame>.jpg``.
    """

    def __init__(self,
                 data_prefix: Dict = dict(
                     img_path='train_all_frames/JPEGImages'),
                 **kwargs):
        super().__init__(data_prefix=data_prefix, **kwargs)


@DATASETS.register_module()
class DAVISVideoDataset(ClearLoadErrorsMixin, BaseDataset):
    """DAVIS-2017 sequences, one item per sequence (all its frames).

    Layout::

        <data_root>/JPEGImages/<resolution>/<seq>/<frame>.jpg
        <data_root>/Annotations/<resolution>/<seq>/<frame>.png  # indexed
        <data_root>/ImageSets/2017/<split>.txt                   # names

    Every frame is a view with ``img_path`` and, where its annotation
    exists, ``seg_map_path`` (a view without one gets none: only the first
    frame's is needed to propagate; the scorer needs all).

    Args:
        split (str): ``ImageSets/2017/<split>.txt`` (``val``, ``train``...).
        resolution (str): ``480p`` or ``Full-Resolution``.
        sequences (sequence of str, optional): Only these sequences.
        max_frames (int, optional): Keep the first ``max_frames`` frames of
            each sequence (quick checks).
    """

    def __init__(self,
                 split: str = 'val',
                 resolution: str = '480p',
                 sequences: Optional[Sequence[str]] = None,
                 max_frames: Optional[int] = None,
                 **kwargs):
        self.split = split
        self.resolution = resolution
        self.sequences = None if sequences is None else list(sequences)
        self.max_frames = max_frames
        super().__init__(**kwargs)

    def _sequence_names(self) -> List[str]:
        if self.sequences is not None:
            return self.sequences
        path = osp.join(self.data_root, 'ImageSets', '2017',
                        f'{self.split}.txt')
        if not osp.isfile(path):
            raise VideoLayoutError(f'{path}: sequence list not found '
                                   '(DAVIS-2017 layout: ImageSets/2017/'
                                   '<split>.txt)')
        with open(path) as f:
            return [line.strip() for line in f if line.strip()]

    def load_data_list(self) -> List[dict]:
        data_list = []
        for name in self._sequence_names():
            img_dir = osp.join(self.data_root, 'JPEGImages', self.resolution,
                               name)
            ann_dir = osp.join(self.data_root, 'Annotations',
                               self.resolution, name)
            check_dir(img_dir, f'the frames of {name}',
                      '(DAVIS-2017 layout: JPEGImages/<resolution>/<seq>/)')
            check_dir(ann_dir, f'the annotations of {name}',
                      '(DAVIS-2017 layout: Annotations/<resolution>/<seq>/)')
            frames = _frames(img_dir)[:self.max_frames]
            if not frames:
                raise VideoLayoutError(f'{img_dir}: no frame')
            views = []
            for frame in frames:
                view = dict(img_path=osp.join(img_dir, frame))
                ann = osp.join(ann_dir, osp.splitext(frame)[0] + '.png')
                if osp.isfile(ann):
                    # (reduce_zero_label: for mmseg's LoadAnnotations)
                    view.update(seg_map_path=ann, reduce_zero_label=False,
                                seg_fields=[])
                views.append(view)
            if 'seg_map_path' not in views[0]:
                raise VideoLayoutError(f'{ann_dir}: the first frame '
                                       f'{frames[0]} has no annotation to '
                                       'propagate')
            data_list.append(dict(video=name,
                                  frame_ids=list(range(len(frames))),
                                  views=views))
        return data_list
