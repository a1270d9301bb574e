# Copyright (c) mmcorr contributors. All rights reserved.
"""PCK of a correspondence model on a real stereo pair with ground truth.

The pair is the Middlebury 2014 "motorcycle" stereo pair that scikit-image
ships (``skimage.data.stereo_motorcycle()``: left, right, disparity, 500 x 741,
no download). Ground truth: left pixel ``(x, y)`` matches right pixel
``(x - d(x, y), y)`` where the disparity ``d`` is valid (finite, > 0, and the
match lies inside the right image). (scikit-image's docstring words it the
other way round; the photometric error confirms ``x - d``.)

Protocol:

1. ``K`` keypoints on a regular lattice over the valid left pixels, at full
   resolution (integer pixels, so ``d`` is read, never interpolated): the
   coarsest square lattice with at least ``K`` valid points, thinned evenly
   (raster order) to exactly ``K``.
2. Both images are downscaled to ``--width`` px (cv2 ``INTER_AREA``); the
   keypoints follow with the pixel-centre rule ``x' = (x + 0.5) s - 0.5``.
3. The model matches left (source) to right (target) through its test
   pipeline (:func:`mmcorr.apis.match_images`); keypoints move with
   ``transfer_points(..., from_image='source')``.
4. PCK@alpha: a keypoint is correct when its distance to the ground truth is
   ``<= alpha * max(H, W)`` of the downscaled image, in percent. The
   identity mapping (the same coordinates in the right image) is the
   baseline: a model should beat it. The largest disparity is 60 px at full
   resolution, 26 px at the default width 320: below ``0.1 * 320``, so the
   identity scores 100 at alpha 0.1 and the default alphas are 0.02 and
   0.05.

Prints the JSON and one line of text; ``--out`` also writes the JSON.

Usage::

    python tools/analysis_tools/eval_middlebury_pair.py CONFIG \
        [--checkpoint CKPT] [--width 320] [--num-points 400] \
        [--alphas 0.02 0.05] [--out FILE] [--cfg-options key=value ...]
"""
import argparse
import json
import os.path as osp
import sys
import warnings
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmengine.config import DictAction

from mmcorr.apis import init_model, match_images
from mmcorr.evaluation.pair_keypoints import lattice_keypoints, point_pck


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='PCK of a correspondence model on the Middlebury '
        'motorcycle stereo pair shipped with scikit-image.')
    parser.add_argument('config', help='model config file')
    parser.add_argument('--checkpoint', help='checkpoint file (default: '
                        "the config's initialisation)")
    parser.add_argument('--width', type=int, default=320,
                        help='downscaled width in pixels (CPU-friendly)')
    parser.add_argument('--num-points', type=int, default=400,
                        help='number of keypoints K')
    parser.add_argument('--alphas', type=float, nargs='+',
                        default=[0.02, 0.05], help='PCK thresholds, relative '
                        'to max(H, W)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='also write the JSON to this file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, key=value')
    return parser.parse_args(argv)


def load_pair() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left, right (``(500, 741, 3)`` uint8 BGR) and the left disparity
    (``(500, 741)`` float32, NaN / inf where unknown)."""
    try:
        from skimage import data
    except ImportError as error:
        raise SystemExit('this tool needs scikit-image (it ships the pair): '
                         'pip install scikit-image') from error
    left, right, disparity = data.stereo_motorcycle()
    return (np.ascontiguousarray(left[..., ::-1]),
            np.ascontiguousarray(right[..., ::-1]),
            np.asarray(disparity, np.float64))


def sample_keypoints(disparity: np.ndarray,
                     num: int) -> Tuple[np.ndarray, np.ndarray]:
    """``num`` left keypoints on a regular lattice of valid pixels, and their
    right matches.

    Returns:
        tuple: left ``(num, 2)`` and right ``(num, 2)`` float64 ``(x, y)``
        pixels at full resolution.
    """
    height, width = disparity.shape
    xs = np.arange(width)[None].repeat(height, 0)
    with np.errstate(invalid='ignore'):
        valid = np.isfinite(disparity) & (disparity > 0) & \
            (xs - np.nan_to_num(disparity, posinf=np.inf) >= 0)
    left = lattice_keypoints(valid, num)
    cols, rows = left[:, 0].astype(int), left[:, 1].astype(int)
    right = left - np.stack([disparity[rows, cols], np.zeros(num)], 1)
    return left, right


def evaluate(model, width: int, num_points: int,
             alphas: Sequence[float]) -> dict:
    """The Middlebury PCK of ``model`` and of the identity mapping."""
    left, right, disparity = load_pair()
    height0, width0 = disparity.shape
    height = int(round(height0 * width / width0))
    scale = np.array([width / width0, height / height0])
    left_s = cv2.resize(left, (width, height), interpolation=cv2.INTER_AREA)
    right_s = cv2.resize(right, (width, height), interpolation=cv2.INTER_AREA)
    src, tgt = sample_keypoints(disparity, num_points)
    src, tgt = (src + 0.5) * scale - 0.5, (tgt + 0.5) * scale - 0.5
    result = match_images(model, left_s, right_s)
    pred = result.transfer_points(src, from_image='source')
    length = float(max(height, width))
    return dict(
        pair='middlebury2014_motorcycle (skimage.data.stereo_motorcycle)',
        image_size=[height, width],
        num_keypoints=num_points,
        threshold_px={f'{a:g}': a * length
                      for a in alphas},
        network_input=list(result.input_shape),
        model=point_pck(pred, tgt, alphas, length),
        identity=point_pck(src, tgt, alphas, length))


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')
    if args.width < 32 or args.num_points < 1 or min(args.alphas) <= 0:
        raise SystemExit('--width must be >= 32, --num-points >= 1 and the '
                         'alphas > 0')
    if args.checkpoint is None:
        warnings.warn("no --checkpoint: the config's initialisation; the "
                      "model's numbers are meaningless")
    model = init_model(args.config, args.checkpoint, args.device,
                       args.cfg_options, init_weights=args.checkpoint is None)
    report = evaluate(model, args.width, args.num_points, args.alphas)
    report.update(config=args.config, checkpoint=args.checkpoint)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')
    model_pck = ' '.join(f'{k} {v:.2f}' for k, v in report['model'].items()
                         if k.startswith('PCK'))
    identity_pck = ' '.join(f'{k} {v:.2f}'
                            for k, v in report['identity'].items()
                            if k.startswith('PCK'))
    height, width = report['image_size']
    print(f'Middlebury motorcycle {width}x{height}, K={args.num_points}: '
          f'model {model_pck} | identity {identity_pck}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
