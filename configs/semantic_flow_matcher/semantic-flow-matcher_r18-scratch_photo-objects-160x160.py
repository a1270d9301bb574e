# SFNet semantic correspondence trained from scratch on the embedded
# PhotoObjects benchmark, on a CPU: a half-width ResNet-18 trunk (stages 1-3,
# strides 8 and 16, so a 160 x 160 pair gives SFNet's 20 x 20 grid) is
# trained together with the adaptation layers, with SFNet's three
# mask-supervised losses and weights. No keypoint is used in training.
_base_ = [
    '../_base_/models/semantic_flow_matcher_r101.py',
    '../_base_/datasets/photo_objects.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNet',
        depth=18,
        num_stages=3,
        stem_channels=32,
        base_channels=32,
        out_indices=(1, 2),
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        style='pytorch',
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False),
    adaptation_channels=(64, 128),
    freeze_backbone=False)
max_iters = 600
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=30, by_epoch=False),
    dict(type='MultiStepLR', milestones=[450], gamma=0.2, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=max_iters, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'))
visualizer = dict(type='Visualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
