# AlignSeg ResNet-101 on Cityscapes, the official recipe (speedinghzl/AlignSeg
# run_local.sh / train.py / dataset/datasets.py / evaluate.py): 2 GPUs x 4
# images, SGD lr 0.01, momentum 0.9, weight decay 5e-4 on every parameter,
# poly 0.9 per iteration (lr_poly), 120k iterations, 872 x 872 crops, random
# scale 0.7-2.1 in 0.1 steps, random flip, ignore 255, CE + 0.1 * CE(DSN)
# (CriterionDSN, train.py's default; the README's command passes --ohem 1:
# alignseg_r101_ce-lovasz_2xb4-120k_cityscapes-872x872.py); evaluation with
# 872 x 872 sliding windows, overlap 1/3, single scale, no flip.
_base_ = [
    '../_base_/models/alignseg_r101.py',
    'mmseg::_base_/datasets/cityscapes.py',
    '../_base_/segmentation_runtime.py',
]
crop_size = (872, 872)
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    # Official warps: AlignSeg's forward calls bilinear_interpolate_torch_
    # gridsample (offsets normalised by the sampled map's size, grid_sample
    # without align_corners, i.e. False since torch 1.3: zero offset is not
    # the identity). Released weights were trained with it, so this recipe
    # keeps it; the upsampling before each CAB and in the CAM is
    # align_corners=True as in the official code. See configs/alignseg/
    # README.md and docs/conventions.md.
    neck=dict(grid_convention='alignseg_legacy', align_corners=True),
    # stride = ceil(872 * (1 - 1/3)) = 582, as evaluate.py predict_sliding
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(582, 582)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCheckedAnnotations'),
    # cv2.resize(fx=fy=f) of the 2048 x 1024 images with
    # f = 0.7 + randint(0, 14) / 10: 15 equally likely sizes, 0.7 to 2.1
    dict(
        type='RandomChoiceResize',
        scales=[(round(204.8 * k), round(102.4 * k)) for k in range(7, 22)],
        keep_ratio=True),
    # no category-ratio constraint; smaller crops are padded to 872 by the
    # data preprocessor (image 0 after mean subtraction, label 255), as the
    # official copyMakeBorder
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
train_dataloader = dict(batch_size=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=1)
test_dataloader = val_dataloader

optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
# train.py sets lr = 0.01 * (1 - i / 120000) ** 0.9 at iteration i = 0 ..
# 119999 (lr_poly). mmengine's PolyLR decays over end - begin - 1 steps
# (it reaches eta_min at iteration end - 1), so end = max_iters + 1 gives the
# official lr at every iteration (end = 120000 would be 1 - i / 119999).
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=120001,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=120000, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # the official snapshots are taken every 10k iterations
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
# 8 images per iteration in total (2 GPUs x 4)
auto_scale_lr = dict(enable=False, base_batch_size=8)
