# Copyright (c) mmcorr contributors. All rights reserved.
from .icnet_cosaliency import ICNetCoSaliency
from .sism_baseline import SISMBaseline

__all__ = ['ICNetCoSaliency', 'SISMBaseline']
