# Copyright (c) mmcorr contributors. All rights reserved.
"""PhotoObjects: the embedded correspondence benchmark (real photographs
shipped with scikit-image, exact masks, exact held-out correspondences)."""
import os.path as osp
from typing import List, Sequence

from mmseg.datasets import BaseSegDataset

from mmcorr.registry import DATASETS
from .load_errors import ClearLoadErrorsMixin, check_dir
from .pair_csv import CsvFormatError, PairCsvDataset, parse_numbers, stack_xy
from .synthetic.photo_objects_generator import CLASSES, PALETTE

GENERATE_HINT = ('Generate PhotoObjects with `python '
                 'tools/dataset_converters/generate_photo_objects.py <data_root>` '
                 '(or `make data`).')


@DATASETS.register_module()
class PhotoObjectsDataset(ClearLoadErrorsMixin, BaseSegDataset):
    """Training images of PhotoObjects with their object masks.

    mmseg's layout (``img_dir/train``, ``ann_dir/train``, labels 0 =
    background, 1 = object), so mmseg's loading transforms apply; for
    correspondence training, ``LoadForegroundMask`` + ``RandomAffinePair``
    make the pairs.
    """
    METAINFO = dict(classes=CLASSES, palette=PALETTE)

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        img_dir = self.data_prefix.get('img_path', '')
        check_dir(self.data_root or osp.dirname(img_dir), 'data root',
                  GENERATE_HINT)
        check_dir(img_dir, 'image folder', GENERATE_HINT)
        data_list = super().load_data_list()
        if not data_list:
            raise FileNotFoundError(f'no *{self.img_suffix} images in '
                                    f'{img_dir!r}. {GENERATE_HINT}')
        return data_list


@DATASETS.register_module()
class PhotoObjectPairsDataset(PairCsvDataset):
    """Held-out PhotoObjects pairs with exact keypoint correspondences.

    ``heldout_pairs.csv`` has one header row, then per pair: source image,
    target image (relative to ``data_root``), and ``';'``-separated source
    x, source y, target x, target y in pixels (PF-PASCAL's layout without
    the class column).
    """
    METAINFO = dict(classes=('object', ))
    DATA_HINT = GENERATE_HINT
    NAME = 'PhotoObjects'

    def parse_row(self, row: Sequence[str], index: int, where: str) -> dict:
        if len(row) != 6:
            raise CsvFormatError(f'{where}: {len(row)} columns; rows need '
                                 'source, target, XA, YA, XB, YB')
        src = stack_xy(parse_numbers(row[2], where),
                       parse_numbers(row[3], where), f'{where} source')
        tgt = stack_xy(parse_numbers(row[4], where),
                       parse_numbers(row[5], where), f'{where} target')
        if src.shape != tgt.shape or len(src) == 0:
            raise CsvFormatError(f'{where}: {len(src)} source and '
                                 f'{len(tgt)} target keypoints')
        return dict(src_img_path=row[0], tgt_img_path=row[1],
                    src_keypoints=src, tgt_keypoints=tgt,
                    category='object', category_id=0)
