# MAST's released schedule (main.py): Adam(1e-3, betas 0.9/0.999), batch 12,
# 20 epochs; the learning rate is halved after 400k, 600k, 800k and 1M
# training IMAGES (adjust_lr counts samples, (batch + epoch * n_b) * bsize,
# though the paper says iterations): at batch 12, iterations 33334, 50000,
# 66667 and 83334.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False,
         milestones=[33334, 50000, 66667, 83334], gamma=0.5)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20)
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1),
    sampler_seed=dict(type='DistSamplerSeedHook'))
