# Copyright (c) mmcorr contributors. All rights reserved.
from .sfnet_head import SFNetHead, SFNetLiteHead  # noqa: F401
