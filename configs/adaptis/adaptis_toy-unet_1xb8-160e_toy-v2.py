# AdaptIS stage 1 on ToyV2, the official recipe (train_toy_v2.py): the toy
# U-Net model, 12 points per image on independently drawn objects, instance
# NFL (alpha .5, gamma 2) + 0.75 x semantic NFL (gamma 1), Adam 5e-4 with
# cosine decay over 160 epochs of 10000 images (epoch_len), batch 8.
_base_ = [
    '../_base_/models/adaptis_toy-unet.py', '../_base_/datasets/toy_v2.py',
    '../_base_/default_runtime.py'
]
iters_per_epoch = 10000 // 8
max_iters = 160 * iters_per_epoch
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-4, betas=(0.9, 0.999), eps=1e-8))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters,
         T_max=max_iters)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=40 * iters_per_epoch)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=40 * iters_per_epoch),
    sampler_seed=dict(type='DistSamplerSeedHook'))
