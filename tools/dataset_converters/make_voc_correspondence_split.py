# Copyright (c) mmcorr contributors. All rights reserved.
"""Write SFNet's training list: PASCAL VOC 2012 segmentation images that are
not in PF-PASCAL's test pairs.

    python tools/dataset_converters/make_voc_correspondence_split.py \
        data/VOCdevkit/VOC2012 data/PF_Pascal/bbox_test_pairs_pf_pascal.csv

reads ``ImageSets/Segmentation/trainval.txt`` under the VOC root and writes
``ImageSets/Segmentation/trainval_wo_pf_pascal_test.txt`` next to it. PF-PASCAL
images keep their VOC names (``.../JPEGImages/2007_000129.jpg``), so the
overlap is found by image id. SFNet ships the result only as pre-processed
``.npy`` arrays; this list is how to rebuild it from VOC itself.
"""
import argparse
import csv
import os.path as osp
from typing import Iterable, List, Set


def test_image_ids(csv_paths: Iterable[str]) -> Set[str]:
    """VOC ids of every image in the PF-PASCAL pair csvs."""
    ids = set()
    for path in csv_paths:
        if not osp.isfile(path):
            raise FileNotFoundError(f'PF-PASCAL csv {path!r} not found')
        with open(path, newline='') as f:
            rows = list(csv.reader(f))[1:]
        for row in rows:
            for name in row[:2]:
                ids.add(osp.splitext(osp.basename(name.strip()))[0])
    return ids


def filter_ids(voc_ids: Iterable[str], excluded: Set[str]) -> List[str]:
    """``voc_ids`` without ``excluded``, order kept."""
    return [i for i in voc_ids if i not in excluded]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('voc_root', help='data/VOCdevkit/VOC2012')
    parser.add_argument('pf_pascal_csv', nargs='+',
                        help="PF-PASCAL test csv(s) whose images to exclude")
    parser.add_argument('--split', default='trainval',
                        help='VOC segmentation split to start from')
    parser.add_argument('--out', default=None, help='output list (default: '
                        '<split>_wo_pf_pascal_test.txt next to the input)')
    args = parser.parse_args(argv)
    lists = osp.join(args.voc_root, 'ImageSets', 'Segmentation')
    source = osp.join(lists, f'{args.split}.txt')
    if not osp.isfile(source):
        raise FileNotFoundError(f'{source!r} not found: voc_root must be the '
                                'VOC2012 folder of VOCdevkit')
    with open(source) as f:
        voc_ids = [line.strip() for line in f if line.strip()]
    kept = filter_ids(voc_ids, test_image_ids(args.pf_pascal_csv))
    out = args.out or osp.join(lists, f'{args.split}_wo_pf_pascal_test.txt')
    with open(out, 'w') as f:
        f.write('\n'.join(kept) + '\n')
    print(f'{len(kept)} of {len(voc_ids)} {args.split} images kept '
          f'({len(voc_ids) - len(kept)} in PF-PASCAL test) -> {out}')


if __name__ == '__main__':
    main()
