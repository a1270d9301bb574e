# SFNet correspondence's official schedule (train.py): Adam at 3e-5, 40
# epochs, the rate x0.2 after epoch 30, validation after every epoch keeping
# the best PCK@0.1 checkpoint. Epoch-based: configs using it also set
# log_processor = dict(by_epoch=True).
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=3e-5))
param_scheduler = [
    dict(type='MultiStepLR', milestones=[30], gamma=0.2, by_epoch=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=40, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=True, interval=1,
                    max_keep_ckpts=1, save_best='PCK@0.1', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'))
