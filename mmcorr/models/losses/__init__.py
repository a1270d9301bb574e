# Copyright (c) mmcorr contributors. All rights reserved.
from .adaptis_proposal import (AdaptISProposalLoss, mask_iou,
                                proposal_targets)
from .normalized_focal import NormalizedFocalLoss, normalized_focal_loss
from .ohem_cross_entropy import OHEMCrossEntropyLoss, ohem_keep_mask
from .scaled_huber import ScaledHuberLoss, scaled_huber_loss
from .soft_iou import SoftIoULoss, soft_iou_loss
from .sfnet_corr import (FlowConsistencyLoss, FlowSmoothnessLoss,
                         MaskConsistencyLoss, flow_smoothness_map,
                         foreground_count, warped_flows, warped_masks)

__all__ = [
    'AdaptISProposalLoss', 'mask_iou', 'proposal_targets',
    'NormalizedFocalLoss', 'normalized_focal_loss', 'OHEMCrossEntropyLoss',
    'ohem_keep_mask',
    'FlowConsistencyLoss', 'FlowSmoothnessLoss', 'MaskConsistencyLoss',
    'flow_smoothness_map', 'foreground_count', 'warped_flows', 'warped_masks',
    'SoftIoULoss', 'soft_iou_loss', 'ScaledHuberLoss', 'scaled_huber_loss'
]
