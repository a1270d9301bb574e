# Copyright (c) mmcorr contributors. All rights reserved.
"""PCK of a correspondence model on a real image pair related by a known
homography (default: the Graffiti pair, ``make data`` or
``python tools/dataset_converters/fetch_graffiti_pair.py data/graffiti``).

Protocol:

1. ``K`` keypoints on a regular lattice over the source pixels whose match
   ``H (x, y, 1)`` lies inside the target with a margin of ``--margin`` of
   its size (:func:`mmcorr.evaluation.pair_keypoints.lattice_keypoints`), at
   full resolution.
2. Both images are downscaled to ``--width`` px (cv2 ``INTER_AREA``); the
   points follow with the pixel-centre rule ``x' = (x + 0.5) s - 0.5``.
3. The model matches source to target through its test pipeline
   (:func:`mmcorr.apis.match_images`); keypoints move with
   ``transfer_points(..., from_image='source')``.
4. PCK@alpha: within ``alpha * max(H, W)`` of the downscaled target, in
   percent; the identity mapping (same coordinates) is the baseline.

Prints the JSON and one line; ``--out`` also writes the JSON.

Usage::

    python tools/analysis_tools/eval_homography_pair.py CONFIG \
        [--checkpoint CKPT] [--pair-dir data/graffiti] [--width 320] \
        [--num-points 400] [--alphas 0.05 0.1] [--out FILE]
"""
import argparse
import json
import os.path as osp
import sys
import warnings

import cv2
import numpy as np
from mmengine.config import DictAction

from mmcorr import fileio
from mmcorr.apis import init_model, match_images
from mmcorr.evaluation.pair_keypoints import (apply_homography,
                                              lattice_keypoints, point_pck)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='model config file')
    parser.add_argument('--checkpoint', help='checkpoint file (default: '
                        "the config's initialisation)")
    parser.add_argument('--pair-dir', default='data/graffiti',
                        help='folder with the source, target and homography')
    parser.add_argument('--source', default='graf1.png')
    parser.add_argument('--target', default='graf3.png')
    parser.add_argument('--homography', default='H1to3.txt',
                        help='3 x 3 text matrix, source to target pixels')
    parser.add_argument('--width', type=int, default=320,
                        help='downscaled width of both images, pixels')
    parser.add_argument('--num-points', type=int, default=400)
    parser.add_argument('--margin', type=float, default=0.02,
                        help='matches this fraction of the target size '
                        'away from its border')
    parser.add_argument('--alphas', type=float, nargs='+',
                        default=[0.05, 0.1])
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='also write the JSON to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def read_image(path: str) -> np.ndarray:
    try:
        return fileio.read_image(path)
    except FileNotFoundError:
        raise SystemExit(f'eval_homography_pair.py: error: {path} does not '
                         'exist (make data, or python tools/dataset_converters/'
                         'fetch_graffiti_pair.py data/graffiti)')
    except fileio.UnreadableFileError as error:
        raise SystemExit(f'eval_homography_pair.py: error: {error}')


def keypoints(matrix, source_shape, target_shape, num, margin):
    """Source keypoints whose matches lie inside the target, and the
    matches, ``(num, 2)`` each, full-resolution pixels."""
    height, width = source_shape
    ys, xs = np.mgrid[0:height, 0:width]
    mapped = apply_homography(
        matrix, np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64))
    th, tw = target_shape
    mx, my = margin * tw, margin * th
    inside = ((mapped[:, 0] >= mx) & (mapped[:, 0] <= tw - 1 - mx) &
              (mapped[:, 1] >= my) & (mapped[:, 1] <= th - 1 - my))
    src = lattice_keypoints(inside.reshape(height, width), num)
    return src, apply_homography(matrix, src)


def evaluate(model, args) -> dict:
    source = read_image(osp.join(args.pair_dir, args.source))
    target = read_image(osp.join(args.pair_dir, args.target))
    matrix = np.loadtxt(osp.join(args.pair_dir, args.homography))
    if matrix.shape != (3, 3):
        raise SystemExit(f'eval_homography_pair.py: error: the homography '
                         f'must be 3 x 3, got {matrix.shape}')
    src, tgt = keypoints(matrix, source.shape[:2], target.shape[:2],
                         args.num_points, args.margin)
    resized = []
    for image, points in ((source, src), (target, tgt)):
        h0, w0 = image.shape[:2]
        h = int(round(h0 * args.width / w0))
        scale = np.array([args.width / w0, h / h0])
        resized.append((cv2.resize(image, (args.width, h),
                                   interpolation=cv2.INTER_AREA),
                        (points + 0.5) * scale - 0.5))
    (src_img, src), (tgt_img, tgt) = resized
    result = match_images(model, src_img, tgt_img)
    pred = result.transfer_points(src, from_image='source')
    length = float(max(tgt_img.shape[:2]))
    return dict(
        pair=f'{args.source} -> {args.target} ({args.homography})',
        image_size=list(tgt_img.shape[:2]), num_keypoints=len(src),
        threshold_px={f'{a:g}': a * length for a in args.alphas},
        network_input=list(result.input_shape),
        model=point_pck(pred, tgt, args.alphas, length),
        identity=point_pck(src, tgt, args.alphas, length))


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')
    if args.checkpoint is None:
        warnings.warn("no --checkpoint: the config's initialisation")
    model = init_model(args.config, args.checkpoint, args.device,
                       args.cfg_options, init_weights=args.checkpoint is None)
    report = evaluate(model, args)
    report.update(config=args.config, checkpoint=args.checkpoint)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    height, width = report['image_size']
    scores = ' | '.join(
        f'{who} ' + ' '.join(f'{k} {v:.2f}' for k, v in report[who].items()
                             if k.startswith('PCK'))
        for who in ('model', 'identity'))
    print(f'{report["pair"]} at {width}x{height}: {scores}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
