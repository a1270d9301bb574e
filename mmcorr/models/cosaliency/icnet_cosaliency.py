# Copyright (c) mmcorr contributors. All rights reserved.
"""ICNet co-saliency detection (Jin et al., NeurIPS 2020).

Not mmseg's ``ICNet`` (image-cascade real-time segmentation): this model
finds the object a group of images has in common, guided by single-image
saliency maps (SISMs).
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from torch import Tensor

from mmcorr.registry import MODELS
from ..layers.icnet_blocks import (CoSaliencyModule, GuidedDecoderBlock,
                                   ICNetResidualBlock, norm_layer,
                                   resize_corner_aligned)
from ..multi_view_model import MultiViewModel
from ..saliency import check_sisms


def _compress6(channels: int = 128,
               norm_cfg: Optional[Dict] = None) -> nn.Sequential:
    """conv5_3 -> stride 32: pool, 1x1 512->128, two 3x3+BN+ReLU, 3x3."""
    return nn.Sequential(
        nn.MaxPool2d(2, 2), nn.Conv2d(512, channels, 1),
        nn.Conv2d(channels, channels, 3, 1, 1),
        norm_layer(norm_cfg, channels), nn.ReLU(inplace=True),
        nn.Conv2d(channels, channels, 3, 1, 1),
        norm_layer(norm_cfg, channels), nn.ReLU(inplace=True),
        nn.Conv2d(channels, channels, 3, 1, 1))


@MODELS.register_module()
class ICNetCoSaliency(MultiViewModel):
    """ICNet: intra-saliency correlation network for co-saliency detection.

    A sample is a group of ``N`` views (images) with a SISM per image (the
    extra input ``sism``, ``[B, N, 1, H, W]`` in ``[0, 1]``); the network
    processes the group as its batch. VGG16 taps (strides 1-16), three
    co-saliency modules at strides 32, 16, 8 (NMAP, CFM and RSCF on the
    SISMs and on ``1 - SISMs``), a fusion to a stride-8 map and three
    guided decoder blocks to full resolution.

    Groups: any size from 1. A group of one is defined: its CFM is the
    image's own correlation map with its intra-saliency vector, min-max
    normalised (nothing is "common" but the image's own salient region).
    Shuffling a group permutes the outputs and changes nothing else.
    Training a group of one with BatchNorm layers in training mode is
    refused (``GroupBatchSampler`` skips such chunks, as the official
    sampler does).

    Input size: the official model (``rscf_keys='native'``) runs at
    ``input_size`` only, because RSCF has ``H*W/s^2`` channels; other sizes
    are refused. ``rscf_keys='fixed_grid'`` resamples the RSCF keys to the
    ``input_size`` grid, so any size (multiple of 32) runs with the same
    weights, and at ``input_size`` the output is the official one.

    Predictions (``predict``): per view ``pred_saliency`` (``PixelData``
    ``[1, h, w]`` probabilities at the view's ``img_shape``), and
    ``pred_sem_seg`` (the map above 0.5).

    Args:
        backbone (dict): A ``VGG16PrePoolTaps`` config.
        input_size (tuple): ``(H, W)`` the co-saliency modules are built for
            (the official model: 224 x 224; RSCF has ``H*W/s^2`` channels).
        tap_stride (int): The stride of the backbone's first tap: 1 for
            VGG16 (taps at strides 1, 2, 4, 8, 16: the official model), 2
            for a trunk whose taps are at 2, 4, 8, 16, 32 (EfficientNet-Lite
            through ``ProjectedTaps``). The modules then see the features of
            an ``input_size / tap_stride`` image and the side outputs are
            resized to the input.
        loss_decode (dict): The loss of the four side outputs
            (``SoftIoULoss``).
        decoder_guidance (str): ``'stride8'`` (official: every decoder
            block is gated by the stride-8 map) or ``'previous'`` (each by
            the previous block's map).
        rscf_keys (str): ``'native'`` (official) or ``'fixed_grid'``.
        norm_cfg (dict, optional): The norm layers of the head (ICNet:
            ``dict(type='BN')``, the default). A batch is one group, so
            BN's training statistics are the group's own while its running
            statistics average over groups: with few, similar groups the
            two drift apart and a model can score far lower in ``eval()``
            than in training (the PhotoGroups ImageNet-start recipe: see
            configs/icnet/README.md). ``dict(type='GN', num_groups=16)``
            normalises each image alone, the same in both modes.
        head_init (str): Initialisation of everything but the backbone and
            the ``sism_model`` by :meth:`init_weights`: ``'official'``
            (ICNet's ``weights_init``: convs ``N(0, 0.01)``, biases 0, BN
            weights 1) or ``'pytorch'`` (PyTorch's defaults, kept). The
            backbone follows its own ``init_cfg`` (officially ImageNet
            VGG16).
        sism_model (dict, optional): A registered single-image saliency
            model (``FrequencyTunedSaliency``, ``SegmentorSaliency``) that
            makes the SISMs when the data have none.
        data_preprocessor (dict): A ``MultiViewDataPreprocessor`` config
            with ``extra_inputs`` carrying ``sism``.
        init_cfg (dict, optional): Initialisation.
    """

    task = 'cosaliency'

    def __init__(self,
                 backbone: Dict,
                 input_size: Tuple[int, int] = (224, 224),
                 tap_stride: int = 1,
                 loss_decode: Optional[Dict] = None,
                 decoder_guidance: str = 'stride8',
                 rscf_keys: str = 'native',
                 head_init: str = 'official',
                 norm_cfg: Optional[Dict] = None,
                 sism_model: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        if decoder_guidance not in ('stride8', 'previous'):
            raise ValueError("decoder_guidance must be 'stride8' or "
                             f"'previous', got {decoder_guidance!r}")
        self.decoder_guidance = decoder_guidance
        if head_init not in ('official', 'pytorch'):
            raise ValueError("head_init must be 'official' or 'pytorch', "
                             f'got {head_init!r}')
        self.head_init = head_init
        self.backbone = MODELS.build(backbone)
        if tap_stride not in (1, 2):
            raise ValueError(f'tap_stride must be 1 or 2, got {tap_stride}')
        self.input_size = tuple(input_size)
        self.tap_stride = tap_stride
        height, width = (s // tap_stride for s in input_size)
        self.norm_cfg = norm_cfg
        self.compress6 = _compress6(norm_cfg=norm_cfg)
        self.compress5 = nn.Conv2d(512, 256, 1)
        self.compress4 = nn.Conv2d(512, 256, 1)
        if height % 32 or width % 32:
            raise ValueError(f'input_size {input_size} must be multiples of '
                             f'{32 * tap_stride} (the stride of the deepest '
                             'features)')
        self.rscf_keys = rscf_keys
        self.cosal6 = CoSaliencyModule((height // 32, width // 32), rscf_keys,
                                       norm_cfg=norm_cfg)
        self.cosal5 = CoSaliencyModule((height // 16, width // 16), rscf_keys,
                                       norm_cfg=norm_cfg)
        self.cosal4 = CoSaliencyModule((height // 8, width // 8), rscf_keys,
                                       norm_cfg=norm_cfg)
        self.merge56 = ICNetResidualBlock(128, norm_cfg)
        self.merge45 = nn.Sequential(ICNetResidualBlock(128, norm_cfg),
                                     nn.Conv2d(128, 32, 1))
        self.predict4 = nn.Conv2d(32, 1, 1)
        self.decoder3 = GuidedDecoderBlock(256, norm_cfg=norm_cfg)
        self.decoder2 = GuidedDecoderBlock(128, norm_cfg=norm_cfg)
        self.decoder1 = GuidedDecoderBlock(64, norm_cfg=norm_cfg)
        self.loss_decode = MODELS.build(loss_decode
                                        or dict(type='SoftIoULoss'))
        self.sism_model = MODELS.build(sism_model) if sism_model else None

    def init_weights(self) -> None:
        """ICNet's ``weights_init`` on the head (``head_init='official'``),
        then mmengine's initialisation (the backbone's ``init_cfg``)."""
        if self.head_init == 'official':
            for name, module in self.named_modules():
                if name.startswith(('backbone', 'sism_model')):
                    continue
                if isinstance(module, nn.Conv2d):
                    nn.init.normal_(module.weight, 0, 0.01)
                    if module.bias is not None:
                        nn.init.zeros_(module.bias)
                elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm)):
                    nn.init.ones_(module.weight)
                    nn.init.zeros_(module.bias)
        super().init_weights()

    def group_maps(self, images: Tensor, sisms: Tensor) -> List[Tensor]:
        """One group: ``[N, 3, H, W]`` images, ``[N, 1, H, W]`` SISMs ->
        the sigmoid co-saliency maps at strides 8, 4, 2, 1 (``[N, 1, h,
        w]`` each; the last is the prediction)."""
        conv1, conv2, conv3, conv4, conv5 = self.backbone(images)
        cosal6 = self.cosal6(self.compress6(conv5), sisms)
        cosal5 = self.cosal5(self.compress5(conv5), sisms)
        cosal4 = self.cosal4(self.compress4(conv4), sisms)
        feat56 = self.merge56(
            cosal5 + resize_corner_aligned(cosal6, cosal5.shape[-2:]))
        feat45 = self.merge45(
            cosal4 + resize_corner_aligned(feat56, cosal4.shape[-2:]))
        map4 = torch.sigmoid(self.predict4(feat45))
        progressive = self.decoder_guidance == 'previous'
        feat34, map3 = self.decoder3(conv3, map4, sisms, feat45)
        feat23, map2 = self.decoder2(conv2, map3 if progressive else map4,
                                     sisms, feat34)
        _, map1 = self.decoder1(conv1, map2 if progressive else map4, sisms,
                                feat23)
        return [map4, map3, map2, map1]

    def side_outputs(self, images: Tensor, sisms: Tensor) -> List[Tensor]:
        """The four maps resized to the input (``align_corners=True``),
        coarse to fine, as the official training forward returns them."""
        size = images.shape[-2:]
        return [m if m.shape[-2:] == size else resize_corner_aligned(m, size)
                for m in self.group_maps(images, sisms)]

    # ------------------------------------------------------ MultiViewModel
    def _group(self, views: List[Tensor], extras: Dict[str, List[Tensor]],
               index: int) -> Tuple[Tensor, Tensor]:
        """Sample ``index`` -> ``[N, 3, H, W]`` images, ``[N, 1, H, W]``
        SISMs (from the data, else from ``sism_model``)."""
        images = torch.stack([v[index] for v in views])
        if images.shape[1] != 3:
            raise ValueError(f'ICNetCoSaliency takes 3-channel images, got '
                             f'{images.shape[1]} channels (load grey or '
                             "RGBA files with color_type='color')")
        if 'sism' in extras:
            sisms = torch.stack([s[index] for s in extras['sism']])
        elif self.sism_model is not None:
            sisms = self.sism_model(self._unnormalised_rgb(images))
        else:
            raise KeyError('ICNetCoSaliency needs a SISM per image: the '
                           "extra input 'sism' (LoadSaliencyMap + "
                           "PackMultiViewInputs(extra_inputs=('sism',))), "
                           'or a sism_model to make them')
        return images, check_sisms(sisms, images)

    def _unnormalised_rgb(self, images: Tensor) -> Tensor:
        """The preprocessor's output back to RGB ``0..255``."""
        pre = self.data_preprocessor
        if getattr(pre, 'color_space', 'rgb') != 'rgb' or \
                not getattr(pre, 'bgr_to_rgb', True):
            raise ValueError(
                'sism_model needs RGB inputs: the data preprocessor must '
                "convert BGR to RGB (bgr_to_rgb=True) in color_space='rgb'")
        if getattr(pre, '_enable_normalize', False):
            images = images * pre.std.view(1, -1, 1, 1) + \
                pre.mean.view(1, -1, 1, 1)
        return images

    def _check_trainable_group(self, size: int) -> None:
        if size > 1 or not self.training:
            return
        if any(isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training
               for m in self.modules()):
            raise ValueError(
                'a group of one image cannot be trained: BatchNorm needs '
                'more than one image per batch (use GroupBatchSampler, '
                'which skips groups/chunks of one, or a larger group)')

    def _forward(self, views: List[Tensor], extras: Dict[str, List[Tensor]]):
        """Per sample (group), the four maps of :meth:`group_maps`."""
        return [self.group_maps(*self._group(views, extras, i))
                for i in range(len(views[0]))]

    @staticmethod
    def _targets(sample) -> Tensor:
        """``[N, 1, H, W]`` loss targets of one group: every view's soft
        ``gt_saliency`` (grey / 255 in ``[0, 1]``, what ICNet's loss sees;
        ``LoadSaliencyMap(path_key='seg_map_path', key='gt_saliency')``)
        when the views have one, else its 0/1 ``gt_sem_seg``
        (``LoadBinaryMask``)."""
        soft = all('gt_saliency' in v for v in sample.views)
        target = torch.stack([(v.gt_saliency if soft else v.gt_sem_seg).data
                              for v in sample.views])
        return target if target.is_floating_point() else target.float()

    def loss(self, views: List[Tensor], data_samples, extras=None):
        """The soft IoU loss of the four side outputs (resized to the
        input) against each view's ground truth (:meth:`_targets`), per
        group; the mean over groups."""
        losses = []
        for i, sample in enumerate(data_samples):
            images, sisms = self._group(views, extras, i)
            self._check_trainable_group(len(images))
            losses.append(self.loss_decode(
                self.side_outputs(images, sisms), self._targets(sample)))
        return dict(loss_iou=torch.stack(losses).mean())

    def predict(self, views: List[Tensor], data_samples, extras=None):
        """The finest map of each group, at the input size (resized,
        ``align_corners=True``, when ``tap_stride`` is 2)."""
        size = views[0].shape[-2:]
        maps = torch.stack([
            group[-1] if group[-1].shape[-2:] == size else
            resize_corner_aligned(group[-1], size)
            for group in self._forward(views, extras)
        ])
        return self.write_predictions(
            data_samples,
            view_fields=dict(pred_saliency=maps,
                             pred_sem_seg=(maps > 0.5).long()))
