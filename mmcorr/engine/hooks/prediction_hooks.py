# Copyright (c) mmcorr contributors. All rights reserved.
"""Test-time hooks for multi-view models: pictures of the predictions
(``tools/test.py --show / --show-dir``) and the predictions as files in the
field's formats (``tools/test.py --out``)."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.hooks import Hook

from mmcorr.registry import HOOKS


def _stem(path: Optional[str], fallback: str) -> str:
    return osp.splitext(osp.basename(path))[0] if path else fallback


def _sample_name(sample, index: int) -> str:
    """A sample's file-name stem: its clip / group name, else its views'
    image stems (a pair: ``<source>_<target>``), else its index."""
    meta = sample.metainfo
    for key in ('video', 'group'):
        if meta.get(key) is not None:
            return str(meta[key])
    stems = [_stem(v.metainfo.get('img_path'), '') for v in sample.views]
    if all(stems) and len(stems) <= 2:
        return '_'.join(stems)
    return f'{index:05d}'


def _images(sample) -> list:
    from mmcorr.datasets.transforms import read_image_file
    paths = [v.metainfo.get('img_path') for v in sample.views]
    if not all(paths):
        raise KeyError('drawing a prediction needs every view\'s img_path '
                       '(keep it in PackMultiViewInputs\' view_meta_keys)')
    return [read_image_file(p, 'color') for p in paths]


@HOOKS.register_module()
class MultiViewVisualizationHook(Hook):
    """Draw the test predictions of a multi-view model with the runner's
    visualizer (a task visualizer of :mod:`mmcorr.visualization`): shown,
    and sent to its backends (``LocalVisBackend`` writes PNGs under the
    visualizer's ``save_dir``).

    Args:
        draw (bool): Draw at all (``tools/test.py`` turns it on).
        interval (int): Every ``interval``-th sample.
        show (bool): Open a window per picture.
        wait_time (float): Seconds a shown picture stays.
    """

    def __init__(self, draw: bool = False, interval: int = 1,
                 show: bool = False, wait_time: float = 0.) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.draw, self.interval = draw, interval
        self.show, self.wait_time = show, wait_time
        self._index = 0

    def before_test(self, runner) -> None:
        self._index = 0

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        if not self.draw or not outputs:
            return
        for sample in outputs:
            index, self._index = self._index, self._index + 1
            if index % self.interval:
                continue
            runner.visualizer.add_datasample(
                _sample_name(sample, index), _images(sample), sample,
                show=self.show, wait_time=self.wait_time, step=index)


@HOOKS.register_module()
class PredictionWriterHook(Hook):
    """Write each test prediction of a multi-view model under ``out_dir`` in
    its field's format (:mod:`mmcorr.fileio`):
    matched points as JSON (the source's ground-truth keypoints when the
    sample has them, else the 100 most confident matches), co-saliency
    maps as 8-bit PNGs, propagated masks as DAVIS-indexed PNGs, panoptic
    results as COCO panoptic PNG + JSON.

    Args:
        out_dir (str): The folder.
    """

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self._index = 0

    def before_test(self, runner) -> None:
        self._index = 0

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') \
            else runner.model
        task = getattr(model, 'task', '')
        for sample in outputs or ():
            index, self._index = self._index, self._index + 1
            self.write(task, model, sample, _sample_name(sample, index))

    def write(self, task: str, model, sample, name: str) -> None:
        """One predicted sample of ``task`` -> its files."""
        from mmcorr import fileio as writers
        from mmcorr.structures import predictions as to_arrays
        views = sample.views
        if task == 'correspondence':
            result = to_arrays.correspondence_result(sample)
            points = views[0].get('gt_keypoints')
            if points is not None and len(points):
                source = points.cpu().numpy().astype(np.float64)
                target = result.transfer_points(source, outside='clamp')
            else:
                from mmcorr.visualization import top_matches
                source, target, _ = top_matches(result, 100)
            writers.write_correspondence(self.out_dir, name, source, target,
                                         result.src_shape, result.tgt_shape)
        elif task == 'cosaliency':
            names = [_stem(v.metainfo.get('img_path'), f'{i:05d}')
                     for i, v in enumerate(views)]
            writers.write_saliency_maps(self.out_dir, name, names,
                                        to_arrays.saliency_maps(sample))
        elif task == 'video':
            frames = [_stem(v.metainfo.get('img_path'), f'{t:05d}')
                      for t, v in enumerate(views)]
            writers.write_propagated_masks(
                self.out_dir, name, to_arrays.propagated_ids(sample), frames)
        elif task == 'instances':
            num_stuff = (model.test_cfg or {}).get('num_stuff_classes', 1)
            categories = writers.panoptic_categories(
                getattr(model, 'dataset_meta', None), num_stuff)
            writers.write_panoptic(self.out_dir, name,
                                   to_arrays.instance_prediction(sample),
                                   num_stuff, categories)
        else:
            raise ValueError(f'PredictionWriterHook: no writer for a model '
                             f'of task {task!r} ({type(model).__name__})')
