# Copyright (c) mmcorr contributors. All rights reserved.
from typing import Sequence

from mmcorr.registry import DATASETS
from .pair_csv import CsvFormatError, PairCsvDataset, parse_numbers, stack_xy

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
               'cat', 'chair', 'cow', 'diningtable', 'dog', 'horse',
               'motorbike', 'person', 'pottedplant', 'sheep', 'sofa',
               'train', 'tvmonitor')

PF_PASCAL_HINT = (
    'PF-PASCAL comes from http://www.di.ens.fr/willow/research/proposalflow/'
    'dataset/PF-dataset-PASCAL.zip with the split csvs of weakalign '
    '(test_pairs_pf_pascal.csv, val_pairs_pf_pascal.csv at http://www.di.ens'
    '.fr/willow/research/cnngeometric/other_resources/) or SFNet\'s '
    '`python download_datasets.py` (data/PF_Pascal/ with '
    'bbox_test_pairs_pf_pascal.csv and bbox_val_pairs_pf_pascal.csv). '
    'data_root is the folder the csv image paths are relative to.')


@DATASETS.register_module()
class PFPascalDataset(PairCsvDataset):
    """PF-PASCAL image pairs with keypoint correspondences (20 VOC classes).

    Reads the published split csvs by column position, after one header
    row (as weakalign and SFNet do):

    ====  =================================================================
    col   content
    ====  =================================================================
    0     source image path, relative to ``data_root``
    1     target image path
    2     class, 1..20 (VOC order, :attr:`METAINFO` ``classes``)
    3, 4  source keypoints x and y: ``';'``-separated lists
    5, 6  target keypoints x and y
    7     only in SFNet's ``bbox_*_pairs_pf_pascal.csv``: one number,
          ``max(h, w)`` of the SOURCE object's bounding box in pixels
          (SFNet's ``L_pck`` for ``eval_type='bounding_box'``)
    ====  =================================================================

    Keypoints are in pixels of the original images. Each data info holds
    ``views`` (source, target), each with ``img_path`` and ``keypoints``
    (``(K, 2)`` float32 ``(x, y)``) and, with column 7, the source's
    ``bbox_size``; and the shared ``keypoint_valid`` (``(K,)`` bool; ``-1``
    entries are padding), ``category``, ``category_id`` (0..19) and
    ``pair_index`` (row number).

    Args:
        ann_file (str): Split csv relative to ``data_root``, e.g.
            ``'bbox_test_pairs_pf_pascal.csv'`` or
            ``'test_pairs_pf_pascal.csv'``.
        pad_keypoints (int, optional): Pad to this many keypoints with
            ``-1`` (weakalign pads to 20).
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments.

    Raises:
        FileNotFoundError: for a missing data root or csv (with where to get
            the data).
        ValueError: for a row that does not have the layout above.
    """
    METAINFO = dict(classes=VOC_CLASSES)
    DATA_HINT = PF_PASCAL_HINT
    NAME = 'PF-PASCAL'

    def parse_row(self, row: Sequence[str], index: int, where: str) -> dict:
        if len(row) < 7:
            raise CsvFormatError(
                f'{where}: {len(row)} columns; PF-PASCAL rows need source, '
                'target, class, XA, YA, XB, YB [, bbox size]')
        category_id = self._class_index(row[2], where)
        info = dict(
            src_img_path=row[0],
            tgt_img_path=row[1],
            src_keypoints=stack_xy(
                parse_numbers(row[3], where), parse_numbers(row[4], where),
                f'{where} source'),
            tgt_keypoints=stack_xy(
                parse_numbers(row[5], where), parse_numbers(row[6], where),
                f'{where} target'),
            category=VOC_CLASSES[category_id],
            category_id=category_id)
        if len(info['src_keypoints']) != len(info['tgt_keypoints']):
            raise CsvFormatError(
                f'{where}: {len(info["src_keypoints"])} source but '
                f'{len(info["tgt_keypoints"])} target keypoints')
        if len(info['src_keypoints']) == 0:
            raise CsvFormatError(f'{where}: no keypoints')
        if len(row) > 7 and row[7]:
            info['src_bbox_size'] = self._number(row[7], where)
        return info

    @staticmethod
    def _class_index(text: str, where: str) -> int:
        value = PFPascalDataset._number(text, where)
        if value != int(value) or not 1 <= value <= len(VOC_CLASSES):
            raise CsvFormatError(f'{where}: class {text!r} is not in 1..20')
        return int(value) - 1

    @staticmethod
    def _number(text: str, where: str) -> float:
        try:
            return float(text)
        except ValueError as error:
            raise CsvFormatError(f'{where}: {text!r} is not a number') \
                from error
