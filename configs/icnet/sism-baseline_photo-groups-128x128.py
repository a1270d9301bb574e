# The SISMs of the held-out PhotoGroups used directly as the co-saliency
# maps: the baseline ICNet is compared with (tools/test.py CONFIG none).
_base_ = [
    '../_base_/datasets/photo_groups.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_test_only.py'
]
model = dict(
    type='SISMBaseline',
    data_preprocessor=dict(type='MultiViewDataPreprocessor'))
train_dataloader = None  # nothing to train
val_cfg = dict(type='ValLoop')
# the SISMs at their own 128 x 128 (no resampling)
test_dataloader = dict(dataset=dict(pipeline=[
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadSaliencyMap'),
        ]),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', ))
]))
val_dataloader = test_dataloader
