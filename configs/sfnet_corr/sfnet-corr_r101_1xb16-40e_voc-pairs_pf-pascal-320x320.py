# SFNet's training recipe (train.py): frozen ImageNet ResNet-101, the
# adaptation layers trained with Adam at 3e-5, batch 16, 40 epochs, the rate
# x0.2 after epoch 30; PCK@0.1 (source bounding box) on PF-PASCAL val after
# every epoch keeps the best checkpoint. Pairs come from PASCAL VOC 2012
# (configs/_base_/datasets/voc_pairs.py). This config uses mmcorr's
# consistent grid conventions; the *_legacy variant reproduces the official
# code's behaviour.
_base_ = [
    '../_base_/models/sfnet-corr_r101.py',
    '../_base_/datasets/pf_pascal.py', '../_base_/datasets/voc_pairs.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_voc_pairs_40e.py'
]
log_processor = dict(by_epoch=True)
