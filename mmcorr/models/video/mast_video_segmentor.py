# Copyright (c) mmcorr contributors. All rights reserved.
"""MAST: memory-augmented self-supervised tracker (Lai et al., CVPR 2020).

Trained without labels by reconstructing a dropped Lab colour channel of a
frame from reference frames; tested by propagating the first frame's
object masks through a memory of past frames.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmcorr.registry import MODELS
from ..layers.mast_memory import memory_gaps
from ..multi_view_model import MultiViewModel

__all__ = ['MASTVideoSegmentor', 'drop_colour_channel', 'one_hot_labels']

#: Lab channels that MAST may drop (never L).
COLOUR_CHANNELS = (1, 2)


def drop_colour_channel(frames: Tensor, channels: Tensor) -> Tensor:
    """Zero one Lab channel per clip and scale the rest by 3/2.

    Args:
        frames (Tensor): ``[B, N, 3, H, W]`` normalised Lab clips.
        channels (Tensor): ``[B]`` int64, the channel dropped in each clip
            (1 = a, 2 = b), the same in all its frames.

    Returns:
        Tensor: The clips with that channel zeroed, times 1.5 (MAST's
        ``dropout2d_lab``: the input energy kept as if 3 channels were on).
    """
    keep = torch.ones_like(frames[:, :1, :, :1, :1])
    keep[torch.arange(len(channels)), 0, channels] = 0
    return frames * keep * 1.5


def one_hot_labels(labels: Tensor, num_labels: int) -> Tensor:
    """``[B, 1, h, w]`` integer ids -> ``[B, num_labels, h, w]`` float."""
    if labels.min() < 0 or labels.max() >= num_labels:
        raise ValueError(f'label ids must lie in 0..{num_labels - 1}, got '
                         f'{int(labels.min())}..{int(labels.max())}')
    return F.one_hot(labels[:, 0].long(), num_labels).permute(0, 3, 1,
                                                              2).float()


@MODELS.register_module()
class MASTVideoSegmentor(MultiViewModel):
    """MAST: self-supervised dense features and memory-based propagation.

    A sample is a clip: ``N`` views (frames), ``[B, N, 3, H, W]`` in Lab
    normalised with mean ``(50, 0, 0)`` and std ``(50, 127, 127)`` (the
    data preprocessor's ``color_space='lab'``). Keys are the encoder's
    stride-4 map through a 3 x 3 conv to ``key_channels``; values are
    labels (or, in training, a colour channel) subsampled to the key grid
    by taking every ``stride``-th pixel (MAST's ``x[:, :, ::4, ::4]``).

    - ``loss``: one Lab colour channel (a or b) is dropped in every frame
      of each clip (:func:`drop_colour_channel`; drawn per clip, or once for
      the whole batch with ``train_cfg['one_channel_per_batch']``, as
      zlai0/MAST's ``dropout2d_lab``); the last frame's dropped
      channel is reconstructed from the other frames' true channel through
      the memory reader (window ``train_cfg['window_size']``), upsampled
      bilinearly to full resolution and compared with the loss
      (``ScaledHuberLoss``: smooth L1 on values x 20). Frame gaps come from
      each sample's ``frame_ids`` metainfo (consecutive frames without it);
      they choose near or far windows only: every frame position's keys
      are computed for the whole batch at once, so BatchNorm sees the
      batch as in the official step whatever the gaps.
    - ``predict``: the first view's ``gt_sem_seg`` (object ids ``0..K``;
      void ``255`` is background; ids need not be consecutive, absent ids
      stay absent) is propagated to every later frame; the memory of frame
      ``t`` is the long-term frames ``test_cfg['long_term_frames']``
      (MAST: 0 and 5) and the short-term ones ``t - g`` for ``g`` in
      ``test_cfg['short_term_gaps']`` (MAST: 1, 3, 5); frame 0 carries the
      given mask, the others the model's own hard predictions. The scores
      are upsampled bilinearly and arg-maxed. Each view gets
      ``pred_sem_seg`` (``[1, H, W]`` ids). Only the keys of frames that
      a later frame can read are kept.

    Args:
        backbone (dict): The encoder (``ResNet18Stride4``).
        key_channels (int, optional): Channels of the keys (MAST: 64, a
            3 x 3 conv on the encoder's output); ``None``: the encoder's
            output itself (e.g. ``LabPixelKeys``).
        stride (int): Stride of the keys, in pixels (4).
        memory_reader (dict): ``WindowedMemoryReader`` options.
        loss (dict): The reconstruction loss.
        train_cfg (dict): ``window_size`` (MAST: 13),
            ``one_channel_per_batch`` (default ``False``: each clip draws
            its own dropped channel; ``True``: one draw for the batch, as
            the official ``dropout2d_lab``, "drop same layers for all
            images").
        test_cfg (dict): ``window_size`` (25), ``long_term_frames``,
            ``short_term_gaps``, ``num_labels`` (the one-hot width; ``None``:
            the first frame's largest id + 1; MAST fixes 7, which gives the
            same masks).
        data_preprocessor (dict): ``MultiViewDataPreprocessor`` in Lab.
        init_cfg: mmengine initialisation config.
    """

    task = 'video'

    def __init__(self,
                 backbone: Dict,
                 key_channels: int = 64,
                 stride: int = 4,
                 memory_reader: Optional[Dict] = None,
                 loss: Optional[Dict] = None,
                 train_cfg: Optional[Dict] = None,
                 test_cfg: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        # key_channels=None: the encoder's output is the key (baselines)
        self.key_proj = nn.Identity() if key_channels is None else \
            nn.Conv2d(self.backbone.out_channels, key_channels, 3, padding=1)
        self.stride = stride
        self.memory_reader = MODELS.build(
            memory_reader or dict(type='WindowedMemoryReader'))
        self.loss_reconstruction = MODELS.build(
            loss or dict(type='ScaledHuberLoss'))
        self.train_cfg = {
            'window_size': 13,
            'one_channel_per_batch': False,
            **(train_cfg or {})
        }
        self.test_cfg = {
            'window_size': 25,
            'long_term_frames': (0, 5),
            'short_term_gaps': (1, 3, 5),
            'num_labels': None,
            **(test_cfg or {})
        }

    # ------------------------------------------------------------------ keys
    def extract_keys(self, frames: Tensor) -> Tensor:
        """``[B, 3, H, W]`` Lab frames -> ``[B, key_channels, h, w]``."""
        return self.key_proj(self.backbone(frames)[-1])

    def subsample(self, maps: Tensor) -> Tensor:
        """``[B, L, H, W]`` -> every ``stride``-th pixel (the key grid)."""
        return maps[:, :, ::self.stride, ::self.stride]

    def read_memory(self, query_key: Tensor, memory_keys: Sequence[Tensor],
                    memory_values: Sequence[Tensor],
                    memory_indices: Sequence[int], current_index: int,
                    window_size: Optional[int] = None) -> Tensor:
        """Values of the memory frames read at the current frame's keys.

        Args:
            query_key (Tensor): ``[B, C, h, w]``.
            memory_keys, memory_values: ``[B, C, h, w]`` and ``[B, L, h,
                w]`` per memory frame.
            memory_indices (list[int]): Frame index of each memory frame.
            current_index (int): Frame index of the query.
            window_size (int, optional): Default: ``test_cfg`` in eval
                mode, ``train_cfg`` in training.

        Returns:
            Tensor: ``[B, L, h, w]``.
        """
        if window_size is None:
            cfg = self.train_cfg if self.training else self.test_cfg
            window_size = cfg['window_size']
        return self.memory_reader(query_key, memory_keys, memory_values,
                                  memory_gaps(memory_indices, current_index),
                                  window_size)

    def _forward(self, views: List[Tensor], extras: Dict[str, List[Tensor]]):
        """The keys of every view: ``N`` tensors ``[B, C, h, w]``."""
        return [self.extract_keys(view) for view in views]

    # ------------------------------------------------------------- training
    def loss(self, views: List[Tensor], data_samples, extras=None):
        """Reconstruct the last frame's dropped colour channel."""
        if len(views) < 2:
            raise ValueError('MAST trains on clips of at least 2 frames '
                             f'(references and a target), got {len(views)}')
        frames = torch.stack(views, dim=1)
        channels = self.draw_channels(frames.shape[0], frames.device)
        pred, truth = self.reconstruct(frames, channels, data_samples)
        return {
            self.loss_reconstruction.loss_name:
            self.loss_reconstruction(pred, truth)
        }

    def draw_channels(self, batch: int, device=None) -> Tensor:
        """The dropped channel of each clip: ``[batch]`` int64 from
        :data:`COLOUR_CHANNELS`, uniform (torch's global generator), one
        per clip or, with ``train_cfg['one_channel_per_batch']``, one for
        all."""
        draws = 1 if self.train_cfg['one_channel_per_batch'] else batch
        pick = torch.randint(len(COLOUR_CHANNELS), (draws, ), device=device)
        channels = torch.tensor(COLOUR_CHANNELS, device=device)[pick]
        return channels.expand(batch)

    def reconstruct(self, frames: Tensor, channels: Tensor,
                    data_samples=None) -> Tuple[Tensor, Tensor]:
        """MAST's pretext task: drop one Lab colour channel from every frame
        of each clip, reconstruct the last frame's from the others.

        Args:
            frames (Tensor): ``[B, N, 3, H, W]`` normalised Lab clips.
            channels (Tensor): ``[B]``, the channel dropped per clip (1 = a,
                2 = b).
            data_samples: Their ``frame_ids`` give the gaps (consecutive
                frames without them).

        Returns:
            tuple: The reconstruction and the true channel of the last
            frame, ``[B, 1, H, W]`` each (normalised units; x127 for Lab).
        """
        batch, num_frames = frames.shape[:2]
        if num_frames < 2:
            raise ValueError('reconstruction needs at least 2 frames, got '
                             f'{num_frames}')
        dropped = drop_colour_channel(frames, channels)
        # the true dropped channel: [B, N, 1, H, W]
        truth = frames[torch.arange(batch), :, channels].unsqueeze(2)
        # one encoder call per frame position for the whole batch (the
        # official step's BatchNorm batches), references first
        keys = [self.extract_keys(dropped[:, i]) for i in range(num_frames)]
        values = [self.subsample(truth[:, i]) for i in range(num_frames - 1)]
        pred = frames.new_zeros(batch, 1, *frames.shape[-2:])
        for gaps, rows in self._samples_by_gaps(data_samples, num_frames,
                                                batch):
            out = self.memory_reader(keys[-1][rows],
                                     [key[rows] for key in keys[:-1]],
                                     [value[rows] for value in values], gaps,
                                     self.train_cfg['window_size'])
            pred[rows] = F.interpolate(out, size=frames.shape[-2:],
                                       mode='bilinear', align_corners=False)
        return pred, truth[:, -1]

    @staticmethod
    def _samples_by_gaps(data_samples, num_frames: int, batch: int
                         ) -> List[Tuple[Tuple[int, ...], List[int]]]:
        """Group the batch by the gaps of its reference frames to its last
        frame (from ``frame_ids``; consecutive frames without them)."""
        samples = list(data_samples) if data_samples else [None] * batch
        if len(samples) != batch:
            raise ValueError(f'{len(samples)} data samples for a batch of '
                             f'{batch} clips')
        groups: Dict[Tuple[int, ...], List[int]] = {}
        for b, sample in enumerate(samples):
            ids = sample.metainfo.get('frame_ids') if sample is not None \
                else None
            if ids is None:
                ids = list(range(num_frames))
            if len(ids) != num_frames:
                raise ValueError(f'sample {b} has {len(ids)} frame_ids for '
                                 f'{num_frames} frames')
            gaps = memory_gaps(ids[:-1], ids[-1])
            groups.setdefault(gaps, []).append(b)
        return list(groups.items())

    # ------------------------------------------------------------ inference
    def memory_indices(self, current_index: int) -> List[int]:
        """MAST's memory for frame ``t``: long-term frames before it and
        ``t - g`` for the short-term gaps, sorted, without repeats."""
        long_term = [i for i in self.test_cfg['long_term_frames']
                     if i < current_index]
        short_term = [current_index - g
                      for g in self.test_cfg['short_term_gaps']
                      if current_index - g > 0]
        return sorted(set(long_term + short_term))

    def propagate(self, frames: Sequence[Tensor], first_labels: Tensor,
                  num_labels: Optional[int] = None) -> List[Tensor]:
        """Propagate the first frame's labels through the clip.

        Args:
            frames (list[Tensor]): ``N`` Lab frames ``[B, 3, H, W]``.
            first_labels (Tensor): ``[B, 1, H, W]`` ids of frame 0.
            num_labels (int, optional): One-hot width (default: largest id
                + 1).

        Returns:
            list[Tensor]: ``N`` label maps ``[B, 1, H, W]`` (int64), the
            first one ``first_labels``.
        """
        if first_labels.shape[-2:] != frames[0].shape[-2:]:
            raise ValueError(f'the first-frame mask is '
                             f'{tuple(first_labels.shape[-2:])}, the frames '
                             f'{tuple(frames[0].shape[-2:])}')
        num_labels = num_labels or int(first_labels.max()) + 1
        labels = [first_labels.long()]
        keys = {0: self.extract_keys(frames[0])}
        values = {0: one_hot_labels(self.subsample(labels[0]), num_labels)}
        for t in range(1, len(frames)):
            memory = self.memory_indices(t)
            query = self.extract_keys(frames[t])
            scores = self.read_memory(query, [keys[i] for i in memory],
                                      [values[i] for i in memory], memory, t,
                                      self.test_cfg['window_size'])
            scores = F.interpolate(scores, size=frames[t].shape[-2:],
                                   mode='bilinear', align_corners=False)
            labels.append(scores.argmax(1, keepdim=True))
            keys[t] = query
            values[t] = one_hot_labels(self.subsample(labels[t]), num_labels)
            self._forget(keys, values, t + 1)
        return labels

    def _forget(self, keys: Dict, values: Dict, next_index: int) -> None:
        """Drop frames that no frame from ``next_index`` on can read."""
        oldest = next_index - max(self.test_cfg['short_term_gaps'])
        keep = set(self.test_cfg['long_term_frames'])
        for index in [i for i in keys if i < oldest and i not in keep]:
            del keys[index], values[index]

    @staticmethod
    def _check_frame_sizes(sample, index: int) -> None:
        sizes = [tuple(v.metainfo['img_shape']) for v in sample.views
                 if 'img_shape' in v.metainfo]
        if len(set(sizes)) > 1:
            frames = [i for i, size in enumerate(sizes) if size != sizes[0]]
            raise ValueError(
                f'sample {index}: the frames of a clip must share one size; '
                f'frame 0 is {sizes[0]}, frame {frames[0]} is '
                f'{sizes[frames[0]]} (resize them in the pipeline)')

    def predict(self, views: List[Tensor], data_samples, extras=None):
        """Propagate each clip's first-frame ``gt_sem_seg``."""
        first = []
        for b, sample in enumerate(data_samples):
            self._check_frame_sizes(sample, b)
            gt = sample.views[0].get('gt_sem_seg')
            if gt is None:
                raise ValueError(f'sample {b}: MAST propagates the first '
                                 'frame\'s mask; its first view has no '
                                 'gt_sem_seg')
            # DAVIS marks void pixels 255; they are background here, as
            # in the official scorer
            labels = gt.data.to(views[0].device)
            first.append(torch.where(labels == 255, 0, labels))
        first = torch.stack(first)
        height, width = first.shape[-2:]
        frames = [view[..., :height, :width] for view in views]
        labels = self.propagate(frames, first, self.test_cfg['num_labels'])
        return self.write_predictions(
            data_samples, view_fields=dict(
                pred_sem_seg=torch.stack(labels, dim=1)))
