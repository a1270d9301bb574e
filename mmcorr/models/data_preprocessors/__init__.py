# Copyright (c) mmcorr contributors. All rights reserved.
from .pair_data_preprocessor import PairDataPreprocessor

__all__ = ['PairDataPreprocessor']
