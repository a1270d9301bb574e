# mmseg's UPerNet (ResNet-50, Cityscapes), unchanged except for the top-down
# path inside its head (UPerNet has no neck), which aligns levels with SFNet's
# Flow Alignment Modules.
_base_ = 'mmseg::upernet/upernet_r50_4xb2-40k_cityscapes-512x1024.py'
custom_imports = dict(imports=['mmcorr.models'], allow_failed_imports=False)
model = dict(decode_head=dict(type='mmcorr.AlignedUPerHead'))
