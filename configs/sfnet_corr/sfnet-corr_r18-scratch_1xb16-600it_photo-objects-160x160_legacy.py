# The embedded PhotoObjects run with the official code's legacy behaviours
# (grid_sample without align_corners on linspace(-1, 1) grids, in the model
# and in the pair synthesis; the u+v smoothness kernel), to measure what they
# cost against the consistent default (configs/sfnet_corr/README.md).
_base_ = ['./sfnet-corr_r18-scratch_1xb16-600it_photo-objects-160x160.py']
model = dict(losses={{_base_.legacy_losses}})
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadForegroundMask'),
        dict(type='RandomAffinePair', scale={{_base_.scale}}, sigma=0.15,
             flip_prob=0.5, jitter=0.1, align_corners=False),
        dict(type='PackMultiViewInputs')
    ]))
