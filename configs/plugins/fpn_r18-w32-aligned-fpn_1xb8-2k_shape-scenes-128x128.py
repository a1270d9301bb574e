# The demo FPN baseline with the aligned neck: the only change is the FPN's
# top-down path, which aligns levels with Flow Alignment Modules.
_base_ = '../fpn/fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py'
model = dict(neck=dict(type='AlignedFPN'))
