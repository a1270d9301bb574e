# SFNet-Lite-R18 on ShapeScenes at the demo width, trained like the FPN
# baseline (configs/fpn/fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py).
_base_ = [
    '../_base_/models/sfnet-lite_r18.py',
    '../_base_/datasets/shape_scenes.py', '../_base_/segmentation_runtime.py',
    '../_base_/schedules/schedule_cpu_2k.py'
]
crop_size = (128, 128)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=[32, 128, 256], channels=64, num_classes=8))
