# Copyright (c) mmcorr contributors. All rights reserved.
"""Match two images with a correspondence model and draw the result.

Usage::

    python demo/correspondence_demo.py CONFIG CHECKPOINT SRC TGT \
        [--src-mask MASK] [--out-dir DIR] [--top-n 30] \
        [--device cpu] [--cfg-options key=value ...]

A thin command line around
:class:`~mmcorr.apis.inferencers.CorrespondenceInferencer`.

Writes into ``--out-dir``:

- ``matches.png``: source | target, the ``--top-n`` most confident matches
  (lowest forward-backward error, on a regular sampling of the source; inside
  the mask when one is given) as lines.
- ``src_warped_to_tgt.png``: the source brought into the target's frame:
  each TARGET pixel reads the source where the target-to-source mapping
  (``grid_t2s``) sends it (target size).
- ``tgt_warped_to_src.png``: the target brought into the source's frame
  (``grid_s2t``, source size).
- ``mask_warped.png`` (with ``--src-mask``): the source mask carried onto the
  target frame the same way (0 / 255, target size).

With ``none`` as CHECKPOINT the model runs with the config's initialisation
(``init_cfg``, e.g. an ImageNet backbone, and random adaptation layers): the
pictures show the pipeline working, not meaningful matches. The network input
size is the config's test pipeline's (change it in the config).
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import DictAction

from mmcorr.apis import CorrespondenceInferencer, warp_image
from mmcorr.apis.inference import read_input_image
from mmcorr.datasets.transforms import read_image_file
from mmcorr.utils.cli import checkpoint_arg, write_image
from mmcorr.visualization import draw_matches, top_matches


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Dense correspondence between two images: matches and '
        'warped images as PNGs.')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' for "
                        "the config's initialisation (meaningless matches)")
    parser.add_argument('src', help='source image file')
    parser.add_argument('tgt', help='target image file')
    parser.add_argument('--src-mask', help='source foreground mask (non-zero '
                        '= foreground, the source size); also restricts the '
                        'drawn matches to the foreground')
    parser.add_argument('--out-dir', default='work_dirs/correspondence_demo',
                        help='where to write the PNGs')
    parser.add_argument('--top-n', type=int, default=30,
                        help='number of matches drawn')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, key=value')
    return parser.parse_args(argv)


def read_mask(path: str, shape) -> np.ndarray:
    """``(H, W)`` uint8 0/1 mask of the source's size from a file."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'mask file {path!r} does not exist')
    raw = read_image_file(path, 'unchanged', 'pillow')
    mask = (raw.max(axis=2) if raw.ndim == 3 else raw) > 0
    if mask.shape != tuple(shape):
        raise ValueError(f'mask {path!r} is {mask.shape}, the source image '
                         f'is {tuple(shape)}')
    return mask.astype(np.uint8)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.top_n < 1:
        raise SystemExit('--top-n must be >= 1')
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')
    checkpoint = checkpoint_arg(args.checkpoint, 'matches')
    _, src = read_input_image(args.src, 'source')
    _, tgt = read_input_image(args.tgt, 'target')
    mask = read_mask(args.src_mask, src.shape[:2]) if args.src_mask else None
    inferencer = CorrespondenceInferencer(
        args.config, checkpoint, args.device, args.cfg_options,
        show_progress=False)
    result = inferencer((src, tgt))['predictions'][0]['correspondence']
    os.makedirs(args.out_dir, exist_ok=True)

    src_pts, tgt_pts, errors = top_matches(result, args.top_n, mask=mask)
    write_image(osp.join(args.out_dir, 'matches.png'),
                draw_matches(src, tgt, src_pts, tgt_pts))
    print(f'{len(src_pts)} matches drawn, forward-backward error '
          f'{errors.min() if len(errors) else float("nan"):.2f}-'
          f'{errors.max() if len(errors) else float("nan"):.2f} source px')
    write_image(osp.join(args.out_dir, 'src_warped_to_tgt.png'),
                warp_image(result, src, image_of='source'))
    write_image(osp.join(args.out_dir, 'tgt_warped_to_src.png'),
                warp_image(result, tgt, image_of='target'))
    if mask is not None:
        warped = warp_image(result, mask, image_of='source')
        write_image(osp.join(args.out_dir, 'mask_warped.png'),
                    (warped > 0).astype(np.uint8) * 255)
    return 0


if __name__ == '__main__':
    sys.exit(main())
