# Copyright (c) mmcorr contributors. All rights reserved.
import os.path as osp
from typing import List

from mmseg.datasets import BaseSegDataset

from mmcorr.registry import DATASETS
from .load_errors import ClearLoadErrorsMixin, check_dir
from .synthetic.shape_scenes_generator import CLASSES, PALETTE

GENERATE_HINT = ('Generate ShapeScenes with `python '
                 'tools/dataset_converters/generate_shape_scenes.py <data_root>` '
                 '(or `make data`).')


@DATASETS.register_module()
class ShapeScenesDataset(ClearLoadErrorsMixin, BaseSegDataset):
    """The embedded procedural segmentation dataset (8 classes, no download).

    On disk it uses mmseg's standard layout, written by
    :func:`mmcorr.datasets.synthetic.generate_shape_scenes`::

        data_root/img_dir/{train,val}/*.png   RGB images
        data_root/ann_dir/{train,val}/*.png   uint8 class indices, 0..7

    All mmseg transforms and ``IoUMetric`` apply unchanged.
    """
    METAINFO = dict(classes=CLASSES, palette=PALETTE)

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=False,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get('img_path', '')
        ann_dir = self.data_prefix.get('seg_map_path')
        check_dir(self.data_root or osp.dirname(img_dir), 'data root',
                  GENERATE_HINT)
        check_dir(img_dir, 'image folder', GENERATE_HINT)
        if ann_dir is not None:
            check_dir(ann_dir, 'annotation folder', GENERATE_HINT)
        data_list = super().load_data_list()
        if not data_list:
            raise FileNotFoundError(
                f'no *{self.img_suffix} images in {img_dir!r}. '
                f'{GENERATE_HINT}')
        return data_list
