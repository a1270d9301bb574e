# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mappings from official checkpoints to mmcorr models.

Plain functions (no registry), used by ``tools/model_converters/*`` and the
parity tests.
"""
from .alignseg import convert_alignseg
from .common import unwrap_state_dict
from .sfnet_corr import convert_sfnet_corr, convert_torchvision_resnet
from .sfsegnets import SFSEGNET_TABLES, convert_sfsegnet

__all__ = [
    'convert_alignseg', 'convert_sfsegnet', 'SFSEGNET_TABLES',
    'unwrap_state_dict', 'convert_sfnet_corr', 'convert_torchvision_resnet'
]
