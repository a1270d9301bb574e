# Copyright (c) mmcorr contributors. All rights reserved.
"""Training-free co-saliency on a pretrained trunk: the baseline that tells
what a co-saliency network adds to the features it starts from."""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from mmcorr.registry import MODELS
from ..layers.icnet_blocks import intra_saliency_vectors
from ..multi_view_model import MultiViewModel

__all__ = ['FeatureConsensusCoSaliency']


@MODELS.register_module()
class FeatureConsensusCoSaliency(MultiViewModel):
    """The group's consensus vector compared with every pixel, times the
    SISM: no layer of its own, nothing trained.

    For a group of ``N`` images:

    1. features: each backbone output L2-normalised over channels, resized
       (bilinear, ``align_corners=False``) to the first output's grid,
       concatenated and normalised again: ``[N, C, h, w]``;
    2. each image's vector: the SISM-weighted average of its features,
       unit norm (ICNet's NMAP, :func:`intra_saliency_vectors`);
    3. the group's consensus: the mean of the ``N`` vectors, unit norm;
    4. each image's map: the cosine of every pixel with the consensus,
       clamped at 0, min-max normalised per image, resized to the input
       size (bilinear) and multiplied by the SISM.

    So the map keeps what the salient-object model found where it looks
    like what the group has in common.

    Args:
        backbone (dict): A registered trunk returning a tuple of maps, with
            its pretrained ``init_cfg`` (test with ``tools/test.py CONFIG
            init``).
        data_preprocessor (dict): A ``MultiViewDataPreprocessor`` config.

    Inputs: views ``[B, 3, H, W]`` (one per image of the group) and the
    extra input ``sism`` ``[B, 1, H, W]`` per view, in ``[0, 1]``.
    Prediction: ``pred_saliency`` ``[1, H, W]`` in ``[0, 1]`` per view.
    """

    task = 'cosaliency'

    def __init__(self, backbone: Dict,
                 data_preprocessor: Optional[Dict] = None, init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.backbone.requires_grad_(False)

    def extract_feat(self, images: Tensor) -> Tensor:
        """``[N, 3, H, W]`` -> ``[N, sum C_i, h, w]`` unit-norm features on
        the first tap's grid."""
        taps = self.backbone(images)
        size = taps[0].shape[-2:]
        features = torch.cat([
            F.interpolate(F.normalize(t, dim=1), size=size, mode='bilinear',
                          align_corners=False) for t in taps
        ], dim=1)
        return F.normalize(features, dim=1)

    def group_maps(self, images: Tensor, sisms: Tensor) -> Tensor:
        """One group: ``[N, 3, H, W]`` images, ``[N, 1, H, W]`` SISMs in
        ``[0, 1]`` -> ``[N, 1, H, W]`` co-saliency maps in ``[0, 1]``."""
        features = self.extract_feat(images)
        small = F.interpolate(sisms, size=features.shape[-2:],
                              mode='bilinear', align_corners=False)
        vectors = intra_saliency_vectors(features, small)  # [N, C]
        consensus = F.normalize(vectors.mean(0), dim=0)
        cosine = torch.einsum('nchw,c->nhw', features, consensus).clamp(min=0)
        flat = cosine.flatten(1)
        low = flat.min(1, keepdim=True)[0]
        high = flat.max(1, keepdim=True)[0]
        flat = (flat - low) / (high - low + 1e-12)
        maps = F.interpolate(flat.view_as(cosine)[:, None],
                             size=sisms.shape[-2:], mode='bilinear',
                             align_corners=False)
        return maps * sisms

    def _forward(self, views: List[Tensor],
                 extras: Dict[str, List[Tensor]]) -> Tensor:
        """``[B, N, 1, H, W]`` maps in ``[0, 1]``."""
        if not extras or 'sism' not in extras:
            raise KeyError('FeatureConsensusCoSaliency needs the extra input '
                           "'sism' (PackMultiViewInputs(extra_inputs="
                           "('sism', )))")
        images = torch.stack(views, dim=1)
        sisms = torch.stack(extras['sism'], dim=1).clamp(0, 1)
        return torch.stack([self.group_maps(i, s)
                            for i, s in zip(images, sisms)])

    def predict(self, views: List[Tensor], data_samples, extras=None):
        maps = self._forward(views, extras or {})
        return self.write_predictions(
            data_samples,
            view_fields=dict(pred_saliency=maps,
                             pred_sem_seg=(maps > 0.5).long()))

    def loss(self, views, data_samples, extras=None):
        raise ValueError('FeatureConsensusCoSaliency is training-free: it '
                         'has no loss (predict or tensor)')

    def train_step(self, *args, **kwargs):
        raise RuntimeError('FeatureConsensusCoSaliency is a training-free '
                           'baseline; evaluate it with tools/test.py CONFIG '
                           'init')
