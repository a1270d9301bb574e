# Copyright (c) mmcorr contributors. All rights reserved.
"""Helpers shared by the checkpoint converters."""
from collections import OrderedDict
from typing import Mapping

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
