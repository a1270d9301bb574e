# Copyright (c) mmcorr contributors. All rights reserved.
from .aligned_uper_head import AlignedUPerHead
from .alignseg_head import AlignSegHead
from .sfnet_head import SFNetHead
from .sfnet_lite_head import SFNetLiteHead

__all__ = ['AlignedUPerHead', 'AlignSegHead', 'SFNetHead', 'SFNetLiteHead']
