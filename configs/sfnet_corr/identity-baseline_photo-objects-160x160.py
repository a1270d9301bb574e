# The identity mapping on the held-out PhotoObjects pairs: the baseline the
# trained matcher is compared with (tools/test.py, no checkpoint needed).
_base_ = [
    '../_base_/datasets/photo_objects.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_test_only.py'
]
model = dict(
    type='IdentityMatcher',
    data_preprocessor=dict(type='MultiViewDataPreprocessor'))
train_dataloader = None  # nothing to train
val_cfg = dict(type='ValLoop')
