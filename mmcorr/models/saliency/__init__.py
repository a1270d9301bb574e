# Copyright (c) mmcorr contributors. All rights reserved.
from .single_image_saliency import (FrequencyTunedSaliency,
                                    SegmentorSaliency, check_sisms)

__all__ = ['FrequencyTunedSaliency', 'SegmentorSaliency', 'check_sisms']
