# SFSegNets' Cityscapes schedule: SGD (momentum 0.9, weight decay 1e-4), linear
# ("poly 1.0") decay. The official code steps the decay once per epoch; per
# iteration it is the same line. Lengths are set by the method configs.
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=0, end=55800,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=55800, val_interval=5580)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=5580),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
