# SFNet-R18 on Cityscapes, the official recipe (lxtGH/SFSegNets,
# scripts/cityscacpes/train_cityscapes_sfnet_res18.sh): 8 GPUs x 2 images,
# 1024 crops, scale 0.5-2.0, flip, OHEM (thresh 0.7, min_kept 10000), SGD lr
# 0.01 wd 1e-4 linear decay, 300 epochs of 2975 images = 55.8k iterations.
# Not reproduced: class-uniform sampling (--class_uniform_pct 0.5) and the
# Gaussian-blur augmentation; PhotoMetricDistortion stands in for
# ColorJitter(0.25).
_base_ = [
    '../_base_/models/sfnet_r18.py',
    'mmseg::_base_/datasets/cityscapes_1024x1024.py',
    '../_base_/segmentation_runtime.py',
    '../_base_/schedules/schedule_cityscapes_poly1.py'
]
crop_size = (1024, 1024)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        # Legacy behaviour of the official checkpoints, kept for them: the
        # flow is normalised by the output size and sampled with
        # align_corners=True ('sfnet_legacy'), and every resize is
        # corner-aligned. New training may use the defaults ('pixel', False).
        align_corners=True,
        fam_cfg=dict(grid_convention='sfnet_legacy'),
        # --ohem: OhemCrossEntropy2dTensor, min_kept counted over each GPU's
        # batch and the mean over the kept pixels (mmseg's OHEMPixelSampler
        # counts per image and averages over every pixel)
        loss_decode=dict(
            _delete_=True, type='OHEMCrossEntropyLoss', thresh=0.7,
            min_kept=10000, loss_weight=1.0)))
train_dataloader = dict(batch_size=2, num_workers=4)
