# Copyright (c) mmcorr contributors. All rights reserved.
"""Score a folder of propagated masks with DAVIS-2017's J&F.

The protocol is the official semi-supervised scorer's (first and last
frames dropped, objects matched by id, J / F Mean, Recall and Decay per
object, averaged over objects), reimplemented in
:mod:`mmcorr.evaluation.davis_scores` with one documented fix (Decay bins
beyond 256 frames; ``--legacy-uint8-bins`` restores the official cast).

Usage::

    python tools/analysis_tools/eval_vos.py --davis-root ROOT \
        --results RESULTS [--set val] [--out metrics.json]

ROOT holds ``Annotations/480p/<seq>/<frame>.png`` and
``ImageSets/2017/<set>.txt`` (images are not needed); RESULTS holds
``<seq>/<frame>.png`` indexed PNGs, whatever model wrote them. Prints the
global and per-object tables; ``--out`` writes ``J&F-Mean``, ``J-Mean``,
``J-Recall``, ``J-Decay``, ``F-Mean``, ``F-Recall``, ``F-Decay`` (fractions)
with ``per_sequence`` and ``per_object`` lists. Missing frames, unknown
object ids, non-indexed PNGs and size mismatches stop the tool with exit
code 2 and a message naming the file.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmcorr.evaluation.davis_folders import evaluate_davis_folders
from mmcorr.evaluation.davis_scores import VOSInputError, format_tables


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='DAVIS-2017 semi-supervised J&F of a results folder')
    parser.add_argument('--davis-root', required=True,
                        help='DAVIS root with Annotations/ and ImageSets/')
    parser.add_argument('--results', required=True,
                        help='results as <seq>/<frame>.png')
    parser.add_argument('--set', default='val',
                        help='ImageSets/2017/<set>.txt (default: val)')
    parser.add_argument('--resolution', default='480p',
                        help='Annotations/<resolution> (default: 480p)')
    parser.add_argument('--out', help='write the scores to this JSON file')
    parser.add_argument('--allow-grey', action='store_true',
                        help='also read single-channel grey id PNGs')
    parser.add_argument('--legacy-uint8-bins', action='store_true',
                        help='Decay with the official scorer\'s uint8 bin '
                        'edges (wrong beyond 256 frames)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        result = evaluate_davis_folders(
            args.davis_root, args.results, args.set,
            resolution=args.resolution, allow_grey=args.allow_grey,
            legacy_uint8_bins=args.legacy_uint8_bins)
    except VOSInputError as error:
        print(f'eval_vos.py: error: {error}', file=sys.stderr)
        return 2
    print(format_tables(result, args.set))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'scores written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
