# AlignSeg ResNet-101 on Cityscapes, the official README's command
# (run_local.sh CS_PATH alignseg 120000 872,872 1, the 81.4 mIoU model):
# everything as alignseg_r101_2xb4-120k_cityscapes-872x872.py except the loss.
# run_local.sh passes --ohem 1, so train.py builds CriterionOhemDSN
# (loss/criterion.py), which despite its name mines nothing (its thresh and
# min_kept are unused): CE(main) + 0.8 * Lovasz-softmax(main) + 0.1 * CE(dsn).
# The Lovasz term is lovasz_softmax(softmax(main logits upsampled to the
# label size, align_corners=True), labels, ignore=255) with the defaults
# classes='present' and per_image=False: one Lovasz extension over every
# labelled pixel of the per-GPU batch, averaged over the classes present in
# its labels. mmseg's LovaszLoss with these arguments computes the same.
_base_ = './alignseg_r101_2xb4-120k_cityscapes-872x872.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='CrossEntropyLoss',
            use_sigmoid=False,
            avg_non_ignore=True,
            loss_weight=1.0),
        dict(
            type='LovaszLoss',
            loss_type='multi_class',
            classes='present',
            per_image=False,
            reduction='none',
            loss_weight=0.8),
    ]))
