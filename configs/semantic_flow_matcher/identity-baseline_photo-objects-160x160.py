# The identity mapping on the held-out PhotoObjects pairs: the baseline the
# trained matcher is compared with (tools/test.py, no checkpoint needed).
_base_ = [
    '../_base_/datasets/photo_objects.py', '../_base_/default_runtime.py'
]
model = dict(
    type='IdentityMatcher',
    data_preprocessor=dict(type='PairDataPreprocessor'))
train_dataloader = None  # nothing to train
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50))
visualizer = dict(type='Visualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
