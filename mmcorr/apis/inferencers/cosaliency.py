# Copyright (c) mmcorr contributors. All rights reserved.
"""Co-saliency detection over groups of images (ICNet, the training-free
consensus)."""
import os
from typing import Any, Dict, List, Optional

from mmcorr.fileio import write_saliency_maps
from mmcorr.registry import INFERENCERS
from mmcorr.structures import predictions as to_arrays
from ..inference import read_input_image
from .base import (MultiViewInferencer, one_or_many, per_sample,
                   sample_name)
from .folders import image_files, is_image_folder
from .sism_pipeline import adapt_sism_pipeline, sism_entry, sism_loader


@INFERENCERS.register_module()
class CoSaliencyInferencer(MultiViewInferencer):
    """Co-saliency maps of groups of images.

    One input is a group: a folder of images (sorted by name) or a list of
    paths / ``(H, W, 3)`` uint8 BGR arrays; ``inputs`` is one group or a
    list of groups (folders or lists).

    Keyword arguments of a call:
        sisms: a single-image saliency map per image, in the group's order
            (paths, or ``(H, W)`` uint8 / float ``[0, 1]`` arrays; a folder
            matched by file stem), one list per group when there are
            several. ``None``: the model makes them (its ``sism_model``,
            e.g. ``cfg_options={'model.sism_model':
            dict(type='FrequencyTunedSaliency')}``).

    Predictions (per group): ``maps``, per image a float32 ``(H, W)``
    map in ``[0, 1]`` at its own size, and ``names``.
    ``out_dir/pred/<group>/<image>.png``: the maps as 8-bit PNGs (the
    CoSOD benchmarks' format); ``out_dir/vis/<group>.png``: overlays.
    """
    task = 'cosaliency'
    default_visualizer = dict(type='CoSaliencyVisualizer')
    preprocess_kwargs = {'sisms'}
    kept_loaders = ('LoadSaliencyMap', )

    def _inputs_to_list(self, inputs) -> list:
        return one_or_many(inputs, is_image_folder,
                           'a group (a folder, or a list of images)')

    def _group(self, group, index: int) -> List:
        if isinstance(group, (str, os.PathLike)):
            return image_files(group, f'group {index}')
        if not isinstance(group, (list, tuple)):
            raise TypeError(f'group {index} must be a folder or a list of '
                            f'images, got {type(group).__name__}')
        if not group:
            raise ValueError(f'group {index} is empty: a group needs at '
                             'least one image')
        return list(group)

    def _prepare(self, item, index, sisms=None) -> dict:
        images = self._group(item, index)
        views, names = [], []
        prefix = '' if self._num_inputs == 1 else f'group {index} '
        for i, image in enumerate(images):
            path, pixels = read_input_image(image, f'{prefix}images[{i}]')
            views.append(dict(img_path=path, img=pixels))
            names.append(sample_name(image, i))
        group_sisms = self._group_sisms(sisms, index, images, names)
        if group_sisms is None and \
                getattr(self.model, 'sism_model', None) is None:
            raise ValueError(
                'no sisms given and the model has no sism_model to make '
                'them: pass sisms=[...] (one saliency map per image), or '
                "cfg_options={'model.sism_model': dict(type="
                "'FrequencyTunedSaliency')}")
        if group_sisms is not None:
            key, path_key = sism_loader(self.pipeline)
            for i, (view, sism) in enumerate(zip(views, group_sisms)):
                view.update(sism_entry(sism, f'{prefix}sisms[{i}]', key,
                                       path_key))
        return dict(name=sample_name(item, index) if isinstance(
                        item, (str, os.PathLike)) else f'group_{index:03d}',
                    results=dict(views=views), names=names,
                    with_sisms=group_sisms is not None)

    def _group_sisms(self, sisms, index: int, images: list,
                     names: List[str]) -> Optional[list]:
        """The group's SISMs: ``sisms`` itself for one group, its
        ``index``-th entry for several; a folder is matched by stem."""
        if sisms is None:
            return None
        sisms = per_sample(sisms, index, self._num_inputs, 'sisms', 'group')
        if isinstance(sisms, (str, os.PathLike)):
            by_stem = {sample_name(p, 0): p
                       for p in image_files(sisms, 'the sisms folder')}
            missing = [n for n in names if n not in by_stem]
            if missing:
                raise FileNotFoundError(
                    f'group {index}: no saliency map for {missing} in '
                    f'{os.fspath(sisms)!r} (matched by file stem)')
            return [by_stem[n] for n in names]
        if not isinstance(sisms, (list, tuple)):
            raise TypeError('sisms must be None, a folder or a list (one '
                            'saliency map per image), got '
                            f'{type(sisms).__name__}')
        if len(sisms) != len(images):
            raise ValueError(f'group {index}: {len(sisms)} sisms for '
                             f'{len(images)} images: give one saliency map '
                             'per image, in order')
        return list(sisms)

    def preprocess(self, inputs: List[dict], batch_size: int = 1, **kwargs):
        for item in inputs:
            # with or without SISMs the pipeline differs: one group a batch
            pipeline = adapt_sism_pipeline(self.pipeline, item['with_sisms'])
            yield self.collate_fn([pipeline(dict(item['results']))])

    def prediction(self, sample, item: dict) -> Dict[str, Any]:
        return dict(maps=to_arrays.saliency_maps(sample),
                    names=item['names'])

    def write_prediction(self, prediction: dict, name: str,
                         pred_dir: str) -> None:
        write_saliency_maps(pred_dir, name, prediction['names'],
                            prediction['maps'])
