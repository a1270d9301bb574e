# Copyright (c) mmcorr contributors. All rights reserved.
"""Propagate a first-frame mask through a video, write masks and pictures.

Usage::

    python demo/video_propagation_demo.py CONFIG CHECKPOINT \
        (--frames-dir DIR | --video FILE) \
        (--first-mask PNG | --points X,Y [X,Y ...] | --box X Y W H) \
        --out-dir OUT [--max-frames N] [--step K] [--every E] [--gif] \
        [--device cpu]

A thin command line around
:class:`~mmcorr.apis.inferencers.VideoPropagationInferencer`.

The frames (``.jpg`` / ``.png`` of ``--frames-dir`` sorted by name, or the
decoded ``--video``, every ``--step``-th, at most ``--max-frames``) are
propagated from ``--first-mask`` (an indexed or grey PNG of object ids,
0 background, the first frame's size), or from the object GrabCut finds
under ``--points`` clicks or in a ``--box`` of the first frame, with the
model of CONFIG (a ``MASTVideoSegmentor`` or a baseline). Writes into
``--out-dir``:

- ``masks/%05d.png``: the DAVIS-format masks (indexed, DAVIS palette);
- ``strip.jpg``: every ``--every``-th frame with its objects overlaid;
- ``propagation.gif`` with ``--gif``: every frame's overlay.
"""
import argparse
import os.path as osp
import sys

import cv2

from mmcorr.apis import VideoPropagationInferencer
from mmcorr.fileio import read_frames, read_video, write_id_png
from mmcorr.utils.cli import checkpoint_arg
from mmcorr.visualization import overlay_ids, overlay_strip, save_gif


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
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--frames-dir', help='folder of frames')
    source.add_argument('--video', help='a video file OpenCV decodes')
    prompt = parser.add_mutually_exclusive_group(required=True)
    prompt.add_argument('--first-mask',
                        help='object ids of the first frame (PNG)')
    prompt.add_argument('--points', type=point, nargs='+',
                        help='clicks X,Y on one object of the first frame')
    prompt.add_argument('--box', type=float, nargs=4,
                        metavar=('X', 'Y', 'W', 'H'),
                        help='a box around one object of the first frame')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--max-frames', type=int)
    parser.add_argument('--step', type=int, default=1,
                        help='keep every STEP-th frame')
    parser.add_argument('--every', type=int, default=5,
                        help='every EVERY-th frame in the strip')
    parser.add_argument('--gif', action='store_true')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        frames = read_video(args.video, args.max_frames, args.step) \
            if args.video else read_frames(args.frames_dir, args.max_frames,
                                           args.step)
        checkpoint = checkpoint_arg(args.checkpoint, 'masks')
        inferencer = VideoPropagationInferencer(
            args.config, checkpoint, args.device, show_progress=False)
        prompt = dict(first_mask=args.first_mask, points=args.points,
                      box=args.box)
        masks = inferencer([frames], **{k: v for k, v in prompt.items()
                                        if v is not None}
                           )['predictions'][0]['masks']
    except (FileNotFoundError, ValueError) as error:
        print(f'video_propagation_demo.py: error: {error}', file=sys.stderr)
        return 2
    for t, ids in enumerate(masks):
        write_id_png(osp.join(args.out_dir, 'masks', f'{t:05d}.png'), ids)
    cv2.imwrite(osp.join(args.out_dir, 'strip.jpg'),
                overlay_strip(frames, masks, every=args.every))
    if args.gif:
        save_gif([overlay_ids(f, m) for f, m in zip(frames, masks)],
                 osp.join(args.out_dir, 'propagation.gif'))
    print(f'{len(masks)} masks written to {args.out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
