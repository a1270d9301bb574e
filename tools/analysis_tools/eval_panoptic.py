# Copyright (c) mmcorr contributors. All rights reserved.
"""Score COCO-panoptic predictions with PQ / SQ / RQ (panopticapi's
``pq_compute``, reimplemented in :mod:`mmcorr.evaluation.panoptic_quality`
and tested against it).

Usage (panopticapi's arguments)::

    python tools/analysis_tools/eval_panoptic.py --gt-json GT.json \
        --gt-folder GT_DIR --pred-json PRED.json --pred-folder PRED_DIR \
        [--out metrics.json]

Both sides in the COCO panoptic format: a JSON with ``annotations``
(``image_id``, ``file_name``, ``segments_info``) and, for the ground truth,
``categories`` (``id``, ``isthing``); PNGs whose colours encode segment
ids (``R + 256 G + 256^2 B``, 0 = VOID), whatever model wrote them. Prints
the All / Things / Stuff table; ``--out`` writes ``All``, ``Things``,
``Stuff`` (each ``{pq, sq, rq, n}``, fractions as panopticapi returns them)
and ``per_class``. A PNG segment missing from the JSON (or the reverse),
an unknown category, a segment listed twice, a missing prediction or an
unreadable PNG stops the tool with exit code 2 and a message naming it.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmcorr.evaluation.panoptic_quality import (PanopticFormatError,
                                                evaluate_panoptic_folders)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='PQ / SQ / RQ of COCO-panoptic predictions')
    parser.add_argument('--gt-json', required=True)
    parser.add_argument('--gt-folder', required=True)
    parser.add_argument('--pred-json', required=True)
    parser.add_argument('--pred-folder', required=True)
    parser.add_argument('--out', help='write the scores to this JSON file')
    return parser.parse_args(argv)


def format_table(result: dict) -> str:
    lines = [f'{"":10s}|{"PQ":>8s}{"SQ":>8s}{"RQ":>8s}{"N":>6s}',
             '-' * 40]
    for name in ('All', 'Things', 'Stuff'):
        r = result[name]
        lines.append(f'{name:10s}|{100 * r["pq"]:8.1f}{100 * r["sq"]:8.1f}'
                     f'{100 * r["rq"]:8.1f}{r["n"]:6d}')
    return '\n'.join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        result = evaluate_panoptic_folders(args.gt_json, args.gt_folder,
                                           args.pred_json, args.pred_folder)
    except (PanopticFormatError, FileNotFoundError, ValueError) as error:
        print(f'eval_panoptic.py: error: {error}', file=sys.stderr)
        return 2
    print(format_table(result))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
        print(f'scores written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
