# ICNet's official recipe: COCO9213 with the EGNet SISMs, 224 x 224, random
# flip, chunks of 10 images of one group, Adam 1e-5 (weight decay 1e-4), 60
# epochs, VGG16 initialised from ImageNet (see the model base), the head by
# ICNet's weights_init. No validation during training (as the official
# code); tools/test.py tests on CoCA, the other test sets are the *_test
# configs.
_base_ = [
    '../_base_/models/icnet_vgg16.py', '../_base_/datasets/cosod_224x224.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_icnet_60e.py'
]
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', prefix='backbone.',
                      checkpoint='checkpoints/icnet_vgg16_feat.pth')))
log_processor = dict(by_epoch=True)
val_dataloader = None
val_cfg = None
val_evaluator = None
