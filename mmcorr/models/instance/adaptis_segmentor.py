# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS (Sofiiuk, Barinova, Konushin, ICCV 2019): the whole model.

A backbone gives a feature map; the instance head turns it and a query
point into the mask of the object under the point; a semantic head gives
the class of every pixel (stuff and "thing"); a proposal head, trained in a
second stage on detached features with everything else frozen, scores how
good a query each pixel would be. Inference assembles instances greedily
from proposal peaks (:mod:`mmcorr.models.instance.adaptis_inference`).

An image with point queries is a one-view sample of the multi-view data
contract: the points are the view's ``gt_keypoints`` (``[K, 2]`` ``(x, y)``
in input pixels) and the instance ids its ``gt_instance_ids``.
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.structures import PixelData
from torch import Tensor

from mmcorr.ops import sample_points
from mmcorr.registry import MODELS
from ..layers.adaptis_blocks import AdaptiveInstanceNorm
from ..multi_view_model import MultiViewModel
from .adaptis_inference import (CropResult, assemble_from_proposals,
                                assemble_randomly, connected_components,
                                crop_offsets, flip_points, panoptic_merge,
                                resolve_test_cfg, stitch_crops)

__all__ = ['AdaptISSegmentor', 'finest_map', 'official_xavier_init']

#: a backbone output: one map, or a pyramid of maps, finest first
FeatureMaps = Union[Tensor, Sequence[Tensor]]


def _pretrained_modules(model: nn.Module) -> set:
    """The sub-modules of ``model`` whose ``init_cfg`` loads weights
    (``type='Pretrained'``), and everything inside them."""
    kept = set()
    for module in model.modules():
        cfg = getattr(module, 'init_cfg', None)
        cfgs = cfg if isinstance(cfg, list) else [cfg]
        if module is not model and any(
                isinstance(c, dict) and c.get('type') == 'Pretrained'
                for c in cfgs):
            kept.update(module.modules())
    return kept


def official_xavier_init(model: nn.Module) -> None:
    """The official toy initialisation (``XavierGluon(gaussian,
    magnitude=1)``): conv and linear weights ``N(0, 2 / (fan_in +
    fan_out))``, biases 0, norms 1 / 0; the bilinear upsamplers and AdaIN's
    scale bias (1, unless it reproduces the PyTorch port) keep their own
    initialisation. Sub-modules that load pretrained weights (an ImageNet
    backbone's ``init_cfg=dict(type='Pretrained', ...)``) are left alone, as
    the official Cityscapes model initialises only the layers it adds."""
    kept = _pretrained_modules(model)
    for module in model.modules():
        if module in kept:
            continue
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_normal_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.modules.batchnorm._NormBase) and \
                module.affine:
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
    for module in model.modules():
        if isinstance(module, AdaptiveInstanceNorm):
            module.reset_scale_bias()


