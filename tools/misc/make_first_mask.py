# Copyright (c) mmcorr contributors. All rights reserved.
"""A first-frame object mask for a video that comes without one, by
OpenCV's GrabCut from a rectangle (a documented, reproducible procedure,
not a hand-drawn mask):

    python tools/misc/make_first_mask.py IMAGE --rect X Y W H OUT.png \
        [--iters 5]

The pixels GrabCut labels (probably) foreground inside the rectangle
become object 1; the largest connected component is kept. Written as an
indexed PNG (DAVIS palette), for ``demo/video_propagation_demo.py``.
"""
import argparse
import sys

from mmcorr.apis import read_input_image
from mmcorr.apis.inferencers.prompts import mask_from_box
from mmcorr.evaluation import write_id_png


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image')
    parser.add_argument('out')
    parser.add_argument('--rect', type=int, nargs=4, required=True,
                        metavar=('X', 'Y', 'W', 'H'))
    parser.add_argument('--iters', type=int, default=5)
    args = parser.parse_args(argv)
    try:
        _, image = read_input_image(args.image)
        mask = mask_from_box(image, args.rect, args.iters)
    except (OSError, ValueError) as error:
        print(f'make_first_mask.py: error: {error}', file=sys.stderr)
        return 2
    write_id_png(args.out, mask)
    print(f'{int(mask.sum())} object pixels written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
