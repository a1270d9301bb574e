# AdaptIS stage 2 on ToyV2 (train_toy_v2.py, train_proposals=True): from the
# stage-1 weights, only the proposal head learns (everything else frozen),
# 32 points per image all on one object, IoU-ranked soft labels, BCE;
# Adam 5e-4, cosine, 10 epochs of 10000 images. Run with
#   --cfg-options load_from=work_dirs/<stage 1>/iter_200000.pth
_base_ = ['./adaptis_toy-unet_1xb8-160e_toy-v2.py']
iters_per_epoch = 10000 // 8
max_iters = 10 * iters_per_epoch
model = dict(train_cfg=dict(stage='proposals'))
train_dataloader = dict(dataset=dict(pipeline=[
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadInstanceIds'),
            dict(type='RecordedRandomFlip', prob=0.5,
                 direction=['horizontal', 'vertical', 'diagonal']),
            dict(type='SampleQueryPoints', num_points=32,
                 from_one_object=True),
        ]),
    dict(type='PackMultiViewInputs')
]))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters,
         T_max=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=5 * iters_per_epoch)
default_hooks = dict(checkpoint=dict(interval=5 * iters_per_epoch))
