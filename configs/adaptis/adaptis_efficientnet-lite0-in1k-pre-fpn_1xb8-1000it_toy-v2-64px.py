# The embedded AdaptIS benchmark (ToyV2-spec data at 64 x 64), stage 1,
# starting from ImageNet features as the official Cityscapes recipe starts
# from an ImageNet ResNet: EfficientNet-Lite0 + FPN + FPNHead features
# (_base_/models/adaptis_efficientnet-lite0-fpn.py) at stride 2 for the
# official toy heads; the toy recipe's points, losses and loss weights,
# ImageNet mean/std, the trunk at a tenth of the learning rate. Stage 2:
# adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-200it-proposals_toy-v2-64px.py
_base_ = [
    './adaptis_toy-unet_1xb8-800it_toy-v2-64px.py',
    '../_base_/models/adaptis_efficientnet-lite0-fpn.py'
]
model = dict(
    data_preprocessor={{_base_.imagenet_preprocessor}},
    backbone={{_base_.lite0_fpn_features}},
    spatial_scale=0.5)
max_iters = 1000
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone.backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters,
         eta_min=5e-6)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
test_evaluator = dict(type='PanopticQualityMetric', mask_ap=True)
