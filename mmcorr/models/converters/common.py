# Copyright (c) mmcorr contributors. All rights reserved.
"""Helpers shared by the checkpoint converters."""
import re
from collections import OrderedDict
from typing import List, Mapping, Sequence, Tuple

import torch


def unwrap_state_dict(checkpoint: Mapping) -> 'OrderedDict[str, torch.Tensor]':
    """Take ``checkpoint['state_dict']`` or ``['model']`` if present and
    strip DataParallel/DDP ``module.`` prefixes."""
    for wrapper in ('state_dict', 'model'):
        if isinstance(checkpoint.get(wrapper), Mapping):
            checkpoint = checkpoint[wrapper]
            break
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v)
        for k, v in checkpoint.items())


def rename_keys(state_dict: Mapping, table: Sequence
                ) -> Tuple['OrderedDict[str, torch.Tensor]', List[str]]:
    """Rename keys by the first matching ``(regex, replacement)`` of ``table``.

    ``replacement`` is a ``re.sub`` template or function. Keys that match no
    rule are returned as unused, never dropped silently.
    """
    converted, unused = OrderedDict(), []
    for key, value in state_dict.items():
        for pattern, replacement in table:
            if re.match(pattern, key):
                converted[re.sub(pattern, replacement, key)] = value
                break
        else:
            unused.append(key)
    return converted, unused


class ConversionError(ValueError):
    """A source checkpoint that a converter refuses to convert.

    The command-line tools print the message as a usage error and write
    nothing.
    """


def describe_keys(keys: Sequence[str], limit: int = 20) -> str:
    """``keys`` one per indented line, at most ``limit`` and a count."""
    lines = [f'  {key}' for key in list(keys)[:limit]]
    if len(keys) > limit:
        lines.append(f'  ... and {len(keys) - limit} more')
    return '\n'.join(lines)
