# Copyright (c) mmcorr contributors. All rights reserved.
"""Point-driven instance segmentation (AdaptIS): one mask per click, and
the panoptic result from the model's own point proposals."""
import warnings
from typing import Any, Dict, List

import numpy as np
import torch

from mmcorr.fileio import panoptic_categories, write_panoptic
from mmcorr.ops.coordinates import apply_homography
from mmcorr.registry import INFERENCERS
from mmcorr.structures import predictions as to_arrays
from ..inference import read_input_image
from .base import MultiViewInferencer, sample_name


def clear_background_clicks(prediction: dict, num_stuff: int) -> List[int]:
    """A click on background has no object to select, but AdaptIS draws
    some mask wherever it is clicked: the clicks whose pixel the semantic
    map gives a stuff class (``< num_stuff``) get an empty mask and a zero
    probability map, in place. Returns their indices."""
    if prediction.get('point_masks') is None:
        return []
    semantic = prediction['semantic']
    height, width = semantic.shape
    cleared = []
    for k, (x, y) in enumerate(np.asarray(prediction['points'])):
        col = min(max(int(round(x)), 0), width - 1)
        row = min(max(int(round(y)), 0), height - 1)
        if 0 <= semantic[row, col] < num_stuff:
            prediction['point_masks'][k] = False
            prediction['point_probs'][k] = 0
            cleared.append(k)
    return cleared


@INFERENCERS.register_module()
class PointInstanceInferencer(MultiViewInferencer):
    """Instances of images, from clicks and from the model's proposals.

    One input is an image (a path or an ``(H, W, 3)`` uint8 BGR array);
    ``inputs`` is an image, a folder of images or a list of them.

    Keyword arguments of a call:
        points: ``(x, y)`` clicks in pixels (``(K, 2)``; one array per
            image when there are several): each gets the mask of the object
            under it (``point_masks``). A click on background (a pixel the
            semantic head gives a stuff class) gets an empty mask and a
            warning (:func:`clear_background_clicks`): AdaptIS itself has
            no "no object" answer and draws some mask wherever it is
            clicked.

    The panoptic result is the model's greedy assembly from its own point
    proposals (``test_cfg['sampler']``). Predictions (per image):
    ``instance_ids`` ``(H, W)`` (0: none),
    ``semantic``, ``labels``, ``scores`` and with clicks ``points``,
    ``point_probs``, ``point_masks``. ``out_dir/pred``: COCO-panoptic
    PNGs (``panoptic/<image>.png``) and ``panoptic.json``, and per click
    ``<image>_point<k>.png`` (0 / 255); ``out_dir/vis/<image>.png``.
    """
    task = 'instances'
    default_visualizer = dict(type='PointInstanceVisualizer')
    preprocess_kwargs = {'points'}

    def _prepare(self, item, index, points=None) -> dict:
        path, pixels = read_input_image(item, f'image {index}')
        view = dict(img_path=path, img=pixels)
        if points is not None:
            if self._num_inputs > 1:
                if not isinstance(points, (list, tuple)) or \
                        len(points) != self._num_inputs or \
                        np.ndim(points[index]) != 2:
                    raise ValueError(f'{self._num_inputs} images: points '
                                     'must be a list with one (K, 2) entry '
                                     'per image')
                points = points[index]
            points = np.asarray(points, np.float32).reshape(-1, 2)
            height, width = pixels.shape[:2]
            outside = (points[:, 0] < 0) | (points[:, 0] > width - 1) | \
                (points[:, 1] < 0) | (points[:, 1] > height - 1)
            if outside.any():
                raise ValueError(f'image {index}: clicks '
                                 f'{points[outside].tolist()} lie outside '
                                 f'the {width}x{height} image')
        return dict(name=sample_name(item, index),
                    results=dict(views=[view]),
                    points=points if points is not None and len(points)
                    else None)

    def preprocess(self, inputs: List[dict], batch_size: int = 1, **kwargs):
        """The pipeline, then each image's clicks mapped to network-input
        pixels through its recorded mapping (``gt_query_points``)."""
        packed = []
        for item in inputs:
            data = self.pipeline(dict(item['results']))
            if item['points'] is not None:
                view = data['data_samples'].views[0]
                matrix = np.asarray(view.metainfo.get(
                    'homography_matrix', np.eye(3)), np.float64)
                moved = apply_homography(matrix, item['points'].astype(
                    np.float64))
                view.gt_query_points = torch.from_numpy(
                    moved.astype(np.float32))
            packed.append(data)
        yield from map(self.collate_fn,
                       self._get_chunk_data(packed, batch_size))

    def prediction(self, sample, item: dict) -> Dict[str, Any]:
        prediction = to_arrays.instance_prediction(sample)
        num_stuff = (self.model.test_cfg or {}).get('num_stuff_classes', 1)
        background = clear_background_clicks(prediction, num_stuff)
        if background:
            warnings.warn(f'{item["name"]}: clicks {background} are on '
                          'background (a stuff class in the semantic map): '
                          'their masks are empty')
        return prediction

    def write_prediction(self, prediction: dict, name: str,
                         pred_dir: str) -> None:
        num_stuff = (self.model.test_cfg or {}).get('num_stuff_classes', 1)
        categories = panoptic_categories(
            getattr(self.model, 'dataset_meta', None), num_stuff)
        write_panoptic(pred_dir, name, prediction, num_stuff, categories)
