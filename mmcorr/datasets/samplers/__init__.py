# Copyright (c) mmcorr contributors. All rights reserved.
from .group_batch_sampler import GroupBatchSampler

__all__ = ['GroupBatchSampler']
