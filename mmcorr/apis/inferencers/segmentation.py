# Copyright (c) mmcorr contributors. All rights reserved.
"""Semantic segmentation with the alignment models (SFNet, SFNet-Lite,
AlignSeg, ``AlignedFPN``) or any mmseg segmentor: mmseg's
``MMSegInferencer`` with mmcorr's scope, safe checkpoint loading and
checked image reading."""
import os
import warnings
from typing import List, Optional, Sequence, Union

from mmengine.config import Config, ConfigDict
from mmseg.apis import MMSegInferencer

from mmcorr.registry import INFERENCERS
from ..inference import check_task, init_model, load_config, read_input_image
from .base import inference_pipeline

#: Image loaders of mmseg test pipelines, replaced by mmcorr's checked one
#: (which also takes the pixels of an array input).
_IMAGE_LOADERS = ('LoadImageFromFile', 'InferencerLoader',
                  'LoadImageFromNDArray')


class _ImagePipeline:
    """The test pipeline fed one image: a path or a BGR uint8 array,
    checked by :func:`~mmcorr.apis.inference.read_input_image`."""

    def __init__(self, pipeline):
        self.pipeline = pipeline

    def __call__(self, image) -> dict:
        path, pixels = read_input_image(image)
        return self.pipeline(dict(img_path=path, img=pixels))


def _palette(num: int) -> List[List[int]]:
    """``num`` distinct RGB colours (a fixed golden-ratio hue walk)."""
    import colorsys
    return [[int(255 * c) for c in colorsys.hsv_to_rgb(
        (0.618034 * i) % 1, 0.75, 0.95)] for i in range(num)]


def _config_meta(cfg: ConfigDict, model) -> dict:
    """Class names and palette when the checkpoint has none: the test
    dataset's ``METAINFO``, else numbered classes."""
    from mmcorr.registry import DATASETS
    dataset = ((cfg.get('test_dataloader') or {}).get('dataset') or {})
    meta = {}
    if dataset.get('type'):
        try:
            meta = dict(getattr(DATASETS.get(dataset['type']), 'METAINFO',
                                {}))
        except KeyError:
            meta = {}
    classes = meta.get('classes')
    if not classes:
        classes = [str(i) for i in range(model.decode_head.num_classes)]
    palette = meta.get('palette') or _palette(len(classes))
    return dict(classes=list(classes), palette=[list(c) for c in palette])


@INFERENCERS.register_module()
class SegmentationInferencer(MMSegInferencer):
    """mmseg's :class:`~mmseg.apis.MMSegInferencer` for mmcorr configs.

    Everything of mmseg's inferencer (``out_dir``, ``show``, ``opacity``,
    ``return_datasamples``, folders of images, batches) with these changes:
    the config is built in the ``mmcorr`` scope (its modules and mmseg's);
    the checkpoint is loaded with mmcorr's safe loader (no pickled code
    runs); the test pipeline loses its ground-truth loaders and reads
    images with mmcorr's checked loader (a missing, corrupt, grey or
    4-channel image gets a clear error); the class names and palette come
    from the checkpoint's ``dataset_meta`` when not given.

    Example::

        inferencer = SegmentationInferencer(
            'configs/sfsegnet/sfnet_r18-d_8xb2-56k_cityscapes-1024x1024.py',
            'sfnet_r18.pth')
        out = inferencer('street.png', out_dir='outputs')
        out['predictions']  # (H, W) class indices
    """

    def __init__(self,
                 model: Union[str, os.PathLike, Config],
                 weights: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None,
                 palette: Optional[List] = None,
                 dataset_name: Optional[str] = None,
                 device: str = 'cpu',
                 cfg_options: Optional[dict] = None,
                 fuse_conv_bn: bool = False) -> None:
        self.fuse_conv_bn = fuse_conv_bn
        cfg = load_config(model, cfg_options)
        scope = cfg.get('default_scope', 'mmcorr')
        meta: dict = {}
        super().__init__(cfg, weights, device=device, scope=scope,
                         dataset_name=dataset_name, classes=classes,
                         palette=palette)
        meta = getattr(self.model, 'dataset_meta', None) or meta
        if classes is None and meta.get('classes'):
            classes = list(meta['classes'])
            palette = palette or meta.get('palette') or \
                _palette(len(classes))
            self.visualizer.set_dataset_meta(classes, palette, dataset_name)

    def _init_model(self, cfg: ConfigDict, weights: Optional[str],
                    device: str = 'cpu'):
        if weights is None:
            warnings.warn('SegmentationInferencer: no checkpoint given, the '
                          "model keeps its config's initialisation")
        model = init_model(Config(cfg.to_dict()), weights, device,
                           init_weights=weights is None)
        check_task(model, 'segmentation', type(self).__name__)
        meta = getattr(model, 'dataset_meta', None) or {}
        if meta.get('classes'):
            # mmseg's visualizer takes the class names and palette only
            palette = meta.get('palette') or _palette(len(meta['classes']))
            model.dataset_meta = dict(classes=list(meta['classes']),
                                      palette=[list(c) for c in palette])
        else:
            model.dataset_meta = _config_meta(cfg, model)
        if self.fuse_conv_bn:
            from mmcorr.models.layers import fuse_conv_bn
            model = fuse_conv_bn(model)
        return model

    def _init_pipeline(self, cfg: ConfigDict) -> _ImagePipeline:
        cfg = Config(cfg.to_dict())
        steps = cfg.get('test_pipeline') or \
            cfg.test_dataloader.dataset.pipeline
        steps = [dict(s, type='LoadCheckedImage')
                 if s['type'] in _IMAGE_LOADERS else s for s in steps]
        cfg.test_pipeline = steps
        return _ImagePipeline(inference_pipeline(cfg))
