# Copyright (c) mmcorr contributors. All rights reserved.
"""COCO-panoptic-format data (COCO panoptic, Cityscapes panoptic as
cityscapesScripts' ``createPanopticImgs`` writes it) as images with
instance ids and semantic labels, for AdaptIS."""
import json
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset

from mmcorr.fileio import read_panoptic_png
from mmcorr.registry import DATASETS, TRANSFORMS
from .load_errors import ClearLoadErrorsMixin, check_label_size

__all__ = ['COCOPanopticDataset', 'LoadPanopticAnnotations',
           'panoptic_targets']


def panoptic_targets(segment_ids: np.ndarray, segments: Sequence[Dict],
                     class_of: Dict[int, int], num_stuff: int,
                     ignore_index: int = 255):
    """A panoptic PNG's ids -> instance ids and semantic labels.

    Args:
        segment_ids (np.ndarray): ``(H, W)`` ids (``rgb2id``), 0 = VOID.
        segments: ``segments_info`` (``id``, ``category_id``,
            ``iscrowd``).
        class_of: category id -> class index (stuff first).
        num_stuff (int): Classes below it are stuff.
        ignore_index (int): Semantic label of VOID and crowd pixels.

    Returns:
        tuple: ``gt_instance_ids`` ``(H, W)`` int32 (things, ``1..M`` in
        ``segments_info`` order; crowd and stuff 0) and ``gt_seg_map``
        ``(H, W)`` uint8 class indices.
    """
    instance_ids = np.zeros(segment_ids.shape, np.int32)
    semantic = np.full(segment_ids.shape, ignore_index, np.uint8)
    next_id = 1
    for segment in segments:
        if segment['category_id'] not in class_of:
            raise KeyError(f'segment {segment["id"]} has unknown category_id '
                           f'{segment["category_id"]}')
        mask = segment_ids == segment['id']
        label = class_of[segment['category_id']]
        if segment.get('iscrowd', 0):
            continue  # crowd regions stay ignored
        semantic[mask] = label
        if label >= num_stuff:
            instance_ids[mask] = next_id
            next_id += 1
    return instance_ids, semantic


@TRANSFORMS.register_module()
class LoadPanopticAnnotations(BaseTransform):
    """``gt_instance_ids`` and ``gt_seg_map`` from ``results['pan_path']``
    (a COCO panoptic PNG) and ``results['segments_info']``, with the
    dataset's ``class_of`` / ``num_stuff`` (set by
    :class:`COCOPanopticDataset`)."""

    def __init__(self, ignore_index: int = 255):
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        path = results['pan_path']
        ids = read_panoptic_png(path)
        check_label_size(ids.shape, results.get('ori_shape'), path,
                         results.get('img_path'))
        instance_ids, semantic = panoptic_targets(
            ids, results['segments_info'], results['class_of'],
            results['num_stuff'], self.ignore_index)
        results['gt_instance_ids'] = instance_ids
        results['gt_seg_map'] = semantic
        # mmseg's RandomCrop crops every seg_field
        results.setdefault('seg_fields', []).extend(
            ['gt_seg_map', 'gt_instance_ids'])
        return results


@DATASETS.register_module()
class COCOPanopticDataset(ClearLoadErrorsMixin, BaseDataset):
    """Images and panoptic annotations in the COCO panoptic format.

    ``ann_file``: the panoptic JSON (``images``, ``annotations`` with
    ``file_name`` and ``segments_info``, ``categories`` with ``isthing``);
    ``data_prefix``: ``img_path`` (the images) and ``seg_map_path`` (the
    panoptic PNGs). Classes are the JSON's categories, stuff first then
    things (``metainfo``: ``classes``, ``stuff_classes``,
    ``thing_classes``); each view carries ``segments_info`` and the
    category -> class map for :class:`LoadPanopticAnnotations`.

    Args:
        city_folders (bool): Images under ``<img_path>/<city>/`` with the
            city the file name's prefix (Cityscapes' ``leftImg8bit``
            layout; its panoptic JSON lists bare file names).
        Other arguments: as mmengine's ``BaseDataset``.
    """

    def __init__(self, data_prefix: Dict = dict(img_path='',
                                                 seg_map_path=''),
                 city_folders: bool = False,
                 **kwargs):
        self.city_folders = city_folders
        super().__init__(data_prefix=data_prefix, **kwargs)

    def load_data_list(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'panoptic JSON not found: '
                                    f'{self.ann_file}')
        with open(self.ann_file) as f:
            data = json.load(f)
        stuff = [c for c in data['categories'] if not c.get('isthing')]
        things = [c for c in data['categories'] if c.get('isthing')]
        ordered = stuff + things
        class_of = {c['id']: i for i, c in enumerate(ordered)}
        self._metainfo.update(
            classes=tuple(c['name'] for c in ordered),
            stuff_classes=tuple(c['name'] for c in stuff),
            thing_classes=tuple(c['name'] for c in things),
            category_ids=tuple(c['id'] for c in ordered))
        images = {im['id']: im for im in data.get('images', [])}
        data_list = []
        for index, ann in enumerate(data['annotations']):
            image = images.get(ann['image_id'])
            if image is None:
                raise KeyError(f'{self.ann_file}: annotation {index} refers '
                               f'to image_id {ann["image_id"]}, not in '
                               '"images"')
            folder = self.data_prefix['img_path']
            if self.city_folders:
                folder = osp.join(folder, image['file_name'].split('_')[0])
            view = dict(
                img_path=osp.join(folder, image['file_name']),
                pan_path=osp.join(self.data_prefix['seg_map_path'],
                                  ann['file_name']),
                segments_info=ann['segments_info'],
                class_of=class_of,
                num_stuff=len(stuff))
            data_list.append(dict(sample_idx=index, image_id=ann['image_id'],
                                  views=[view]))
        return data_list
