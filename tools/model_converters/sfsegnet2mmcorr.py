# Copyright (c) mmcorr contributors. All rights reserved.
"""Convert an official SFSegNets checkpoint (SFNet v1 or SFNet-Lite) to mmcorr.

    python tools/model_converters/sfsegnet2mmcorr.py SRC DST [--head v1|lite]

The head is detected from the keys (``--head`` overrides it). Keys are
renamed by :func:`mmcorr.models.converters.convert_sfsegnet` (one explicit
table per model). Official keys expected to have no counterpart (modules the
official code builds but never calls) are printed; any other unconverted key
refuses the conversion and nothing is written. The source is loaded with
mmcorr's safe loader (``--unsafe-load`` to allow arbitrary pickles).
"""
import sys

from mmcorr.models.converters import (SFSEGNET_TABLES, Conversion,
                                      convert_sfsegnet, detect_sfsegnet_head,
                                      run_converter)


def add_arguments(parser):
    parser.add_argument('--head', choices=list(SFSEGNET_TABLES),
                        help='head of SRC (default: detected from its keys)')


def convert(checkpoint, args) -> Conversion:
    head = args.head or detect_sfsegnet_head(checkpoint)
    converted, unused = convert_sfsegnet(checkpoint, head, strict=True)
    report = [f'head: {head} ({"given" if args.head else "detected"})']
    report += [f'unused official key (module built but never called): {key}'
               for key in unused]
    meta = {'converted_from': 'lxtGH/SFSegNets', 'head': head}
    return Conversion(converted, report, meta,
                      summary=f'{len(unused)} official keys unused')


def main(argv=None) -> int:
    return run_converter(__doc__.split('\n')[0], convert, argv, add_arguments)


if __name__ == '__main__':
    sys.exit(main())
