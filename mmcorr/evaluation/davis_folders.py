# Copyright (c) mmcorr contributors. All rights reserved.
"""DAVIS-layout folders in, J&F out (``tools/analysis_tools/eval_vos.py``).

Ground truth: ``<davis_root>/Annotations/480p/<seq>/<frame>.png`` (indexed
PNGs) and ``<davis_root>/ImageSets/2017/<set>.txt`` (one sequence a line);
results: ``<results>/<seq>/<frame>.png``, one per annotated frame but the
first (it is the given mask and is not read).
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmcorr.fileio import UnreadableFileError, read_id_png, write_id_png
from .davis_scores import (ObjectScores, VOSInputError, score_sequence,
                           summarise)

__all__ = [
    'read_id_png', 'write_id_png', 'read_sequence_list',
    'evaluate_davis_folders'
]


def read_sequence_list(davis_root: str, set_name: str) -> List[str]:
    """Sequence names of ``ImageSets/2017/<set>.txt``."""
    path = osp.join(davis_root, 'ImageSets', '2017', f'{set_name}.txt')
    if not osp.isfile(path):
        raise VOSInputError(f'{path}: sequence list not found (expected '
                            'DAVIS-2017 layout: ImageSets/2017/<set>.txt)')
    with open(path) as f:
        names = [line.strip() for line in f if line.strip()]
    if not names:
        raise VOSInputError(f'{path}: lists no sequence')
    return names


def _annotations(davis_root: str, sequence: str,
                 resolution: str) -> List[str]:
    folder = osp.join(davis_root, 'Annotations', resolution, sequence)
    if not osp.isdir(folder):
        raise VOSInputError(f'{folder}: annotation folder not found')
    frames = sorted(f[:-4] for f in os.listdir(folder) if f.endswith('.png'))
    if not frames:
        raise VOSInputError(f'{folder}: no annotation PNG')
    return frames


def _read_ids(path: str, allow_grey: bool):
    """:func:`~mmcorr.fileio.read_id_png`, its errors as the scorer's."""
    if not osp.isfile(path):
        raise VOSInputError(f'{path}: file not found')
    try:
        return read_id_png(path, allow_grey)
    except UnreadableFileError as error:
        raise VOSInputError(str(error)) from error


def evaluate_davis_folders(davis_root: str,
                           results: str,
                           set_name: str = 'val',
                           sequences: Optional[Sequence[str]] = None,
                           resolution: str = '480p',
                           allow_grey: bool = False,
                           legacy_uint8_bins: bool = False) -> Dict:
    """Score a results folder against DAVIS annotations.

    Returns:
        dict: :func:`~mmcorr.evaluation.davis_scores.summarise`'s global
        numbers and ``per_object`` rows, plus ``per_sequence``: per
        sequence the mean over its objects of ``J-Mean`` and ``F-Mean``.
    """
    names = list(sequences or read_sequence_list(davis_root, set_name))
    objects: List[ObjectScores] = []
    for name in names:
        frames = _annotations(davis_root, name, resolution)
        gt_dir = osp.join(davis_root, 'Annotations', resolution, name)
        gt = [_read_ids(osp.join(gt_dir, f'{f}.png'), True) for f in frames]
        pred = [None] + [
            _read_ids(osp.join(results, name, f'{f}.png'), allow_grey)
            for f in frames[1:-1]
        ] + [None]
        objects += score_sequence(name, gt, pred, frames)
    result = summarise(objects, legacy_uint8_bins)
    result['per_sequence'] = per_sequence(result['per_object'])
    return result


def per_sequence(rows: Sequence[Dict]) -> List[Dict]:
    """Mean ``J-Mean`` / ``F-Mean`` over each sequence's objects."""
    by_name: Dict[str, List[Dict]] = {}
    for row in rows:
        by_name.setdefault(row['sequence'], []).append(row)
    return [
        dict(sequence=name,
             objects=len(group),
             **{key: float(np.mean([r[key] for r in group]))
                for key in ('J-Mean', 'F-Mean')})
        for name, group in by_name.items()
    ]
