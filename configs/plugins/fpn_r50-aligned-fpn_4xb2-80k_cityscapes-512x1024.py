# mmseg's semantic FPN (ResNet-50, Cityscapes), unchanged except for its neck:
# the FPN top-down path aligns levels with SFNet's Flow Alignment Modules.
_base_ = 'mmseg::sem_fpn/fpn_r50_4xb2-80k_cityscapes-512x1024.py'
custom_imports = dict(imports=['mmcorr.models'], allow_failed_imports=False)
model = dict(neck=dict(type='mmcorr.AlignedFPN'))
