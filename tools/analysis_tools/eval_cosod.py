# Copyright (c) mmcorr contributors. All rights reserved.
"""Score co-saliency maps in a folder against the ground truth.

Both roots hold ``<group>/<image>``; a prediction (``.png`` or ``.jpg``) is
matched to its GT by group folder and file stem. The scores come from
PySODMetrics through :mod:`mmcorr.evaluation.cosod_scores` (protocol and
resolution policies documented there): ``Smeasure``, ``maxEm``, ``meanEm``,
``adpEm``, ``maxFm``, ``meanFm``, ``adpFm`` and ``MAE``.

``--resolution gt`` (default) scores at the GT's resolution, and a
prediction of another size is an error unless ``--resize-pred`` (then it is
resized bilinearly, as eval-co-sod does). ``--resolution icnet224`` resizes
both to 224 x 224 as ICNet's official evaluator does.

Missing or extra predictions, empty groups, size mismatches, non-grey and
unreadable images stop the tool with exit code 2 and a one-line message.

Usage::

    python tools/analysis_tools/eval_cosod.py --gt-root GT --pred-root PRED \
        [--out metrics.json] [--plot curves.png] \
        [--resolution gt|icnet224] [--resize-pred]

``--out`` writes the 8 scores at the top level of the JSON and
``num_images``, ``num_groups``, ``resolution`` and the roots under
``"meta"``; ``--plot`` writes the precision-recall curve and the F- and
E-measure-vs-threshold curves.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmcorr.evaluation.cosod_scores import (COSOD_KEYS, RESOLUTIONS,
                                            CoSODInputError,
                                            evaluate_cosod_folders,
                                            format_table, plot_cosod_curves)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Co-saliency scores (PySODMetrics) of a folder of maps')
    parser.add_argument('--gt-root', required=True,
                        help='GT maps as <group>/<image>.png')
    parser.add_argument('--pred-root', required=True,
                        help='predictions as <group>/<image>.png|.jpg')
    parser.add_argument('--out', help='write the scores to this JSON file')
    parser.add_argument('--plot', help='write the curves to this PNG file')
    parser.add_argument('--resolution', choices=RESOLUTIONS, default='gt',
                        help="'gt': at the GT's size (default); 'icnet224': "
                        "both resized to 224 x 224 (ICNet's evaluator)")
    parser.add_argument('--resize-pred', action='store_true',
                        help='with --resolution gt, resize predictions of '
                        'another size to their GT (bilinear) instead of '
                        'refusing them')
    return parser.parse_args(argv)


def fail(message: str) -> None:
    print(f'eval_cosod.py: error: {message}', file=sys.stderr)
    sys.exit(2)


def main(argv=None):
    args = parse_args(argv)
    try:
        scorer, meta = evaluate_cosod_folders(
            args.gt_root, args.pred_root, resolution=args.resolution,
            resize_pred=args.resize_pred)
    except CoSODInputError as error:
        fail(str(error).replace('\n', ' '))
    results = scorer.results()
    meta.update(gt_root=osp.abspath(args.gt_root),
                pred_root=osp.abspath(args.pred_root))
    print(f"{meta['num_images']} images in {meta['num_groups']} groups, "
          f"resolution {meta['resolution']!r}")
    print(format_table(results))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump({**{k: results[k] for k in COSOD_KEYS}, 'meta': meta},
                      f, indent=2)
        print(f'scores written to {args.out}')
    if args.plot:
        os.makedirs(osp.dirname(osp.abspath(args.plot)), exist_ok=True)
        plot_cosod_curves(scorer.curves(), args.plot,
                          title=f"{osp.basename(osp.normpath(args.pred_root))}"
                          f" (maxFm {results['maxFm']:.3f})")
        print(f'curves written to {args.plot}')


if __name__ == '__main__':
    main()
