# Copyright (c) mmcorr contributors. All rights reserved.
"""SFNet for semantic correspondence (Lee et al., CVPR 2019).

Not to be confused with the segmentation SFNet (``SFNetHead``): this model
matches two images of different instances of a class, trained only with
their foreground masks.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from mmcorr.ops import (global_correlation, global_correlation_chunks,
                        identity_grid, kernel_soft_argmax,
                        l2_normalize_features, soft_argmax_grid,
                        transpose_correlation)
from mmcorr.registry import MODELS
from ..layers import ResidualAdaptation
from ..multi_view_model import MultiViewModel


@MODELS.register_module()
class SemanticFlowMatcher(MultiViewModel):
    """SFNet's semantic flow matcher.

    Two backbone levels (ResNet-101 C4 and C5, strides 16 and 32) of each
    image pass through Siamese residual adaptation layers; C5 is upsampled x2
    (align_corners=True) onto C4's grid. Per level, the ReLU of the cosine
    global correlation; their product, L2-normalised over the candidate axis,
    is matched by the kernel soft argmax in both directions, giving grids and
    flows in ``linspace(-1, 1)`` units (align_corners=True meaning).

    Args:
        backbone (dict): An mmseg backbone config (e.g. ``ResNet`` depth 101,
            ``out_indices=(2, 3)``).
        adaptation_channels (Sequence[int]): Channels of the two levels.
        adaptation_kernels (Sequence[int]): Conv kernels of their adaptation
            layers (SFNet: 5 and 3).
        beta (float, optional): Soft argmax temperature (``None``: hard).
        kernel_sigma (float, optional): Gaussian kernel width in feature
            cells (``None``: no kernel).
        freeze_backbone (bool): Keep the backbone frozen and in eval mode
            (SFNet, with ImageNet weights). ``False`` trains it too, for data
            without pretrained weights.
        losses (list[dict]): Loss configs, each called as ``loss(grid_s2t,
            grid_t2s, flow_s2t, flow_t2s, src_mask, tgt_mask)`` (SFNet's
            three by default; their ``legacy_*`` options reproduce the
            official code's sampling and smoothness kernel).
        chunk_size (int, optional): At inference, match ``chunk_size``
            positions at a time, so that no more than one chunk of each
            correlation volume exists (same numbers; for large inputs).
        data_preprocessor (dict): A ``MultiViewDataPreprocessor`` config.
    """

    task = 'correspondence'
    num_views = 2

    def __init__(self,
                 backbone: Dict,
                 adaptation_channels: Sequence[int] = (1024, 2048),
                 adaptation_kernels: Sequence[int] = (5, 3),
                 beta: Optional[float] = 50.0,
                 kernel_sigma: Optional[float] = 5.0,
                 freeze_backbone: bool = True,
                 losses: Optional[List[Dict]] = None,
                 chunk_size: Optional[int] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.adapt_fine, self.adapt_coarse = (
            ResidualAdaptation(c, k)
            for c, k in zip(adaptation_channels, adaptation_kernels))
        self.beta, self.kernel_sigma = beta, kernel_sigma
        self.freeze_backbone = freeze_backbone
        self.chunk_size = chunk_size
        self.losses = torch.nn.ModuleList(
            MODELS.build(cfg) for cfg in (losses or self.default_losses()))
        if freeze_backbone:
            self.backbone.requires_grad_(False)

    @staticmethod
    def default_losses() -> List[Dict]:
        return [dict(type='MaskConsistencyLoss'),
                dict(type='FlowConsistencyLoss'),
                dict(type='FlowSmoothnessLoss')]

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze_backbone:
            self.backbone.eval()
        return self

    # --------------------------------------------------------------- features
    def extract_feat(self, images: Tensor) -> Tuple[Tensor, Tensor]:
        """``[B, 3, H, W]`` -> adapted C4 ``[B, C4, h, w]`` and C5 upsampled
        onto the same grid ``[B, C5, h, w]``."""
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.freeze_backbone):
            fine, coarse = self.backbone(images)[-2:]
        return self.adapt_features(fine, coarse)

    def adapt_features(self, fine: Tensor,
                       coarse: Tensor) -> Tuple[Tensor, Tensor]:
        fine = self.adapt_fine(fine)
        coarse = F.interpolate(self.adapt_coarse(coarse),
                               scale_factor=2, mode='bilinear',
                               align_corners=True)
        return fine, coarse

    def correlations(self, src: Tuple[Tensor, Tensor],
                     tgt: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
        """Fused correlations ``S->T`` ``[B, Ht*Wt, Hs, Ws]`` and ``T->S``."""
        levels = [global_correlation(s, t, normalize=True).relu()
                  for s, t in zip(src, tgt)]
        size_t = src[0].shape[2:]
        s2t = levels[0] * levels[1]
        t2s = transpose_correlation(levels[0], size_t) * \
            transpose_correlation(levels[1], size_t)
        return l2_normalize_features(s2t), l2_normalize_features(t2s)

    def match(self, src: Tuple[Tensor, Tensor], tgt: Tuple[Tensor, Tensor],
              chunked: bool = True) -> Dict[str, Tensor]:
        """Match adapted features in both directions.

        Returns:
            dict: ``grid_s2t``/``grid_t2s`` ``[B, h, w, 2]`` and
            ``flow_s2t``/``flow_t2s`` ``[B, 2, h, w]`` (normalised units,
            ``align_corners=True`` meaning). With ``chunk_size`` set and
            ``chunked``, one chunk of each correlation at a time (training
            passes ``chunked=False``).
        """
        if self.chunk_size is None or not chunked:
            corr_s2t, corr_t2s = self.correlations(src, tgt)
            size_s, size_t = src[0].shape[2:], tgt[0].shape[2:]
            grid_s2t, flow_s2t = kernel_soft_argmax(corr_s2t, size_t,
                                                    self.beta,
                                                    self.kernel_sigma)
            grid_t2s, flow_t2s = kernel_soft_argmax(corr_t2s, size_s,
                                                    self.beta,
                                                    self.kernel_sigma)
        else:
            grid_s2t, flow_s2t = self._chunked_match(src, tgt)
            grid_t2s, flow_t2s = self._chunked_match(tgt, src)
        return dict(grid_s2t=grid_s2t, grid_t2s=grid_t2s, flow_s2t=flow_s2t,
                    flow_t2s=flow_t2s)

    def _chunked_match(self, a: Tuple[Tensor, Tensor],
                       b: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
        """Grid and flow from A to B, ``chunk_size`` A positions at a time.

        Per chunk: each level's ReLU cosine correlation ``[B, Hb*Wb, n]``,
        their product L2-normalised over B positions, the kernel soft
        argmax. Only one chunk of each volume exists at a time.
        """
        batch, _, height, width = a[0].shape
        chunks = zip(*(global_correlation_chunks(fa, fb, self.chunk_size,
                                                 normalize=True)
                       for fa, fb in zip(a, b)))
        grids = []
        for parts in chunks:
            corr = parts[0][1].relu() * parts[1][1].relu()
            grids.append(soft_argmax_grid(l2_normalize_features(corr),
                                          b[0].shape[2:], self.beta,
                                          self.kernel_sigma))
        grid = torch.cat(grids, 1).view(batch, height, width, 2)
        flow = grid - identity_grid(height, width, grid)
        return grid, flow.permute(0, 3, 1, 2)

    # ------------------------------------------------------ MultiViewModel
    def _masks(self, data_samples, size) -> Tuple[Tensor, Tensor]:
        """Ground-truth masks at feature size, binarised (> 0.1).

        The official dataset resizes masks with PIL's (antialiased) bilinear
        filter; torch's antialiased bilinear resize is the same filter.
        """
        masks = []
        for index in (0, 1):
            mask = torch.stack(
                [self._fg_mask(s, index) for s in data_samples])
            mask = F.interpolate(mask.float(), size=size, mode='bilinear',
                                 align_corners=False, antialias=True)
            masks.append((mask > 0.1).to(mask.dtype))
        return masks[0], masks[1]

    @staticmethod
    def _fg_mask(sample, index: int) -> Tensor:
        mask = sample.views[index].get('gt_fg_mask')
        if mask is None:
            raise KeyError(f'SemanticFlowMatcher is trained with foreground '
                           f'masks: view {index} of the sample has no '
                           'gt_fg_mask (LoadForegroundMask / '
                           'RandomAffinePair make them)')
        return mask.data

    def _features(self, views: List[Tensor]):
        return self.extract_feat(views[0]), self.extract_feat(views[1])

    def _forward(self, views: List[Tensor], extras=None) -> Dict[str, Tensor]:
        """The matching dict of :meth:`match`."""
        return self.match(*self._features(views))

    def loss(self, views: List[Tensor], data_samples,
             extras=None) -> Dict[str, Tensor]:
        """SFNet's losses with the masks resized to the feature grid."""
        src, tgt = self._features(views)
        src_mask, tgt_mask = self._masks(data_samples, src[0].shape[2:])
        out = self.match(src, tgt, chunked=False)
        return {
            f'loss_{type(loss).__name__}': loss(
                out['grid_s2t'], out['grid_t2s'], out['flow_s2t'],
                out['flow_t2s'], src_mask, tgt_mask)
            for loss in self.losses
        }

    def predict(self, views: List[Tensor], data_samples, extras=None):
        """``pred_grid_s2t`` / ``pred_grid_t2s`` ``[h, w, 2]`` per sample."""
        out = self._forward(views)
        return self.write_predictions(
            data_samples, dict(pred_grid_s2t=out['grid_s2t'],
                               pred_grid_t2s=out['grid_t2s']))
