# Copyright (c) mmcorr contributors. All rights reserved.
from .aligned_fpn import AlignedFPN  # noqa: F401
