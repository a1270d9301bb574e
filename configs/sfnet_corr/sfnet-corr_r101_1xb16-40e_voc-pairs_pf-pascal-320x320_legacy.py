# The official SFNet recipe with the official code's behaviours on
# PyTorch >= 1.3 (how the released checkpoint was trained): grid_sample
# without align_corners on linspace(-1, 1) grids, for the masks, flows and the
# affine pair synthesis, and the smoothness kernel that sums u and v.
# See configs/sfnet_corr/README.md for what each changes.
_base_ = ['./sfnet-corr_r101_1xb16-40e_voc-pairs_pf-pascal-320x320.py']
model = dict(losses={{_base_.legacy_losses}})
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadForegroundMask', background=0, ignore_index=255),
        dict(type='RandomAffinePair', scale=(320, 320), sigma=0.15,
             flip_prob=0.5, jitter=0.1, align_corners=False),
        dict(type='PackMultiViewInputs')
    ]))
