# Copyright (c) mmcorr contributors. All rights reserved.
"""Dense correspondence between two images (SFNet's matcher, training-free
feature matching)."""
import os
from typing import Any, Dict

import numpy as np

from mmcorr.fileio import write_correspondence
from mmcorr.registry import INFERENCERS
from mmcorr.structures import predictions as to_arrays
from ..inference import read_input_image
from .base import MultiViewInferencer, sample_name


def _pair(item: Any, index: int):
    """``(source, target)``, ``[source, target]`` or ``dict(source=...,
    target=...)`` -> the two images."""
    if isinstance(item, dict):
        missing = {'source', 'target'} - set(item)
        if missing:
            raise KeyError(f'pair {index}: a dict pair needs the keys '
                           f"'source' and 'target', missing {sorted(missing)}")
        return item['source'], item['target']
    if isinstance(item, (tuple, list)) and len(item) == 2:
        return item[0], item[1]
    raise TypeError(f'pair {index} must be (source, target) or dict(source='
                    f'..., target=...), got {type(item).__name__}')


@INFERENCERS.register_module()
class CorrespondenceInferencer(MultiViewInferencer):
    """Dense matches of image pairs.

    One input is a pair: ``(source, target)`` or ``dict(source=...,
    target=...)``, each a path or an ``(H, W, 3)`` uint8 BGR array;
    ``inputs`` is one pair or a list of pairs.

    Keyword arguments of a call:
        points: ``(K, 2)`` ``(x, y)`` source pixels to transfer (one array
            for every pair, or one per pair); each prediction then has
            ``transferred`` (their target pixels).

    Predictions (per pair): ``correspondence``
    (:class:`~mmcorr.structures.CorrespondenceResult`: ``transfer_points``,
    ``dense_s2t``...), with points also ``points`` and ``transferred``.
    ``out_dir/pred/<name>.json``: the source and target points (given, else
    the most confident matches of a regular sampling) in pixels;
    ``out_dir/vis/<name>.png``: the matches and the target warped onto the
    source.

    Example::

        inferencer = CorrespondenceInferencer(
            'configs/sfnet_corr/sfnet-corr_r101_pf-pascal-test-320x320.py',
            'sfnet_corr.pth')
        out = inferencer(('cat1.jpg', 'cat2.jpg'), points=[[120, 85]])
        out['predictions'][0]['transferred']  # (1, 2) target pixels
    """
    task = 'correspondence'
    default_visualizer = dict(type='CorrespondenceVisualizer')
    preprocess_kwargs = {'points'}

    def _inputs_to_list(self, inputs) -> list:
        if isinstance(inputs, dict) or (
                isinstance(inputs, tuple) and len(inputs) == 2 and
                not isinstance(inputs[0], (tuple, list, dict))):
            return [inputs]
        if isinstance(inputs, list):
            return inputs
        raise TypeError('inputs must be a pair (source, target), '
                        'dict(source=..., target=...) or a list of pairs, '
                        f'got {type(inputs).__name__}')

    def _prepare(self, item, index, points=None) -> dict:
        source, target = _pair(item, index)
        views = []
        for name, image in (('source', source), ('target', target)):
            what = name if self._num_inputs == 1 else f'pair {index} {name}'
            path, pixels = read_input_image(image, what)
            views.append(dict(img_path=path, img=pixels))
        if points is not None:
            points = np.asarray(points[index] if isinstance(points, list)
                                and points and np.ndim(points[0]) == 2
                                else points, np.float64)
            if points.ndim != 2 or points.shape[1] != 2:
                raise ValueError(f'pair {index}: points must be (K, 2) '
                                 f'(x, y) pixels, got {points.shape}')
        name = f'{index:05d}'
        if all(isinstance(i, (str, os.PathLike)) for i in (source, target)):
            name = f'{sample_name(source, 0)}_{sample_name(target, 0)}'
        return dict(name=name, results=dict(views=views), points=points)

    def prediction(self, sample, item: dict) -> Dict[str, Any]:
        result = to_arrays.correspondence_result(sample)
        prediction: Dict[str, Any] = dict(correspondence=result)
        if item['points'] is not None:
            prediction.update(points=item['points'],
                              transferred=result.transfer_points(
                                  item['points']))
        return prediction

    def write_prediction(self, prediction: dict, name: str,
                         pred_dir: str) -> None:
        result = prediction['correspondence']
        if prediction.get('points') is not None:
            source, target = prediction['points'], prediction['transferred']
        else:
            from mmcorr.visualization import top_matches
            source, target, _ = top_matches(result, 100)
        write_correspondence(pred_dir, name, source, target,
                             result.src_shape, result.tgt_shape)
