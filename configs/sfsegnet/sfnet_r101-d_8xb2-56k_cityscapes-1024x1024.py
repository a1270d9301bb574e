# SFNet-R101 on Cityscapes, the official recipe of the R18 config with the
# ResNet-101-D trunk (deep stem of 128 channels, strided + dilated C4/C5).
# mmseg's ResNetV1c expresses it exactly with contract_dilation=False: checked
# against the official network/resnet_d.py (identical outputs, see README).
_base_ = './sfnet_r18-d_8xb2-56k_cityscapes-1024x1024.py'
model = dict(
    backbone=dict(type='ResNetV1c', depth=101),
    decode_head=dict(in_channels=[256, 512, 1024, 2048], channels=256))
