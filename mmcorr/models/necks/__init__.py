# Copyright (c) mmcorr contributors. All rights reserved.
from .aligned_fpn import AlignedFPN
from .alignseg_neck import AlignSegNeck

__all__ = ['AlignedFPN', 'AlignSegNeck']
