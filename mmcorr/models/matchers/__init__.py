# Copyright (c) mmcorr contributors. All rights reserved.
from .feature_soft_argmax_matcher import FeatureSoftArgmaxMatcher
from .identity_matcher import IdentityMatcher
from .sfnet_corr import SemanticFlowMatcher

__all__ = ['IdentityMatcher', 'SemanticFlowMatcher', 'FeatureSoftArgmaxMatcher']
