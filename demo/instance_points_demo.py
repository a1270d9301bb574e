# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS on one image: a mask per clicked point and the panoptic result.

Usage::

    python demo/instance_points_demo.py CONFIG CHECKPOINT IMAGE \
        --out-dir OUT [--points X,Y [X,Y ...]] [--sampler proposals|random]
        [--no-flip] [--device cpu]

Writes into ``--out-dir``:

- ``point_<k>.png``: the mask of the object under click ``k`` (255 on the
  object), and ``points.png``: every click's mask overlaid, the clicks
  drawn;
- ``instances.png``: the panoptic instance ids (16-bit PNG, 0 none) and
  ``panoptic.png``: the instances overlaid on the image.

A thin command line around
:class:`~mmcorr.apis.inferencers.PointInstanceInferencer`. A click outside
the image, a missing or unreadable image stop the demo with exit code 2
and a message naming the problem.
"""
import argparse
import os
import os.path as osp
import sys

import cv2
import numpy as np

from mmcorr.apis import PointInstanceInferencer
from mmcorr.apis.inference import read_input_image
from mmcorr.utils.cli import checkpoint_arg, write_image
from mmcorr.visualization import overlay_ids


def point(text: str):
    try:
        x, y = (float(v) for v in text.split(','))
    except ValueError:
        raise argparse.ArgumentTypeError(f'a point is X,Y, got {text!r}')
    return x, y


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="checkpoint, or 'none'")
    parser.add_argument('image')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--points', type=point, nargs='*', default=[],
                        help='clicks as X,Y pixels')
    parser.add_argument('--sampler', choices=('proposals', 'random'),
                        help='greedy assembly (default: the config\'s)')
    parser.add_argument('--no-flip', action='store_true')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    options = {}
    if args.sampler:
        options['model.test_cfg.sampler'] = args.sampler
    if args.no_flip:
        options['model.test_cfg.use_flip'] = False
    try:
        _, image = read_input_image(args.image)
        checkpoint = checkpoint_arg(args.checkpoint, 'masks')
        inferencer = PointInstanceInferencer(
            args.config, checkpoint, args.device, options,
            show_progress=False)
        result = inferencer(image, points=[list(p) for p in args.points]
                            if args.points else None)['predictions'][0]
    except (FileNotFoundError, ValueError) as error:
        print(f'instance_points_demo.py: error: {error}', file=sys.stderr)
        return 2
    os.makedirs(args.out_dir, exist_ok=True)
    if args.points:
        clicks = np.zeros(image.shape[:2], np.int64)
        for k, mask in enumerate(result['point_masks']):
            write_image(osp.join(args.out_dir, f'point_{k}.png'),
                        mask.astype(np.uint8) * 255)
            clicks[mask & (clicks == 0)] = k + 1
        picture = overlay_ids(image, clicks)
        for x, y in args.points:
            cv2.circle(picture, (int(round(x)), int(round(y))), 3,
                       (255, 255, 255), -1)
        write_image(osp.join(args.out_dir, 'points.png'), picture)
    ids = result['instance_ids']
    write_image(osp.join(args.out_dir, 'instances.png'),
                ids.astype(np.uint16))
    write_image(osp.join(args.out_dir, 'panoptic.png'),
                overlay_ids(image, ids))
    print(f'{int(ids.max())} instances, {len(args.points)} point masks '
          f'written to {args.out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
