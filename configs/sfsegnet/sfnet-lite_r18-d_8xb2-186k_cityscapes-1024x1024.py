# SFNet-Lite-R18 on Cityscapes, the official recipe (lxtGH/SFSegNets,
# train_cityscapes_sfnet_res18_v2_lite_1000e.sh): as SFNet-R18 but 1000
# epochs (186k iterations) and --fpn_dsn_loss, which selects CriterionSFNet:
# OHEM with min_kept 100000 (not 10000) on the main logits plus 1.0 x OHEM of
# each deep-supervision output. The official head builds a deep-supervision
# branch and a third lateral that its forward never calls (issue #78), so the
# criterion receives no deep-supervision output and the loss is the main OHEM
# term alone; mmcorr does not build them.
_base_ = [
    '../_base_/models/sfnet-lite_r18.py',
    'mmseg::_base_/datasets/cityscapes_1024x1024.py',
    '../_base_/segmentation_runtime.py',
    '../_base_/schedules/schedule_cityscapes_poly1.py'
]
crop_size = (1024, 1024)
max_iters = 186000
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        # legacy grid and resize conventions of the official checkpoints
        align_corners=True,
        fam_cfg=dict(grid_convention='sfnet_legacy'),
        # CriterionSFNet's OHEM: min_kept 100000 over each GPU's batch
        loss_decode=dict(
            _delete_=True, type='OHEMCrossEntropyLoss', thresh=0.7,
            min_kept=100000, loss_weight=1.0)))
train_dataloader = dict(batch_size=2, num_workers=4)
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=18600)
default_hooks = dict(checkpoint=dict(interval=18600))