@MODELS.register_module()
class AdaptISSegmentor(MultiViewModel):
    """AdaptIS: point-driven instance selection and panoptic assembly.

    Args:
        backbone (dict): Feature extractor with an ``out_channels``
            attribute: ``[B, 3, H, W] -> [B, C, h, w]``, or a pyramid, a
            list of maps finest first (``SegmentorFeatures`` without a
            decode head: the official FPN variant). The instance and
            proposal heads read the map (the pyramid's finest level), the
            semantic head the whole backbone output.
        instance_head (dict): :class:`AdaptISInstanceHead` config
            (``in_channels`` filled in).
        semantic_head (dict, optional): ``[B, C, h, w] -> [B, S, h, w]``
            (``ConvStackHead``; on a pyramid an mmseg decode head such as
            ``mmseg.FPNHead``), class 0 background / stuff; its
            ``in_channels`` is filled in unless given.
        proposal_head (dict, optional): ``[B, C, h, w] -> [B, 1, h, w]``.
        spatial_scale (float): ``h / H`` of the backbone output (the
            instance head's, whose relative coordinates and point features
            use it, follows it unless set alike); outputs at
            another scale are upsampled bilinearly (``align_corners=True``)
            to the input size.
        loss_instance, loss_semantic, loss_proposal (dict): Loss configs.
        train_cfg (dict): ``stage``: ``'instances'`` (stage 1: instance and
            semantic losses; the proposal head frozen) or ``'proposals'``
            (stage 2: only the proposal head learns, the rest frozen in
            eval mode); ``legacy_frozen_train_mode`` (stage 2, default
            False): keep the frozen rest in train mode, as the official
            PyTorch trainer does (``add_proposals_head`` only sets
            ``requires_grad=False``): its BatchNorms then normalise with
            batch statistics, so the instance masks that rank the points
            differ from the test-time masks, and they keep updating their
            running statistics, so stage 2 changes the stage-1 model's
            inference although its parameters are frozen.
        test_cfg (dict): Inference: ``sampler`` (``'proposals'``: greedy
            from proposal peaks; ``'random'``: greedy from random points;
            ``'components'``: the connected-components baseline),
            ``use_flip``, ``legacy_flip_column`` (the official ``W - x``),
            ``seed`` (random sampler), ``batch_size`` (candidates per head
            pass), ``crop_size`` ``(h, w)`` and ``min_overlap`` (images
            larger than a crop in overlapping crops, official default
            0.2; ``None``: whole), ``num_stuff_classes`` (semantic channels before the
            things), the merge's ``stuff_prob_mult`` / ``min_things_prob``
            / ``min_stuff_prob``, and the sampler's parameters (official
            defaults, :mod:`~mmcorr.models.instance.adaptis_inference`).
        data_preprocessor (dict): ``MultiViewDataPreprocessor`` config.
        init_cfg: ``None`` applies :func:`official_xavier_init`.
    """

    task = 'instances'
    num_views = 1

    def __init__(self,
                 backbone: Dict,
                 instance_head: Dict,
                 semantic_head: Optional[Dict] = None,
                 proposal_head: Optional[Dict] = None,
                 spatial_scale: float = 1.0,
                 loss_instance: Optional[Dict] = None,
                 loss_semantic: Optional[Dict] = None,
                 loss_proposal: Optional[Dict] = None,
                 train_cfg: Optional[Dict] = None,
                 test_cfg: Optional[Dict] = None,
                 data_preprocessor: Optional[Dict] = None,
                 init_cfg=None):
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        channels = self.backbone.out_channels
        instance_head = dict(instance_head, in_channels=channels)
        head_scale = instance_head.setdefault('spatial_scale', spatial_scale)
        if not math.isclose(float(head_scale), float(spatial_scale)):
            raise ValueError(
                f'instance_head.spatial_scale ({head_scale}) differs from the '
                f"segmentor's spatial_scale ({spatial_scale}): the head's "
                'relative coordinates and point features would be read at '
                'another scale than the features; leave it out (it follows '
                "the segmentor's) or set both alike")
        self.instance_head = MODELS.build(instance_head)
        self.semantic_head = None if semantic_head is None else \
            MODELS.build(dict(dict(in_channels=channels), **semantic_head))
        self.proposal_head = None if proposal_head is None else \
            MODELS.build(dict(proposal_head, in_channels=channels))
        self.spatial_scale = float(spatial_scale)
        self.loss_instance = MODELS.build(loss_instance or dict(
            type='NormalizedFocalLoss', alpha=0.5, gamma=2.0,
            loss_name='loss_instance'))
        self.loss_semantic = MODELS.build(loss_semantic or dict(
            type='NormalizedFocalLoss', use_sigmoid=False, gamma=1.0,
            loss_weight=0.75, loss_name='loss_semantic'))
        self.loss_proposal = MODELS.build(loss_proposal or dict(
            type='AdaptISProposalLoss'))
        self.train_cfg = {
            'stage': 'instances',
            'legacy_frozen_train_mode': False,
            **(train_cfg or {})
        }
        if self.train_cfg['stage'] not in ('instances', 'proposals'):
            raise ValueError("train_cfg['stage'] must be 'instances' or "
                             f"'proposals', got {self.train_cfg['stage']!r}")
        if self.train_cfg['stage'] == 'proposals':
            if self.proposal_head is None:
                raise ValueError('the proposal stage needs a proposal_head')
            self._freeze_all_but_proposals()
        elif self.proposal_head is not None:
            # stage 1 does not train it (the official model hides it then)
            self.proposal_head.requires_grad_(False)
        self.test_cfg = dict(test_cfg or {})

    def init_weights(self):
        super().init_weights()
        if self.init_cfg is None:
            official_xavier_init(self)

    # ------------------------------------------------------------ freezing
    def _freeze_all_but_proposals(self) -> None:
        for name, param in self.named_parameters():
            param.requires_grad = name.startswith('proposal_head.')

    def train(self, mode: bool = True):
        """In the proposal stage only the proposal head trains; the frozen
        rest stays in eval mode (its BatchNorm statistics fixed), unless
        ``train_cfg['legacy_frozen_train_mode']``."""
        super().train(mode)
        if mode and self.train_cfg['stage'] == 'proposals' and \
                not self.train_cfg['legacy_frozen_train_mode']:
            for name, child in self.named_children():
                if name != 'proposal_head':
                    child.eval()
        return self

    # ------------------------------------------------------------- network
    def _to_input_size(self, maps: Tensor, size) -> Tensor:
        if math.isclose(self.spatial_scale, 1.0):
            return maps
        return F.interpolate(maps, size, mode='bilinear', align_corners=True)

    def extract_features(self, images: Tensor) -> FeatureMaps:
        """``[B, 3, H, W]`` -> ``[B, C, h, w]``, or a pyramid of maps
        (finest first)."""
        return self.backbone(images)

    def semantic_logits(self, feat: FeatureMaps, size) -> Tensor:
        """``[B, S, H, W]`` semantic logits at the input size."""
        if self.semantic_head is None:
            raise ValueError('this model has no semantic_head')
        return self._to_input_size(self.semantic_head(feat), size)

    def proposal_logits(self, feat: FeatureMaps, size) -> Tensor:
        """``[B, 1, H, W]`` proposal logits at the input size (the head
        sees detached features)."""
        if self.proposal_head is None:
            raise ValueError('this model has no proposal_head')
        return self._to_input_size(self.proposal_map(feat), size)

    def proposal_map(self, feat: FeatureMaps) -> Tensor:
        """``[B, 1, h, w]`` proposal logits at the feature scale, from
        detached features (nothing flows back into the backbone)."""
        return self.proposal_head(finest_map(feat).detach())

    def instance_logits(self, feat: FeatureMaps, points: Tensor, size,
                        states=None) -> Tensor:
        """``[B, K, H, W]`` one logit map per point (``points`` ``[B, K,
        2]`` ``(x, y)`` input pixels), at the input size."""
        logits = self.instance_head(finest_map(feat), points, states)
        logits = self._to_input_size(logits, size)
        return logits.view(points.shape[0], points.shape[1], *size)

    def segment_points(self, images: Tensor, points: Tensor
                       ) -> Dict[str, Tensor]:
        """Everything the network computes for given query points.

        Args:
            images (Tensor): ``[B, 3, H, W]`` normalised images.
            points (Tensor): ``[B, K, 2]`` ``(x, y)`` in pixels of the
                images.

        Returns:
            dict: ``instances`` ``[B, K, H, W]`` logits; ``semantic``
            ``[B, S, H, W]`` logits (with a semantic head); ``proposals``
            ``[B, K]`` proposal logits at the points (with a proposal
            head).
        """
        check_points(points, images)
        size = images.shape[2:]
        feat = self.extract_features(images)
        out = {'instances': self.instance_logits(feat, points, size)}
        if self.semantic_head is not None:
            out['semantic'] = self.semantic_logits(feat, size)
        if self.proposal_head is not None:
            out['proposals'] = sample_map(self.proposal_map(feat),
                                          points * self.spatial_scale)
        return out

    def _forward(self, views: List[Tensor], extras: Dict[str, List[Tensor]]):
        """``mode='tensor'``: the point-free outputs, ``{'features',
        'semantic', 'proposals'}`` (maps at the input size)."""
        images = views[0]
        feat = self.extract_features(images)
        out = {'features': feat}
        if self.semantic_head is not None:
            out['semantic'] = self.semantic_logits(feat, images.shape[2:])
        if self.proposal_head is not None:
            out['proposals'] = self.proposal_logits(feat, images.shape[2:])
        return out


    # ------------------------------------------------------------ training
    def training_targets(self, data_samples, size, device
                         ) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
        """Query points, their object masks and the semantic target.

        Each sample's view carries ``gt_query_points`` ``[K, 2]`` (the same
        ``K`` in the batch), ``gt_query_ids`` ``[K]`` and
        ``gt_instance_ids`` (and optionally mmseg's ``gt_sem_seg``; else
        thing = any instance, class 1; and ``gt_query_ignored`` with
        ``gt_ignore_regions``: points on ignored regions, target 0 off the
        region and ignored on it). Pixels outside an image (batch padding)
        are ignored.

        Returns:
            tuple: points ``[B, K, 2]``, object masks ``[B, K, H, W]``
            (1 object, 0 elsewhere, ``ignore_index`` padding) and the
            semantic target ``[B, H, W]`` (or ``None`` without a semantic
            head).
        """
        ignore = self.train_cfg.get('ignore_index', 255)
        points, masks, semantic = [], [], []
        for sample in data_samples:
            view = sample.views[0]
            for field in ('gt_query_points', 'gt_query_ids',
                          'gt_instance_ids'):
                if field not in view:
                    raise ValueError(f'AdaptIS training needs {field} on '
                                     'every sample (see the '
                                     'SampleQueryPoints transform)')
            ids = _pad_to(view.gt_instance_ids.data[0].to(device), size, -1)
            query_ids = view.gt_query_ids.to(device)
            target = (ids[None] == query_ids[:, None, None]).long()
            if 'gt_query_ignored' in view:
                self._ignored_region_targets(target, view, size, ignore)
            target[:, ids < 0] = ignore
            target[query_ids < 0] = ignore  # an image without objects
            points.append(view.gt_query_points.to(device))
            masks.append(target)
            if self.semantic_head is not None:
                if 'gt_sem_seg' in view:
                    sem = _pad_to(view.gt_sem_seg.data[0].to(device).long(),
                                  size, ignore)
                else:
                    sem = (ids > 0).long()
                    sem[ids < 0] = ignore
                semantic.append(sem)
        counts = {len(p) for p in points}
        if len(counts) != 1 or 0 in counts:
            raise ValueError('every sample of a batch needs the same, '
                             f'non-zero number of query points, got '
                             f'{[len(p) for p in points]}')
        points = torch.stack(points).float()
        return (points, torch.stack(masks),
                torch.stack(semantic) if semantic else None)

    @staticmethod
    def _ignored_region_targets(target: Tensor, view, size,
                                ignore: int) -> None:
        """Rows of points drawn on an ignored region (``gt_query_ignored``,
        their ids those of ``gt_ignore_regions``): 0 outside the region,
        ``ignore`` on it."""
        flags = view.gt_query_ignored.to(target.device)
        if not bool(flags.any()):
            return
        if 'gt_ignore_regions' not in view:
            raise ValueError('gt_query_ignored needs gt_ignore_regions (see '
                             'SampleQueryPoints(sample_ignore_object_prob))')
        regions = _pad_to(view.gt_ignore_regions.data[0].to(target.device),
                          size, 0)
        region_ids = view.gt_query_ids.to(target.device)[flags]
        on_region = regions[None] == region_ids[:, None, None]
        target[flags] = on_region.long() * ignore

    def loss(self, views: List[Tensor], data_samples, extras=None):
        """Stage ``instances``: the instance NFL over the query points'
        masks and the semantic NFL; stage ``proposals``: the proposal loss
        (instance maps computed without gradients)."""
        images = views[0]
        size = images.shape[2:]
        points, masks, semantic = self.training_targets(
            data_samples, size, images.device)
        check_points(points, images)
        feat = self.extract_features(images)
        if self.train_cfg['stage'] == 'proposals':
            with torch.no_grad():
                logits = self.instance_logits(feat, points, size)
                if self.train_cfg['legacy_frozen_train_mode'] and \
                        self.semantic_head is not None:
                    # unused, but the official step runs it: in train mode
                    # it updates its BatchNorms' running statistics
                    self.semantic_head(feat)
            scores = sample_map(self.proposal_map(feat),
                                points * self.spatial_scale)
            return {
                self.loss_proposal.loss_name:
                self.loss_proposal(logits, scores, masks)
            }
        logits = self.instance_logits(feat, points, size)
        losses = {
            self.loss_instance.loss_name:
            self.loss_instance(logits.flatten(0, 1)[:, None],
                               masks.flatten(0, 1))
        }
        if self.semantic_head is not None:
            losses[self.loss_semantic.loss_name] = self.loss_semantic(
                self.semantic_logits(feat, size), semantic)
        return losses

    # ----------------------------------------------------------- inference
    def predict(self, views: List[Tensor], data_samples, extras=None):
        """Panoptic inference per image (the greedy assembly of
        ``test_cfg['sampler']``, flip-averaged with ``use_flip``); with
        ``gt_query_points`` on a view, also the masks of those points
        (``pred_query_logits``).

        Writes ``pred_instance_ids`` (``0`` none, ``1..M``), mmseg's
        ``pred_sem_seg`` (-1: unlabelled), ``pred_instance_labels``
        (``[M]``, the semantic class of each instance) and
        ``pred_instance_scores`` (``[M]``, its confidence).
        """
        images = views[0]
        cfg = resolve_test_cfg(self.test_cfg)
        for b, sample in enumerate(data_samples):
            view = sample.views[0]
            result = self.panoptic(images[b:b + 1], cfg, view)
            view.pred_instance_ids = PixelData(
                data=torch.from_numpy(result['instance_ids'])[None])
            view.pred_sem_seg = PixelData(
                data=torch.from_numpy(result['semantic'])[None])
            view.pred_instance_labels = torch.from_numpy(
                result['instance_labels'])
            view.pred_instance_scores = torch.from_numpy(
                result['instance_scores'])
            if 'gt_query_points' in view:
                points = view.gt_query_points[None].to(images)
                check_points(points, images[b:b + 1])
                feat = self.extract_features(images[b:b + 1])
                view.pred_query_logits = self.instance_logits(
                    feat, points, images.shape[2:])[0]
        return data_samples

    @torch.no_grad()
    def panoptic(self, image: Tensor, cfg: Dict, view=None) -> Dict:
        """One image ``[1, 3, H, W]`` -> :func:`panoptic_merge`'s dict (at
        the view's ``img_shape`` when given, i.e. without the batch
        padding). With ``cfg['crop_size']`` ``(h, w)`` the image goes
        through overlapping crops (``cfg['min_overlap']`` of a crop at
        least), stitched by :func:`stitch_crops`."""
        if self.semantic_head is None:
            raise ValueError('panoptic inference needs a semantic_head')
        height, width = image.shape[2:]
        if view is not None and view.get('img_shape') is not None:
            height, width = view.img_shape[:2]
            image = image[..., :height, :width]
        sampling = cfg['sampling']
        thresh1 = sampling.get('thresh1', sampling.get('threshold'))
        if cfg.get('crop_size') is None:
            _, masks, things_prob, stuff_prob = self._crop_instances(
                image, cfg)
        else:
            crop_h, crop_w = (min(int(c), s) for c, s in zip(
                cfg['crop_size'], (height, width)))
            ys, y_overlap = crop_offsets(height, crop_h, cfg['min_overlap'])
            xs, x_overlap = crop_offsets(width, crop_w, cfg['min_overlap'])
            crops = [
                self._crop_instances(
                    image[..., dy:dy + crop_h, dx:dx + crop_w], cfg,
                    (dy, dx)) for dy in ys for dx in xs
            ]
            masks, things_prob, stuff_prob = stitch_crops(
                (height, width), (crop_h, crop_w),
                (int(y_overlap * crop_h), int(x_overlap * crop_w)), crops,
                min_prob=thresh1)
        return panoptic_merge(masks, things_prob, stuff_prob,
                              thresh1=thresh1, **cfg['merge'])

    def _crop_instances(self, image: Tensor, cfg: Dict,
                        offset=(0, 0)) -> CropResult:
        """The greedy assembly on one image or crop ``[1, 3, h, w]``: its
        offset, instance maps ``[h, w]``, thing and stuff probabilities."""
        size = tuple(image.shape[2:])
        width = size[1]
        flip = cfg['use_flip']
        batch = torch.cat((image, image.flip(-1))) if flip else image
        feat = self.extract_features(batch)
        semantic = self.semantic_logits(feat, size).softmax(dim=1)
        semantic = _flip_average(semantic, flip)[0].cpu().numpy()
        things_from = self.test_cfg.get('num_stuff_classes', 1)
        things_prob, stuff_prob = semantic[things_from:], semantic[
            :things_from]
        any_thing = things_prob.max(axis=0)
        point_feat = finest_map(feat)
        states = self.instance_head.point_invariant_states(point_feat)

        def mask_fn(points: np.ndarray) -> np.ndarray:
            pts = [points]
            if flip:
                pts.append(flip_points(points, width,
                                       cfg['legacy_flip_column']))
            pts = torch.from_numpy(np.stack(pts)).to(image)
            logits = self.instance_head(point_feat, pts, states)
            prob = self._to_input_size(logits, size).sigmoid()
            prob = prob.view(len(pts), len(points), *size)
            if flip:
                prob = 0.5 * (prob[0] + prob[1].flip(-1))
            else:
                prob = prob[0]
            return prob.cpu().numpy()

        sampling = cfg['sampling']
        if cfg['sampler'] == 'proposals':
            if self.proposal_head is None:
                raise ValueError("test_cfg sampler='proposals' needs a "
                                 "proposal_head; use sampler='random'")
            proposals = self.proposal_logits(feat, size).sigmoid()**2
            proposals = _flip_average(proposals, flip)[0, 0].cpu().numpy()
            masks, _ = assemble_from_proposals(
                mask_fn, proposals, any_thing, batch_size=cfg['batch_size'],
                **sampling)
        elif cfg['sampler'] == 'random':
            rng = np.random.default_rng(cfg['seed'])
            masks = assemble_randomly(mask_fn, any_thing, rng, **sampling)
        else:  # the baseline: connected components of the thing pixels
            masks = connected_components(any_thing, **sampling)
        return offset, masks, things_prob, stuff_prob


