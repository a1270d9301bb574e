# Copyright (c) mmcorr contributors. All rights reserved.
from .pair_data_sample import PairDataSample

__all__ = ['PairDataSample']
