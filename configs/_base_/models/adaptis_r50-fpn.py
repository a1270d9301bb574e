# AdaptIS' FPN variant (saic-vul/adaptis master, get_fpn_model; defined by
# the official code, never trained by its scripts): a ResNet-50 (not
# dilated, strides 4-32) with a 256-channel FPN; the point heads (the
# separable-conv instance head with its FC controller, the proposal head)
# read the stride-4 level, a semantic FPN head reads the whole pyramid.
# From mmseg's parts: ResNetV1c + FPN + FPNHead. mmseg expresses it up to
# three differences, documented in configs/adaptis/README.md: mmseg's FPN
# adds a 3x3 output conv per level (the official _FPNHead sums 1x1
# laterals only), its convs run conv -> BN -> ReLU (official conv -> ReLU
# -> BN), and FPNHead's stride-4 branch is a 3x3 conv (official 1x1).
# Use it as a second base of a DeepLabV3+ AdaptIS config, replacing its
# feature extractor and semantic head:
#   model = dict(backbone={{_base_.fpn_features}},
#                semantic_head={{_base_.fpn_semantic_head}})
fpn_norm_cfg = dict(type='SyncBN', requires_grad=True)
fpn_features = dict(
    _delete_=True,
    type='SegmentorFeatures',
    backbone=dict(
        type='mmseg.ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 1, 1),
        strides=(1, 2, 2, 2),
        norm_cfg=fpn_norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')),
    neck=dict(
        type='mmseg.FPN',
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        num_outs=4,
        norm_cfg=fpn_norm_cfg,
        act_cfg=dict(type='ReLU')))
fpn_semantic_head = dict(
    _delete_=True,
    type='mmseg.FPNHead',
    in_channels=[256, 256, 256, 256],
    in_index=[0, 1, 2, 3],
    feature_strides=[4, 8, 16, 32],
    channels=256,
    dropout_ratio=0.0,
    num_classes=19,
    norm_cfg=fpn_norm_cfg,
    align_corners=False)
