# AdaptIS' Cityscapes model (saic-vul/adaptis master, get_cityscapes_model):
# DeepLabV3+ features (dilated ResNet-50, depthwise-separable ASPP at rates
# 12/24/36, the stride-4 skip projected to 32 channels: 256 channels at
# stride 4), from mmseg's ResNetV1c and DepthwiseSeparableASPPHead; the
# separable-conv instance head (128 wide) with an FC controller (3 x 128),
# relative coordinates of radius 280 px, 19-class semantic head (separable,
# 192 wide) and proposal head (separable, 128 wide, dropout .5). Classes:
# the 11 stuff classes first, then the 8 things (Cityscapes' train ids).
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='AdaptISSegmentor',
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375),
        bgr_to_rgb=True),
    backbone=dict(
        type='SegmentorFeatures',
        backbone=dict(
            type='mmseg.ResNetV1c',
            depth=50,
            num_stages=4,
            out_indices=(0, 1, 2, 3),
            dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1),
            norm_cfg=norm_cfg,
            norm_eval=False,
            style='pytorch',
            contract_dilation=True,
            init_cfg=dict(type='Pretrained',
                          checkpoint='open-mmlab://resnet50_v1c')),
        decode_head=dict(
            type='mmseg.DepthwiseSeparableASPPHead',
            in_channels=2048,
            in_index=3,
            channels=256,
            dilations=(1, 12, 24, 36),
            c1_in_channels=256,
            c1_channels=32,
            norm_cfg=norm_cfg,
            align_corners=False)),
    spatial_scale=0.25,
    instance_head=dict(
        type='AdaptISSepConvInstanceHead',
        controller=dict(type='FCController', layer_channels=(128, 128, 128),
                        norm_cfg=dict(type='BN1d')),
        channels=128,
        norm_radius=280,
        spatial_scale=0.25,
        norm_cfg=norm_cfg),
    semantic_head=dict(type='ConvStackHead', out_channels=19, num_convs=2,
                       channels=192, separable=True, norm_cfg=norm_cfg),
    proposal_head=dict(type='ConvStackHead', out_channels=1, num_convs=2,
                       channels=128, separable=True, dropout_ratio=0.5,
                       norm_cfg=norm_cfg),
    loss_instance=dict(type='NormalizedFocalLoss', alpha=0.25, gamma=2.0,
                       loss_name='loss_instance'),
    loss_semantic=dict(type='NormalizedFocalLoss', use_sigmoid=False,
                       gamma=1.0, loss_weight=0.75,
                       loss_name='loss_semantic'),
    loss_proposal=dict(type='AdaptISProposalLoss'),
    train_cfg=dict(stage='instances'),
    test_cfg=dict(sampler='proposals', use_flip=True, num_stuff_classes=11))
