# Copyright (c) mmcorr contributors. All rights reserved.
"""Co-saliency maps of one group of images (a folder) as PNGs.

Usage::

    python demo/cosaliency_demo.py CONFIG CHECKPOINT --img-dir DIR \
        [--sism-dir DIR | --sism-model ft] --out-dir OUT \
        [--device cpu] [--cfg-options key=value ...]

The images of ``--img-dir`` (``.jpg`` / ``.jpeg`` / ``.png``, sorted by
name) are ONE group. Their single-image saliency maps (SISMs) come from
``--sism-dir`` (a grey image per image, matched by file stem: ``a.jpg`` <-
``a.png``), or, with ``--sism-model ft``, are made by the frequency-tuned
saliency model (``model.sism_model=dict(type='FrequencyTunedSaliency')``)
when none are at hand: a weak model, and one a checkpoint trained on a
salient-object model's maps does worse with (docs/inference.md). Writes
into ``--out-dir``, per image ``<stem>``:

- ``<stem>.png``: the co-saliency map, grey 0..255, the image's size;
- ``<stem>_overlay.png``: the map as a red overlay on the image.

``CHECKPOINT`` may be ``none``: the model runs with the config's
initialisation (``init_cfg``; random co-saliency layers): the maps show the
pipeline working, not co-saliency. The network input size is the config's
test pipeline's (change it in the config).
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import DictAction

from mmcorr.apis import CoSaliencyInferencer
from mmcorr.datasets.transforms import read_image_file
from mmcorr.utils.cli import checkpoint_arg, write_image

IMAGE_EXTS = ('.jpg', '.jpeg', '.png')
SISM_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')
#: ``--sism-model`` names -> the model config.
SISM_MODELS = {'ft': dict(type='FrequencyTunedSaliency')}
#: Strength of the red overlay at saliency 1.
OVERLAY_ALPHA = 0.6


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Co-saliency detection on one group of images: a grey '
        'map and a red overlay per image.')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' "
                        "(the config's initialisation; meaningless maps)")
    parser.add_argument('--img-dir', required=True,
                        help='folder of the group\'s images (jpg / png)')
    sisms = parser.add_mutually_exclusive_group()
    sisms.add_argument('--sism-dir', help='folder of the single-image '
                       'saliency maps, one per image with the same stem')
    sisms.add_argument('--sism-model', choices=sorted(SISM_MODELS),
                       help='make the SISMs with this model instead '
                       '(ft: frequency-tuned saliency)')
    parser.add_argument('--out-dir', required=True,
                        help='where to write the maps and overlays')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides, key=value')
    return parser.parse_args(argv)


def list_images(folder: str) -> list:
    """The group's image files, sorted; stems must be unique."""
    if not osp.isdir(folder):
        raise SystemExit(f'--img-dir {folder!r} is not a folder')
    names = sorted(n for n in os.listdir(folder)
                   if n.lower().endswith(IMAGE_EXTS)
                   and osp.isfile(osp.join(folder, n)))
    if not names:
        raise SystemExit(f'--img-dir {folder!r} has no {"/".join(IMAGE_EXTS)}'
                         ' images')
    stems = [osp.splitext(n)[0] for n in names]
    repeated = sorted({s for s in stems if stems.count(s) > 1})
    if repeated:
        raise SystemExit(f'--img-dir {folder!r}: several images named '
                         f'{repeated} (the outputs are named by stem)')
    return [osp.join(folder, n) for n in names]


def match_sisms(images: list, folder: str) -> list:
    """The SISM file of each image (same stem) in ``folder``."""
    if not osp.isdir(folder):
        raise SystemExit(f'--sism-dir {folder!r} is not a folder')
    by_stem = {}
    for name in sorted(os.listdir(folder)):
        stem, ext = osp.splitext(name)
        if ext.lower() in SISM_EXTS and stem not in by_stem:
            by_stem[stem] = osp.join(folder, name)
    stems = [osp.splitext(osp.basename(p))[0] for p in images]
    missing = [s for s in stems if s not in by_stem]
    if missing:
        raise SystemExit(f'--sism-dir {folder!r} has no saliency map for '
                         f'{missing} (expected <stem>{"|".join(SISM_EXTS)})')
    return [by_stem[s] for s in stems]


def overlay(image: np.ndarray, saliency: np.ndarray) -> np.ndarray:
    """The map as red (BGR) over the image, ``OVERLAY_ALPHA`` at 1."""
    weight = OVERLAY_ALPHA * saliency[..., None]
    red = np.array([0, 0, 255], np.float32)
    out = image.astype(np.float32) * (1 - weight) + red * weight
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise SystemExit(f'config file {args.config!r} does not exist')
    checkpoint = checkpoint_arg(args.checkpoint, 'maps')
    paths = list_images(args.img_dir)
    sisms = match_sisms(paths, args.sism_dir) if args.sism_dir else None
    options = dict(args.cfg_options or {})
    if args.sism_model:
        options['model.sism_model'] = SISM_MODELS[args.sism_model]
    inferencer = CoSaliencyInferencer(args.config, checkpoint, args.device,
                                      options, show_progress=False)
    if sisms is None and getattr(inferencer.model, 'sism_model',
                                 None) is None:
        raise SystemExit('no single-image saliency maps: give --sism-dir DIR '
                         'or --sism-model ft')
    images = [read_image_file(p, 'color') for p in paths]
    maps = inferencer([images], sisms=sisms)['predictions'][0]['maps']
    os.makedirs(args.out_dir, exist_ok=True)
    for path, image, saliency in zip(paths, images, maps):
        stem = osp.splitext(osp.basename(path))[0]
        grey = np.clip(np.round(saliency * 255), 0, 255).astype(np.uint8)
        write_image(osp.join(args.out_dir, f'{stem}.png'), grey)
        write_image(osp.join(args.out_dir, f'{stem}_overlay.png'),
              overlay(image, saliency))
    print(f'{len(maps)} images of {args.img_dir!r}: co-saliency maps in '
          f'{args.out_dir!r}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
