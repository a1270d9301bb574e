# Copyright (c) mmcorr contributors. All rights reserved.
"""A real viewpoint-change pair with exact ground truth for correspondence:
the Graffiti pair (Oxford affine-covariant regions benchmark, images 1 and 3,
800 x 640, a 40-degree change of viewpoint on a planar wall) and the
homography between them, as Debian's ``opencv-doc`` package ships them in
``examples/data`` (``graf1.png``, ``graf3.png``, ``H1to3p.xml``).
``python tools/dataset_converters/fetch_graffiti_pair.py [ROOT]``.

The ``.deb`` is downloaded with ``apt-get download`` (about 96 MB, into a
temporary folder; never installed), the three files are extracted with
``dpkg-deb`` and checked by SHA-256, and written to ``ROOT`` with the
homography as ``H1to3.txt`` (3 x 3, source pixels to target pixels, the
pixel-centre-at-integer convention of the benchmark). Nobody here made the
pictures or the homography. Needs a Debian-family system (apt-get, dpkg-deb).
"""
import argparse
import hashlib
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile

import numpy as np

PACKAGE = 'opencv-doc'
INSIDE = './usr/share/doc/opencv-doc/examples/data/'
FILES = {
    'graf1.png':
    '1504b769303c7bde00fa578eeaad3c68e02aceabeb1242e556f1f8d19e4bdea5',
    'graf3.png':
    '492e0e96f21748d093e1a29f4dbfd46528bd75966937e85ce7c8abc0f361fc15',
    'H1to3p.xml':
    '9cd961fef3542462153a95acad164bc0da784622034a4eaf384c9beeaa19588f',
}


def read_opencv_matrix(path: str) -> np.ndarray:
    """The 3 x 3 ``<data>`` of an OpenCV FileStorage XML matrix."""
    text = open(path).read()
    start, end = text.index('<data>') + 6, text.index('</data>')
    values = np.array(text[start:end].split(), np.float64)
    if values.size != 9:
        raise ValueError(f'{path}: expected a 3 x 3 matrix, got '
                         f'{values.size} numbers')
    return values.reshape(3, 3)


def fetch(tmp: str) -> None:
    """The three files, checked, into ``tmp``."""
    for tool in ('apt-get', 'dpkg-deb'):
        if shutil.which(tool) is None:
            raise SystemExit(f'fetch_graffiti_pair.py: error: {tool} not '
                             'found (a Debian-family system is needed)')
    subprocess.run(['apt-get', 'download', '-q', PACKAGE], cwd=tmp,
                   check=True, stdout=subprocess.DEVNULL)
    deb = [f for f in os.listdir(tmp) if f.endswith('.deb')][0]
    tar = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', deb], cwd=tmp,
                           stdout=subprocess.PIPE)
    subprocess.run(['tar', '-x', *[INSIDE + name for name in FILES]],
                   cwd=tmp, stdin=tar.stdout, check=True)
    tar.wait()
    for name, digest in FILES.items():
        with open(osp.join(tmp, INSIDE, name), 'rb') as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                raise SystemExit(f'fetch_graffiti_pair.py: error: {name} in '
                                 f'{deb} is not the expected file')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', nargs='?', default='data/graffiti')
    args = parser.parse_args(argv)
    names = ('graf1.png', 'graf3.png', 'H1to3.txt')
    if all(osp.isfile(osp.join(args.root, n)) for n in names):
        print(f'Graffiti pair already in {args.root}')
        return 0
    os.makedirs(args.root, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fetch(tmp)
        for name in ('graf1.png', 'graf3.png'):
            shutil.copy(osp.join(tmp, INSIDE, name), args.root)
        np.savetxt(osp.join(args.root, 'H1to3.txt'),
                   read_opencv_matrix(osp.join(tmp, INSIDE, 'H1to3p.xml')))
    print(f'Graffiti pair (graf1, graf3, H1to3) in {args.root}, from '
          f"Debian's {PACKAGE}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
