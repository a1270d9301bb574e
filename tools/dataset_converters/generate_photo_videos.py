# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the embedded PhotoVideos video object segmentation benchmark:
``python tools/dataset_converters/generate_photo_videos.py [ROOT]``."""
import argparse
import time

from mmcorr.datasets.synthetic import generate_photo_videos


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('root', nargs='?', default='data/photo_videos')
    parser.add_argument('--train-clips', type=int, default=60)
    parser.add_argument('--test-clips', type=int, default=24)
    parser.add_argument('--dev-clips', type=int, default=8,
                        help='clips of the training categories with masks')
    parser.add_argument('--train-frames', type=int, default=30)
    parser.add_argument('--test-frames', type=int, default=40)
    parser.add_argument('--size', type=int, nargs=2, default=(96, 128),
                        metavar=('H', 'W'), help='frame size, pixels')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if ROOT is up to date')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    params = generate_photo_videos(
        args.root, train_clips=args.train_clips, test_clips=args.test_clips,
        train_frames=args.train_frames, test_frames=args.test_frames,
        size=args.size, seed=args.seed, force=args.force,
        dev_clips=args.dev_clips)
    print(f'PhotoVideos ({params["train_clips"]} training clips of '
          f'{params["train_frames"]} frames, {params["test_clips"]} held-out '
          f'clips of {params["test_frames"]}, {params["size"][0]} x '
          f'{params["size"][1]}, seed {params["seed"]}) ready in '
          f'{args.root} ({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    main()
