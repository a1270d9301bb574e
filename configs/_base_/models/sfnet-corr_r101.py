# SFNet semantic correspondence (Lee et al., CVPR 2019): a frozen ImageNet
# ResNet-101 (torchvision layout = mmseg ResNet), C4 and C5 through trainable
# Siamese adaptation layers, correlation, kernel soft argmax both ways.
model = dict(
    type='SemanticFlowMatcher',
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        size_divisor=32),
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=4,
        out_indices=(2, 3),
        strides=(1, 2, 2, 2),
        dilations=(1, 1, 1, 1),
        style='pytorch',
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        # torchvision's ImageNet weights, loaded by mmengine's
        # 'torchvision://' scheme (or a local file converted with
        # tools/model_converters/torchvision_resnet2mmcorr.py)
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')),
    adaptation_channels=(1024, 2048),
    adaptation_kernels=(5, 3),
    beta=50.0,
    kernel_sigma=5.0,
    freeze_backbone=True,
    # exact defaults; the official checkpoint was trained with both legacy
    # behaviours on: the *_legacy configs use `legacy_losses` below (see
    # configs/sfnet_corr/README.md)
    losses=[
        dict(type='MaskConsistencyLoss', loss_weight=3.0),
        dict(type='FlowConsistencyLoss', loss_weight=16.0),
        dict(type='FlowSmoothnessLoss', loss_weight=0.5)
    ])
# The official code samples its align_corners=True grids with
# align_corners=False (torch >= 1.3 default) and sums u and v derivatives
# before the absolute value in the smoothness kernel.
legacy_losses = [
    dict(type='MaskConsistencyLoss', loss_weight=3.0, legacy_grid_sample=True),
    dict(type='FlowConsistencyLoss', loss_weight=16.0,
         legacy_grid_sample=True),
    dict(type='FlowSmoothnessLoss', loss_weight=0.5, legacy_smoothness=True)
]
