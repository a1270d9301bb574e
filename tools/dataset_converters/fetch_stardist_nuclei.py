# Copyright (c) mmcorr contributors. All rights reserved.
"""Real touching instances for AdaptIS: the fluorescence nuclei image that
the ``stardist`` wheel ships, in the toy layout.
``python tools/dataset_converters/fetch_stardist_nuclei.py [ROOT]``.

stardist 0.9.2 (BSD-3) carries ``data/images/img2d.tif`` (a 512 x 512
uint16 fluorescence image of nuclei from the 2018 Data Science Bowl) and
``mask2d.tif`` (its 125 instance labels). The wheel is downloaded with pip
(``--no-deps`` into a temporary folder; never installed or imported); the
two files are checked by SHA-256 and split into halves:

- ``ROOT/train``: crops of the LEFT half (columns 0-255): 64 x 64 tiles
  every 32 pixels (105 images);
- ``ROOT/test``: the RIGHT half (columns 256-511) as one 512 x 256 image.

Nuclei cut by a border keep their visible part. Intensities are scaled to
0-255 between the 1st and 99.8th percentile (stardist's normalisation)
and repeated on three channels; ids are 16-bit PNGs, ``1..n`` per image
(the AdaptIS toy layout, :class:`mmcorr.datasets.AdaptISToyDataset`).
Nobody here made this image or its masks.
"""
import argparse
import glob
import hashlib
import io
import os
import os.path as osp
import subprocess
import sys
import tempfile
import zipfile

import cv2
import numpy as np

WHEEL = 'stardist==0.9.2'
FILES = {
    'img2d.tif':
    'f9ccc1571b92c861ff87e28463068b43f61bd47357ed0503f711e5cd1eb97750',
    'mask2d.tif':
    '59ad5e820b7982ca9d13e946fa6e7f64e2714899e00a2ae6c69aa79aad53d46f',
}
TILE, STRIDE = 64, 32


def relabel(ids: np.ndarray) -> np.ndarray:
    """Ids ``1..n`` over the labels present (16-bit)."""
    labels = np.unique(ids[ids > 0])
    table = np.zeros(int(ids.max()) + 1, np.uint16)
    table[labels] = np.arange(1, len(labels) + 1)
    return table[ids]


def write(folder: str, index: int, grey: np.ndarray, ids: np.ndarray):
    ids = relabel(ids)
    stem = osp.join(folder, f'{index:05d}_{int(ids.max())}')
    cv2.imwrite(stem + '_rgb.png', np.repeat(grey[..., None], 3, axis=2))
    cv2.imwrite(stem + '_im.png', ids)


def fetch(tmp: str) -> dict:
    """The two files' bytes from the wheel, checked."""
    subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps',
                    '--quiet', '--only-binary=:all:', '-d', tmp, WHEEL],
                   check=True)
    wheel = glob.glob(osp.join(tmp, '*.whl'))[0]
    out = {}
    with zipfile.ZipFile(wheel) as archive:
        for name, digest in FILES.items():
            data = archive.read(f'stardist/data/images/{name}')
            if hashlib.sha256(data).hexdigest() != digest:
                raise SystemExit(f'fetch_stardist_nuclei.py: error: {name} '
                                 f'in {WHEEL} is not the expected file')
            out[name] = data
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', nargs='?', default='data/stardist_nuclei')
    args = parser.parse_args(argv)
    if osp.isdir(osp.join(args.root, 'test')) and glob.glob(
            osp.join(args.root, 'train', '*_rgb.png')):
        print(f'stardist nuclei ready in {args.root}')
        return 0
    import tifffile
    with tempfile.TemporaryDirectory() as tmp:
        files = fetch(tmp)
    image = tifffile.imread(io.BytesIO(files['img2d.tif'])).astype(np.float64)
    ids = tifffile.imread(io.BytesIO(files['mask2d.tif'])).astype(np.int64)
    low, high = np.percentile(image, (1, 99.8))
    grey = np.clip((image - low) / (high - low), 0, 1)
    grey = np.round(grey * 255).astype(np.uint8)
    for split in ('train', 'test'):
        os.makedirs(osp.join(args.root, split), exist_ok=True)
    index = 0
    for top in range(0, grey.shape[0] - TILE + 1, STRIDE):
        for left in range(0, 256 - TILE + 1, STRIDE):
            window = (slice(top, top + TILE), slice(left, left + TILE))
            write(osp.join(args.root, 'train'), index, grey[window],
                  ids[window])
            index += 1
    write(osp.join(args.root, 'test'), 0, grey[:, 256:], ids[:, 256:])
    print(f'stardist nuclei: {index} training tiles (left half), one test '
          f'image (right half, {len(np.unique(ids[:, 256:])) - 1} nuclei) '
          f'in {args.root}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
