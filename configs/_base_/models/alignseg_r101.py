# AlignSeg (Huang et al., TPAMI 2021), ResNet-101, as in the official
# speedinghzl/AlignSeg networks/alignseg.py: deep-stem ResNet-101 with a
# ceil-mode stem max-pool, RRBs + 4 AlignFA (CAB) + AlignCM (CAM) at stride 4,
# main head on d5 and the DSN head (weight 0.1) on d3.
# The official norms are InPlaceABNSync: SyncBN + LeakyReLU(0.01) in the
# decoder and heads, SyncBN + ReLU in the backbone.
norm_cfg = dict(type='SyncBN', requires_grad=True)
abn_act_cfg = dict(type='LeakyReLU', negative_slope=0.01)
# The official data pipeline reads BGR images (cv2) and only subtracts the
# Caffe mean, with no std division.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[104.00698793, 116.66876762, 122.67891434],
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    # The official initialisation is the MIT deep-stem ImageNet ResNet-101
    # (resnet101-imagenet.pth, stem 64-64-128); mmseg's resnet101_v1c has a
    # 32-32-64 stem and does not fit. Convert it with
    # tools/model_converters/alignseg2mmcorr.py and load it with
    # init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.').
    pretrained=None,
    backbone=dict(
        type='ResNetV1cCeilPool',
        depth=101,
        stem_channels=128,
        base_channels=64,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 2, 2),
        dilations=(1, 1, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=False),
    neck=dict(
        type='AlignSegNeck',
        in_channels=(256, 512, 1024, 2048),
        channels=256,
        context_pool_size=3,
        norm_cfg=norm_cfg,
        act_cfg=abn_act_cfg,
        # 'pixel': offsets in output pixels, zero offset = identity (the
        # official "standard" gridsample2). The official recipe overrides
        # this with 'alignseg_legacy'.
        grid_convention='pixel',
        align_corners=True),
    decode_head=dict(
        type='AlignSegHead',
        in_channels=256,
        in_index=1,  # d5
        channels=256,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        act_cfg=abn_act_cfg,
        align_corners=True,
        # official CriterionDSN: torch CE, mean over non-ignored pixels
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            avg_non_ignore=True,
            loss_weight=1.0)),
    auxiliary_head=dict(
        type='AlignSegHead',
        in_channels=256,
        in_index=0,  # d3
        channels=256,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        act_cfg=abn_act_cfg,
        align_corners=True,
        loss_decode=dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            avg_non_ignore=True,
            loss_weight=0.1)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
