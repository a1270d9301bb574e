# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the embedded PhotoObjects correspondence benchmark:
``python tools/dataset_converters/generate_photo_objects.py [ROOT]``."""
import argparse
import time

from mmcorr.datasets.synthetic import generate_photo_objects


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('root', nargs='?', default='data/photo_objects')
    parser.add_argument('--num-train', type=int, default=400)
    parser.add_argument('--num-pairs', type=int, default=100)
    parser.add_argument('--size', type=int, default=192,
                        help='side of the composed training images')
    parser.add_argument('--pair-scale', type=int, default=160,
                        help='side of the held-out pair images')
    parser.add_argument('--num-points', type=int, default=20)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if ROOT is up to date')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    params = generate_photo_objects(
        args.root, num_train=args.num_train, num_pairs=args.num_pairs,
        size=args.size, pair_scale=args.pair_scale,
        num_points=args.num_points, seed=args.seed, force=args.force)
    print(f'PhotoObjects ({params["num_train"]} training images, '
          f'{params["num_pairs"]} held-out pairs, seed {params["seed"]}) '
          f'ready in {args.root} ({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    main()
