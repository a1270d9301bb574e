# SFNet-Lite-R18 (IJCV 2023): ResNet-18-D + one gated dual-flow alignment
# from the PPM output onto stride 4, plus the stride-16 lateral.
_base_ = './sfnet_r18.py'
model = dict(
    decode_head=dict(
        _delete_=True,
        type='SFNetLiteHead',
        in_channels=[64, 256, 512],
        in_index=[0, 2, 3],
        channels=128,
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.0,
        num_classes=19,
        norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        fam_cfg=dict(grid_convention='pixel'),
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
