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

import cv2
import numpy as np

from mmcorr.evaluation import write_id_png


def grabcut_mask(image: np.ndarray, rect, iters: int = 5) -> np.ndarray:
    """``(H, W)`` uint8: 1 on the object GrabCut finds in ``rect``."""
    labels = np.zeros(image.shape[:2], np.uint8)
    background = np.zeros((1, 65), np.float64)
    foreground = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    cv2.grabCut(image, labels, tuple(int(v) for v in rect), background,
                foreground, iters, cv2.GC_INIT_WITH_RECT)
    mask = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    count, components = cv2.connectedComponents(mask)
    if count <= 1:
        raise ValueError(f'GrabCut found no object in the rectangle {rect}')
    sizes = np.bincount(components.ravel())[1:]
    return (components == 1 + int(np.argmax(sizes))).astype(np.uint8)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('image')
    parser.add_argument('out')
    parser.add_argument('--rect', type=int, nargs=4, required=True,
                        metavar=('X', 'Y', 'W', 'H'))
    parser.add_argument('--iters', type=int, default=5)
    args = parser.parse_args(argv)
    image = cv2.imread(args.image)
    if image is None:
        print(f'make_first_mask.py: error: cannot read {args.image}',
              file=sys.stderr)
        return 2
    mask = grabcut_mask(image, args.rect, args.iters)
    write_id_png(args.out, mask)
    print(f'{int(mask.sum())} object pixels written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
