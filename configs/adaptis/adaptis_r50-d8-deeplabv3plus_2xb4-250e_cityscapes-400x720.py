# AdaptIS stage 1 on Cityscapes, the official recipe (train_cityscapes.py,
# MXNet): DeepLabV3+ R-50 features, SGD lr 0.01 (backbone x 0.1), momentum
# .9, weight decay 1e-4, poly decay over 250 epochs of 2975 images, batch 8
# (2 GPUs x 4). Then the proposal stage:
# adaptis_r50-d8-deeplabv3plus_2xb4-8e-proposals_cityscapes-400x720.py.
# Not run here (no Cityscapes, no GPU): the official numbers in README.md.
_base_ = [
    '../_base_/models/adaptis_r50-d8-deeplabv3plus.py',
    '../_base_/datasets/cityscapes_panoptic.py',
    '../_base_/default_runtime.py'
]
iters_per_epoch = 2975 // 8
max_iters = 250 * iters_per_epoch
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'backbone.backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=25 * iters_per_epoch)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=25 * iters_per_epoch),
    sampler_seed=dict(type='DistSamplerSeedHook'))
