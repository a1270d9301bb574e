# Copyright (c) mmcorr contributors. All rights reserved.
"""Write the embedded ShapeScenes dataset: ``python tools/dataset_converters/generate_shape_scenes.py [ROOT]``."""
import argparse
import time

from mmcorr.datasets.synthetic import generate_shape_scenes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('root', nargs='?', default='data/shape_scenes')
    parser.add_argument('--num-train', type=int, default=300)
    parser.add_argument('--num-val', type=int, default=60)
    parser.add_argument('--height', type=int, default=128)
    parser.add_argument('--width', type=int, default=128)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if ROOT is up to date')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    params = generate_shape_scenes(
        args.root, num_train=args.num_train, num_val=args.num_val,
        height=args.height, width=args.width, seed=args.seed,
        force=args.force)
    print(f'ShapeScenes ({params["num_train"]} train / {params["num_val"]} '
          f'val, {params["height"]}x{params["width"]}, seed '
          f'{params["seed"]}) ready in {args.root} '
          f'({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    main()
