# Copyright (c) mmcorr contributors. All rights reserved.
from .aligned_uper_head import AlignedUPerHead  # noqa: F401
from .sfnet_head import SFNetHead, SFNetLiteHead  # noqa: F401