def _flip_average(maps: Tensor, flip: bool) -> Tensor:
    """``[2, C, H, W]`` (an image and its mirror) -> ``[1, C, H, W]``."""
    if not flip:
        return maps
    return 0.5 * (maps[:1] + maps[1:].flip(-1))


def finest_map(feat: FeatureMaps) -> Tensor:
    """The map the point heads read: ``feat`` itself, or a pyramid's
    first (finest) level."""
    return feat[0] if isinstance(feat, (list, tuple)) else feat


def _pad_to(ids: Tensor, size, value: int) -> Tensor:
    """``[h, w]`` -> ``[H, W]``, padded at the bottom and right."""
    height, width = size
    if ids.shape[0] > height or ids.shape[1] > width:
        raise ValueError(f'a target of {tuple(ids.shape)} is larger than the '
                         f'batch input {tuple(size)}')
    return F.pad(ids, (0, width - ids.shape[1], 0, height - ids.shape[0]),
                 value=value)


def sample_map(maps: Tensor, points: Tensor) -> Tensor:
    """``[B, 1, h, w]`` maps read at ``[B, K, 2]`` points -> ``[B, K]``."""
    return sample_points(maps, points)[..., 0]


def check_points(points: Tensor, images: Tensor) -> None:
    """``[B, K, 2]`` ``(x, y)`` points inside the ``[B, 3, H, W]`` images."""
    if not isinstance(points, Tensor) or points.dim() != 3 or \
            points.shape[0] != images.shape[0] or points.shape[2] != 2:
        got = tuple(points.shape) if isinstance(points, Tensor) else points
        raise ValueError('points must be [B, K, 2] (x, y) with B = '
                         f'{images.shape[0]}, got {got}')
    if points.shape[1] == 0:
        raise ValueError('no query points: AdaptIS segments the object '
                         'under each point, give at least one')
    height, width = images.shape[2:]
    inside = (points[..., 0] >= 0) & (points[..., 0] <= width - 1) & \
        (points[..., 1] >= 0) & (points[..., 1] <= height - 1)
    if not bool(inside.all()):
        bad = points[~inside][0].tolist()
        raise ValueError(f'query point (x, y) = {bad} lies outside the '
                         f'{height} x {width} image (0 <= x <= {width - 1}, '
                         f'0 <= y <= {height - 1})')
