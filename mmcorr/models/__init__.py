# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr's models. Importing this package registers them in ``mmcorr.registry.MODELS``.

An mmseg config reaches them with ``custom_imports=dict(imports=['mmcorr.models'])``
and ``type='mmcorr.<Name>'``.
"""
from . import (backbones, cosaliency, data_preprocessors, decode_heads,
               instance, layers, losses, matchers, necks, saliency, video)
from .data_preprocessors import MultiViewDataPreprocessor
from .multi_view_model import MultiViewModel

__all__ = [
    'backbones', 'cosaliency', 'data_preprocessors', 'decode_heads', 'instance', 'layers', 'losses',
    'matchers', 'necks', 'saliency', 'video', 'MultiViewDataPreprocessor',
    'MultiViewModel'
]
