# The demo baseline: mmseg's semantic FPN, narrow ResNetV1c-18, on ShapeScenes.
_base_ = [
    '../_base_/models/fpn_r18.py', '../_base_/datasets/shape_scenes.py',
    '../_base_/segmentation_runtime.py',
    '../_base_/schedules/schedule_cpu_2k.py'
]
crop_size = (128, 128)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor)
