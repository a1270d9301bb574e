# The ImageNet-initialised demo baseline: mmseg's semantic FPN on
# EfficientNet-Lite0 (ImageNet weights from the efficientnet-lite0-pytorch-
# model package), ShapeScenes, a quarter of the from-scratch schedule.
_base_ = [
    './fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    '../_base_/models/efficientnet-lite0_in1k.py',
    '../_base_/schedules/schedule_cpu_imagenet_start.py'
]
model = dict(
    backbone={{_base_.lite0_backbone}},
    neck=dict(in_channels={{_base_.lite0_channels}}))
# a quarter of the from-scratch schedule (500 iterations)
param_scheduler = {{_base_.imagenet_start_param_scheduler}}
train_cfg = {{_base_.imagenet_start_train_cfg}}
