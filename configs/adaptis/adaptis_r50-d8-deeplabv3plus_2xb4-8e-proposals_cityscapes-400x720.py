# AdaptIS stage 2 on Cityscapes: only the proposal head learns, 48 points
# per image on one object, Adam 5e-4, cosine, 8 epochs. Run with
#   --cfg-options load_from=<stage-1 checkpoint>
_base_ = ['./adaptis_r50-d8-deeplabv3plus_2xb4-250e_cityscapes-400x720.py']
iters_per_epoch = 2975 // 8
max_iters = 8 * iters_per_epoch
model = dict(train_cfg=dict(stage='proposals'))
train_dataloader = dict(dataset=dict(pipeline=[
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadPanopticAnnotations'),
            dict(
                type='RepeatUntilInstances',
                keep_background_prob=0.05,
                transforms=[
                    dict(type='RandomResize', scale=(2048, 1024),
                         ratio_range=(0.85, 1.15), keep_ratio=True,
                         resize_type='RecordedResize'),
                    dict(type='mmseg.RandomCrop', crop_size=(400, 720)),
                    dict(type='RecordedRandomFlip', prob=0.5),
                ]),
            dict(type='mmseg.PhotoMetricDistortion'),
            dict(type='SampleQueryPoints', num_points=48,
                 from_one_object=True, min_object_area=80,
                 sample_ignore_object_prob=0.025,
                 with_semantic=False),
        ]),
    dict(type='PackMultiViewInputs')
]))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=5e-4, betas=(0.9, 0.999), eps=1e-8))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=4 * iters_per_epoch)
default_hooks = dict(checkpoint=dict(interval=4 * iters_per_epoch))
