# Copyright (c) mmcorr contributors. All rights reserved.
"""Key mappings from official checkpoints to mmcorr models.

Plain functions (no registry), used by ``tools/model_converters/*`` (through
the shared command line :func:`~.cli.run_converter`) and the parity tests.
"""
from .adaptis import convert_adaptis_toy
from .alignseg import convert_alignseg
from .cli import Conversion, run_converter
from .common import ConversionError, unwrap_state_dict
from .efficientnet_lite import convert_efficientnet_lite
from .icnet import convert_icnet, convert_icnet_vgg
from .mast import convert_mast
from .sfnet_corr import convert_sfnet_corr, convert_torchvision_resnet
from .sfsegnets import SFSEGNET_TABLES, convert_sfsegnet, detect_sfsegnet_head

__all__ = [
    'convert_adaptis_toy',
    'convert_alignseg', 'convert_sfsegnet', 'detect_sfsegnet_head',
    'SFSEGNET_TABLES', 'unwrap_state_dict', 'convert_sfnet_corr',
    'convert_torchvision_resnet', 'Conversion', 'ConversionError',
    'run_converter', 'convert_icnet', 'convert_icnet_vgg', 'convert_mast',
    'convert_efficientnet_lite'
]
