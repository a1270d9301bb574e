# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS' toy data sets (ToyV1, ToyV2) in the official layout."""
import glob
import os.path as osp
import re
from typing import List

from mmengine.dataset import BaseDataset

from mmcorr.registry import DATASETS
from .load_errors import ClearLoadErrorsMixin, check_dir

__all__ = ['AdaptISToyDataset']

GENERATE_HINT = ('Generate ToyV2-spec data with `python '
                 'tools/dataset_converters/generate_toy_instances.py <data_root>` (or '
                 '`make data`), or download the official ToyV2 (README of '
                 'saic-vul/adaptis).')
_NAME = re.compile(r'^(?P<stem>.+?)(?:_(?P<n>\d+))?_rgb\.png$')


@DATASETS.register_module()
class AdaptISToyDataset(ClearLoadErrorsMixin, BaseDataset):
    """The official toy layout (``adaptis/data/toy.py``): every
    ``<data_root>/<split>/**/*rgb.png`` with its ``*im.png`` instance ids
    (8- or 16-bit, ``0`` = background, every id an "object").

    A sample is one view (an image with point queries, in mmcorr's
    multi-view contract): ``views = [dict(img_path, ins_map_path,
    num_objects)]``; ``num_objects`` comes from the official
    ``{index}_{n}_rgb.png`` names when present (an 8-bit id PNG is refused
    when ``n > 255``). Classes: ``background`` (stuff, 0) and ``object``
    (thing, 1).

    Args:
        split (str): Sub-folder (``train``, ``val``, ``test``).
        Other arguments: as mmengine's ``BaseDataset``.
    """
    METAINFO = dict(
        classes=('background', 'object'),
        stuff_classes=('background', ),
        thing_classes=('object', ),
        palette=[(0, 0, 0), (220, 60, 60)])

    def __init__(self, split: str = 'train', **kwargs):
        self.split = split
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        folder = osp.join(self.data_root or '', self.split)
        check_dir(folder, f'toy split {self.split!r}', GENERATE_HINT)
        images = sorted(glob.glob(osp.join(folder, '**', '*rgb.png'),
                                  recursive=True))
        if not images:
            raise FileNotFoundError(f'no *rgb.png images in {folder!r}. '
                                    f'{GENERATE_HINT}')
        data_list = []
        for index, path in enumerate(images):
            ids_path = path[:-len('rgb.png')] + 'im.png'
            if not osp.isfile(ids_path):
                raise FileNotFoundError(f'{path}: its instance ids '
                                        f'{ids_path} are missing')
            match = _NAME.match(osp.basename(path))
            num = match.group('n') if match else None
            view = dict(img_path=path, ins_map_path=ids_path)
            if num is not None:
                view['num_objects'] = int(num)
            data_list.append(dict(sample_idx=index, views=[view]))
        return data_list
