# Copyright (c) mmcorr contributors. All rights reserved.
import os.path as osp
from typing import List, Sequence

import numpy as np

from mmcorr.registry import DATASETS
from .pair_csv import CsvFormatError, PairCsvDataset, stack_xy

PF_WILLOW_HINT = (
    'PF-WILLOW comes from http://www.di.ens.fr/willow/research/proposalflow/'
    'dataset/PF-dataset.zip with weakalign\'s test_pairs_pf.csv (http://www.'
    'di.ens.fr/willow/research/cnngeometric/other_resources/test_pairs_pf.'
    'csv) or SFNet\'s `python download_datasets.py` (data/PF_WILLOW/). '
    'data_root is the folder the csv image paths are relative to.')

NUM_KEYPOINTS = 10


@DATASETS.register_module()
class PFWillowDataset(PairCsvDataset):
    """PF-WILLOW image pairs, 10 keypoint correspondences each.

    Reads weakalign's ``test_pairs_pf.csv`` by column position after one
    header row (as weakalign's ``PFDataset`` and SFNet's ``PF_WILLOW`` do):

    =======  =========================================================
    col      content
    =======  =========================================================
    0        source image path, relative to ``data_root``
    1        target image path
    2..11    source keypoints x1..x10
    12..21   source keypoints y1..y10
    22..31   target keypoints x1..x10
    32..41   target keypoints y1..y10
    =======  =========================================================

    ``category`` is the source image's folder name (e.g. ``'car(G)'``);
    :attr:`metainfo` ``classes`` lists those found, sorted. PF-WILLOW has
    no object boxes: SFNet's "bounding box" PCK on it uses the extent of
    the SOURCE keypoints (``PCKMetric(threshold='keypoints',
    threshold_of='source')``).

    Args:
        ann_file (str): The csv relative to ``data_root``, e.g.
            ``'test_pairs_pf.csv'``.
        **kwargs: :class:`PairCsvDataset` arguments.
    """
    METAINFO = dict(classes=())
    DATA_HINT = PF_WILLOW_HINT
    NAME = 'PF-WILLOW'

    def parse_row(self, row: Sequence[str], index: int, where: str) -> dict:
        width = 2 + 4 * NUM_KEYPOINTS
        if len(row) != width:
            raise CsvFormatError(
                f'{where}: {len(row)} columns; PF-WILLOW rows have {width} '
                '(source, target, XA1..10, YA1..10, XB1..10, YB1..10)')
        try:
            values = np.array([float(v) for v in row[2:]], np.float64)
        except ValueError as error:
            raise CsvFormatError(f'{where}: keypoint columns must be '
                                 'numbers') from error
        xa, ya, xb, yb = values.reshape(4, NUM_KEYPOINTS)
        return dict(
            src_img_path=row[0],
            tgt_img_path=row[1],
            src_keypoints=stack_xy(xa, ya, where),
            tgt_keypoints=stack_xy(xb, yb, where),
            category=osp.basename(osp.dirname(row[0].replace('\\', '/'))))

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        if not self._metainfo.get('classes'):
            self._metainfo['classes'] = tuple(
                sorted({info['category'] for info in data_list}))
        return data_list
