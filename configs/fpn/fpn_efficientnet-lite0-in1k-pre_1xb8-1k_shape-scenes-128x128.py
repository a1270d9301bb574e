# The ImageNet-initialised demo baseline: mmseg's semantic FPN on
# EfficientNet-Lite0 (ImageNet weights from the efficientnet-lite0-pytorch-
# model package), ShapeScenes, half the from-scratch schedule.
_base_ = [
    './fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    '../_base_/models/efficientnet-lite0_in1k.py'
]
model = dict(
    backbone={{_base_.lite0_backbone}},
    neck=dict(in_channels={{_base_.lite0_channels}}))
# half the from-scratch schedule (1000 iterations)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=50, end=1000,
         by_epoch=False)
]
train_cfg = dict(max_iters=1000, val_interval=1000)
