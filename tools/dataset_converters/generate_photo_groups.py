# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the embedded PhotoGroups co-saliency benchmark:
``python tools/dataset_converters/generate_photo_groups.py [ROOT]``."""
import argparse
import time

from mmcorr.datasets.synthetic import generate_photo_groups


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('root', nargs='?', default='data/photo_groups')
    parser.add_argument('--train-groups', type=int, default=8,
                        help='groups per training category (15 categories)')
    parser.add_argument('--test-groups', type=int, default=3,
                        help='groups per test category (4 categories)')
    parser.add_argument('--group-size', type=int, default=6)
    parser.add_argument('--size', type=int, default=128,
                        help='side of the images, pixels')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if ROOT is up to date')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    params = generate_photo_groups(
        args.root, train_groups=args.train_groups,
        test_groups=args.test_groups, group_size=args.group_size,
        size=args.size, seed=args.seed, force=args.force)
    print(f'PhotoGroups ({params["train_groups"]} training and '
          f'{params["test_groups"]} test groups per category, '
          f'{params["group_size"]} images each, seed {params["seed"]}) '
          f'ready in {args.root} ({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    main()
