# AlignSeg on ShapeScenes at the demo width: ResNet-18 (deep stem, ceil-mode
# pool, 32 base channels), decoder width 64, trained like the FPN baseline
# (configs/fpn/fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py), with the same
# ImageNet normalisation. Warps use the exact 'pixel' grid convention.
_base_ = [
    '../_base_/models/alignseg_r101.py', '../_base_/datasets/shape_scenes.py',
    '../_base_/segmentation_runtime.py',
    '../_base_/schedules/schedule_cpu_2k.py'
]
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size=crop_size),
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    neck=dict(in_channels=(32, 64, 128, 256), channels=64),
    decode_head=dict(in_channels=64, channels=64, num_classes=8),
    auxiliary_head=dict(in_channels=64, channels=64, num_classes=8))
