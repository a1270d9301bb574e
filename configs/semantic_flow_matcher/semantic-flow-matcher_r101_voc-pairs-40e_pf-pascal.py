# SFNet's training recipe (train.py): frozen ImageNet ResNet-101, the
# adaptation layers trained with Adam at 3e-5, batch 16, 40 epochs, the rate
# x0.2 after epoch 30; PCK@0.1 (source bounding box) on PF-PASCAL val after
# every epoch keeps the best checkpoint. Pairs come from PASCAL VOC 2012
# (configs/_base_/datasets/voc_pairs.py). This config uses mmcorr's
# consistent grid conventions; the *_legacy variant reproduces the official
# code's behaviour.
_base_ = [
    '../_base_/models/semantic_flow_matcher_r101.py',
    '../_base_/datasets/pf_pascal.py', '../_base_/datasets/voc_pairs.py',
    '../_base_/default_runtime.py'
]
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
log_processor = dict(by_epoch=True)
visualizer = dict(type='Visualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
