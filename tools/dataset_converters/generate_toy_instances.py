# Copyright (c) mmcorr contributors. All rights reserved.
"""Write AdaptIS-style toy instance data (ToyV2 spec by default):
``python tools/dataset_converters/generate_toy_instances.py [ROOT]``.

The official ToyV2 split is ``--train 25000 --val 1000 --test 1000``; the
defaults are CPU-sized. Files: ``ROOT/<split>/{index:05d}_{n}_rgb.png``
and ``..._im.png`` (16-bit instance ids)."""
import argparse
import time

from mmcorr.datasets.synthetic import TOY_STYLES, generate_toy_instances


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', nargs='?', default='data/toy_v2')
    parser.add_argument('--style', choices=sorted(TOY_STYLES), default='v2')
    parser.add_argument('--train', type=int, default=2000)
    parser.add_argument('--val', type=int, default=100)
    parser.add_argument('--test', type=int, default=100)
    parser.add_argument('--size', type=int, help='image side (style default)')
    parser.add_argument('--objects', type=int, nargs=2, metavar=('MIN', 'MAX'),
                        help='objects painted per image (style default)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--force', action='store_true',
                        help='regenerate even if ROOT is up to date')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    splits = {k: v for k, v in (('train', args.train), ('val', args.val),
                                ('test', args.test)) if v > 0}
    params = generate_toy_instances(
        args.root, splits, style=args.style, size=args.size,
        objects=None if args.objects is None else tuple(args.objects),
        seed=args.seed, overwrite=args.force)
    print(f'toy {params["style"]} data ({params["splits"]}, '
          f'{params["size"]} px, {params["objects"][0]}-'
          f'{params["objects"][1]} objects, seed {params["seed"]}) ready in '
          f'{args.root} ({time.perf_counter() - start:.1f} s)')


if __name__ == '__main__':
    main()
