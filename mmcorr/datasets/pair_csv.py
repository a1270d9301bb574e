# Copyright (c) mmcorr contributors. All rights reserved.
"""Shared reading of the image-pair csv files of PF-PASCAL and PF-WILLOW.

The csvs are read by column POSITION after one header row, as the official
readers (weakalign, SFNet: ``pandas.read_csv`` then ``iloc``) do, so the
header's wording does not matter.
"""
import csv
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
from mmengine.dataset import BaseDataset

from .load_errors import ClearLoadErrorsMixin, check_dir
from .transforms.views import keypoint_validity, views_from_sides


class CsvFormatError(ValueError):
    """A pair csv row does not have the published layout."""


def read_csv_rows(path: str, hint: str) -> List[List[str]]:
    """Data rows of ``path`` (the first row is the header).

    Raises:
        FileNotFoundError: if ``path`` is missing (with ``hint``).
        CsvFormatError: if the file holds no data row.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'pair csv {path!r} does not exist. {hint}')
    with open(path, newline='') as f:
        rows = [row for row in csv.reader(f) if any(c.strip() for c in row)]
    if len(rows) < 2:
        raise CsvFormatError(f'pair csv {path!r} has no image pairs (it '
                             'needs a header row and one row per pair)')
    return rows[1:]


def parse_numbers(text: str, where: str) -> np.ndarray:
    """``'12.5;30;41'`` -> ``array([12.5, 30., 41.])`` (float64).

    Blank tokens (a trailing ``;``) are skipped.
    """
    try:
        return np.array([float(t) for t in text.split(';') if t.strip()],
                        dtype=np.float64)
    except ValueError as error:
        raise CsvFormatError(f'{where}: {text!r} is not a ";"-separated '
                             'list of numbers') from error


def stack_xy(xs: np.ndarray, ys: np.ndarray, where: str) -> np.ndarray:
    """Separate x and y lists -> ``(K, 2)`` float32 ``(x, y)`` rows."""
    if xs.shape != ys.shape:
        raise CsvFormatError(f'{where}: {len(xs)} x values but {len(ys)} '
                             'y values')
    return np.stack([xs, ys], axis=1).astype(np.float32)


def pad_keypoints(points: np.ndarray, size: Optional[int],
                  where: str) -> np.ndarray:
    """Pad ``(K, 2)`` with ``-1`` rows to ``(size, 2)`` (weakalign's
    layout); ``size=None`` keeps ``K``."""
    if size is None:
        return points
    if len(points) > size:
        raise CsvFormatError(f'{where}: {len(points)} keypoints exceed '
                             f'pad_keypoints={size}')
    out = -np.ones((size, 2), np.float32)
    out[:len(points)] = points
    return out


class PairCsvDataset(ClearLoadErrorsMixin, BaseDataset):
    """Base of datasets listed as one image pair per csv row.

    Subclasses set ``DATA_HINT`` (where the data come from) and implement
    ``parse_row(row, index, where) -> dict`` with ``src_*`` / ``tgt_*``
    entries (``img_path``, ``keypoints``, optional ``bbox``,
    ``bbox_size``), which become the two ``views`` of the data info (see
    :mod:`mmcorr.datasets.transforms.views`); the other entries
    (``category``, ...) and ``keypoint_valid``, ``pair_index`` are shared.
    Image paths in the csv are relative to ``data_prefix['img_path']``
    (``data_root`` by default).

    Args:
        ann_file (str): The split csv, relative to ``data_root``.
        pad_keypoints (int, optional): Pad every pair's keypoints with
            ``-1`` rows to this many (``gt_keypoint_valid`` marks them).
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments
            (``data_root``, ``pipeline``, ``test_mode``, ...).
    """
    DATA_HINT = ''
    NAME = 'pair'

    def __init__(self, ann_file: str, pad_keypoints: Optional[int] = None,
                 data_prefix: dict = dict(img_path=''), **kwargs):
        self.pad_keypoints = pad_keypoints
        super().__init__(ann_file=ann_file, data_prefix=data_prefix, **kwargs)

    def parse_row(self, row: Sequence[str], index: int, where: str) -> dict:
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        if self.data_root:
            check_dir(self.data_root, f'{self.NAME} data root',
                      self.DATA_HINT)
        rows = read_csv_rows(self.ann_file, self.DATA_HINT)
        return [
            self._data_info(row, index)
            for index, row in enumerate(rows)
        ]

    def _data_info(self, row: Sequence[str], index: int) -> dict:
        where = f'{self.ann_file} pair {index} (line {index + 2})'
        info = self.parse_row([c.strip() for c in row], index, where)
        prefix = self.data_prefix.get('img_path', '')
        for side in ('src', 'tgt'):
            info[f'{side}_img_path'] = osp.join(prefix,
                                                info[f'{side}_img_path'])
            info[f'{side}_keypoints'] = pad_keypoints(
                info[f'{side}_keypoints'], self.pad_keypoints, where)
        info['keypoint_valid'] = keypoint_validity(info['src_keypoints'],
                                                   info['tgt_keypoints'])
        info['pair_index'] = index
        return views_from_sides(info, ('img_path', 'keypoints', 'bbox',
                                       'bbox_size'))
