# Copyright (c) mmcorr contributors. All rights reserved.
"""Propagate a first-frame mask through a video, write masks and pictures.

Usage::

    python demo/video_propagation_demo.py CONFIG CHECKPOINT \
        (--frames-dir DIR | --video FILE) --first-mask PNG --out-dir OUT \
        [--max-frames N] [--step K] [--every E] [--gif] [--device cpu]

The frames (``.jpg`` / ``.png`` of ``--frames-dir`` sorted by name, or the
decoded ``--video``, every ``--step``-th, at most ``--max-frames``) are
propagated from ``--first-mask`` (an indexed or grey PNG of object ids,
0 background, the first frame's size) with the model of CONFIG (a
``MASTVideoSegmentor``). Writes into ``--out-dir``:

- ``masks/%05d.png``: the DAVIS-format masks (indexed, DAVIS palette);
- ``strip.jpg``: every ``--every``-th frame with its objects overlaid;
- ``propagation.gif`` with ``--gif``: every frame's overlay.
"""
import argparse
import os
import os.path as osp
import sys

import cv2

from mmcorr.apis import init_model, propagate_masks, read_video
from mmcorr.evaluation import write_id_png
from mmcorr.visualization import overlay_ids, overlay_strip, save_gif

FRAME_EXTS = ('.jpg', '.jpeg', '.png')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="checkpoint, or 'none'")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--frames-dir', help='folder of frames')
    source.add_argument('--video', help='a video file OpenCV decodes')
    parser.add_argument('--first-mask', required=True,
                        help='object ids of the first frame (PNG)')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--max-frames', type=int)
    parser.add_argument('--step', type=int, default=1,
                        help='keep every STEP-th frame')
    parser.add_argument('--every', type=int, default=5,
                        help='every EVERY-th frame in the strip')
    parser.add_argument('--gif', action='store_true')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def load_frames(args):
    if args.video:
        return read_video(args.video, args.max_frames, args.step)
    if not osp.isdir(args.frames_dir):
        raise FileNotFoundError(f'--frames-dir {args.frames_dir!r} is not '
                                'a folder')
    names = sorted(n for n in os.listdir(args.frames_dir)
                   if n.lower().endswith(FRAME_EXTS))[::args.step]
    names = names[:args.max_frames]
    if not names:
        raise FileNotFoundError(f'no frame in {args.frames_dir!r}')
    return [cv2.imread(osp.join(args.frames_dir, n)) for n in names]


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        frames = load_frames(args)
        checkpoint = None if args.checkpoint == 'none' else args.checkpoint
        model = init_model(args.config, checkpoint, device=args.device)
        masks = propagate_masks(model, frames, args.first_mask)
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
