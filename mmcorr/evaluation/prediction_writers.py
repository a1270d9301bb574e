# Copyright (c) mmcorr contributors. All rights reserved.
"""Predictions written in each field's format, for offline scoring and for
users: one writer per task, shared by the inferencers (``out_dir/pred``)
and ``tools/test.py --out`` (:class:`~mmcorr.engine.PredictionWriterHook`).

=============  ==============================================================
task           files under the output folder
=============  ==============================================================
correspondence ``<name>.json``: ``source_points`` and ``target_points``
               (``(x, y)`` pixels of each image) and both image shapes
cosaliency     ``<group>/<image>.png``: 8-bit maps (the CoSOD benchmarks')
video          ``<clip>/00000.png ...``: DAVIS-indexed PNGs (the DAVIS
               results layout ``eval_vos.py`` reads)
instances      ``panoptic/<image>.png`` + ``panoptic.json`` (COCO panoptic,
               ``eval_panoptic.py``), ``<image>_point<k>.png`` per click
=============  ==============================================================
"""
import json
import os
import os.path as osp
from typing import Dict, List, Sequence

import cv2
import numpy as np

from .davis_folders import write_id_png
from .metrics.panoptic_metric import panoptic_segments
from .panoptic_quality import id2rgb

__all__ = [
    'write_correspondence', 'write_saliency_maps', 'write_propagated_masks',
    'write_panoptic', 'PREDICTION_WRITERS'
]


def _imwrite(path: str, image: np.ndarray) -> None:
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    if not cv2.imwrite(path, image):
        raise OSError(f'could not write {path!r}')


def write_correspondence(out_dir: str, name: str, source_points: np.ndarray,
                         target_points: np.ndarray, source_shape,
                         target_shape) -> str:
    """``out_dir/name.json``: matched ``(K, 2)`` source and target pixels."""
    os.makedirs(out_dir, exist_ok=True)
    path = osp.join(out_dir, f'{name}.json')
    with open(path, 'w') as f:
        json.dump(dict(source_shape=[int(v) for v in source_shape],
                       target_shape=[int(v) for v in target_shape],
                       source_points=np.round(source_points, 3).tolist(),
                       target_points=np.round(target_points, 3).tolist()),
                  f, indent=1)
    return path


def write_saliency_maps(out_dir: str, group: str, names: Sequence[str],
                        maps: Sequence[np.ndarray]) -> List[str]:
    """``out_dir/group/<name>.png`` per image: the ``[0, 1]`` map x 255."""
    paths = []
    for name, saliency in zip(names, maps):
        grey = np.clip(np.round(saliency * 255), 0, 255).astype(np.uint8)
        paths.append(osp.join(out_dir, group, f'{name}.png'))
        _imwrite(paths[-1], grey)
    return paths


def write_propagated_masks(out_dir: str, clip: str,
                           masks: Sequence[np.ndarray],
                           frame_names: Sequence[str] = ()) -> List[str]:
    """``out_dir/clip/<frame>.png`` (``00000.png``... unless named):
    DAVIS-indexed PNGs of the per-frame ids."""
    names = list(frame_names) or [f'{t:05d}' for t in range(len(masks))]
    paths = [osp.join(out_dir, clip, f'{n}.png') for n in names]
    for path, ids in zip(paths, masks):
        write_id_png(path, ids)
    return paths


def write_panoptic(out_dir: str, name: str, prediction: Dict,
                   num_stuff: int, categories: List[dict]) -> str:
    """COCO panoptic: ``out_dir/panoptic/<name>.png`` (segment ids as RGB)
    and its entry in ``out_dir/panoptic.json`` (kept across calls), plus
    ``out_dir/<name>_point<k>.png`` (0 / 255) per clicked mask."""
    ids, segments = panoptic_segments(
        np.asarray(prediction['instance_ids']),
        np.asarray(prediction['semantic']), prediction.get('labels'),
        num_stuff)
    png = f'{name}.png'
    _imwrite(osp.join(out_dir, 'panoptic', png), id2rgb(ids)[..., ::-1])
    index_file = osp.join(out_dir, 'panoptic.json')
    annotations = []
    if osp.isfile(index_file):
        with open(index_file) as f:
            annotations = json.load(f)['annotations']
    annotations = [a for a in annotations if a['image_id'] != name]
    annotations.append(dict(image_id=name, file_name=png,
                            segments_info=segments))
    with open(index_file, 'w') as f:
        json.dump(dict(annotations=annotations, categories=categories), f)
    masks = prediction.get('point_masks')
    for k, mask in enumerate([] if masks is None else masks):
        _imwrite(osp.join(out_dir, f'{name}_point{k}.png'),
                 mask.astype(np.uint8) * 255)
    return index_file


def panoptic_categories(dataset_meta: Dict, num_stuff: int) -> List[dict]:
    """COCO-panoptic ``categories`` from a ``dataset_meta`` (class ``i``:
    stuff below ``num_stuff``, a thing from there)."""
    meta = dataset_meta or {}
    names = list(meta.get('stuff_classes', ('background', )[:num_stuff]))
    names += list(meta.get('thing_classes', ('object', )))
    return [dict(id=i, name=n, isthing=int(i >= num_stuff))
            for i, n in enumerate(names)]


#: The writer of each model task.
PREDICTION_WRITERS = dict(correspondence=write_correspondence,
                          cosaliency=write_saliency_maps,
                          video=write_propagated_masks,
                          instances=write_panoptic)
