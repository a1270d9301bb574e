# Copyright (c) mmcorr contributors. All rights reserved.
from .feature_consensus import FeatureConsensusCoSaliency
from .icnet_cosaliency import ICNetCoSaliency
from .sism_baseline import SISMBaseline

__all__ = ['FeatureConsensusCoSaliency', 'ICNetCoSaliency', 'SISMBaseline']
