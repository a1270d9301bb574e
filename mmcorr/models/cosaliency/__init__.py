# Copyright (c) mmcorr contributors. All rights reserved.
from .icnet_cosaliency import ICNetCoSaliency

__all__ = ['ICNetCoSaliency']
