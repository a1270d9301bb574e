# The CPU schedule of the embedded PhotoObjects correspondence benchmark:
# Adam 1e-3 (model trained from scratch), 30 warm-up iterations, the rate
# x0.2 after 450 of 600 iterations, one validation and checkpoint at the end.
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
