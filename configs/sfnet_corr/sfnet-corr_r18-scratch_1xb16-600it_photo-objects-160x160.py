# SFNet semantic correspondence trained from scratch on the embedded
# PhotoObjects benchmark, on a CPU: a half-width ResNet-18 trunk (stages 1-3,
# strides 8 and 16, so a 160 x 160 pair gives SFNet's 20 x 20 grid) is
# trained together with the adaptation layers, with SFNet's three
# mask-supervised losses and weights. No keypoint is used in training.
_base_ = [
    '../_base_/models/sfnet-corr_r101.py',
    '../_base_/datasets/photo_objects.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_photo_objects_600it.py'
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
