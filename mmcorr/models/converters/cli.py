# Copyright (c) mmcorr contributors. All rights reserved.
"""The command line shared by ``tools/model_converters/*``.

Every tool is ``SRC DST [--unsafe-load] [its own options]`` and runs
:func:`run_converter`: read SRC with mmcorr's safe loader
(:func:`mmcorr.checkpoint_io.load_checkpoint_file`; ``--unsafe-load``
opts out),
convert it, print what was left out, save DST as
``{'state_dict': ..., 'meta': ...}`` (no ``meta`` when the tool gives none).
A converter refuses a source by raising :class:`ConversionError`: the
message is printed as a usage error (exit status 2) and DST is not written.
"""
import argparse
from dataclasses import dataclass, field
from typing import Any, Callable, List, Mapping, Optional, Sequence

import torch

from mmcorr.checkpoint_io import (load_checkpoint_file,
                                  set_unsafe_checkpoint_loading)
from .common import ConversionError

__all__ = ['Conversion', 'converter_parser', 'run_converter']


@dataclass
class Conversion:
    """What a tool's converter made of the source checkpoint.

    Attributes:
        state_dict: The converted ``name -> tensor``.
        report: Lines printed before saving: what was left out or changed.
        meta: Saved as ``checkpoint['meta']``; ``None`` saves no ``meta``.
        summary: Appended to the closing ``N tensors written to DST`` line.
        exit_status: Returned by :func:`run_converter` (non-zero when DST
            would not load, say).
    """
    state_dict: Mapping[str, torch.Tensor]
    report: List[str] = field(default_factory=list)
    meta: Optional[dict] = None
    summary: str = ''
    exit_status: int = 0


def converter_parser(description: str,
                     add_arguments: Optional[Callable] = None
                     ) -> argparse.ArgumentParser:
    """``SRC DST [--unsafe-load]`` plus what ``add_arguments(parser)`` adds."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('dst', help='mmcorr checkpoint to write')
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='unpickle SRC without the allow-list (trusted files only)')
    if add_arguments is not None:
        add_arguments(parser)
    return parser


def run_converter(description: str,
                  convert: Callable[[Any, argparse.Namespace], Conversion],
                  argv: Optional[Sequence[str]] = None,
                  add_arguments: Optional[Callable] = None) -> int:
    """Load SRC safely, ``convert(checkpoint, args)``, report, save DST.

    Args:
        description: The tool's one-line ``--help`` description.
        convert: Takes the loaded SRC object (tensors on CPU) and the parsed
            arguments; returns a :class:`Conversion` or raises
            :class:`ConversionError` to refuse.
        argv: Arguments (default ``sys.argv[1:]``).
        add_arguments: Adds the tool's own options to the parser.

    Returns:
        int: ``Conversion.exit_status``.
    """
    parser = converter_parser(description, add_arguments)
    args = parser.parse_args(argv)
    if args.unsafe_load:
        set_unsafe_checkpoint_loading(True)
    checkpoint = load_checkpoint_file(args.src, map_location='cpu')
    try:
        result = convert(checkpoint, args)
    except ConversionError as error:
        parser.error(f'{args.src} not converted: {error}')
    for line in result.report:
        print(line)
    saved = {'state_dict': result.state_dict}
    if result.meta is not None:
        saved['meta'] = result.meta
    torch.save(saved, args.dst)
    summary = f'; {result.summary}' if result.summary else ''
    print(f'{len(result.state_dict)} tensors written to {args.dst}{summary}')
    return result.exit_status
