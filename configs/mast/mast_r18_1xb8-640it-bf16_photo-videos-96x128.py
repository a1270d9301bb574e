# The embedded video benchmark: MAST (the official encoder and memory)
# trained from scratch, without masks, on PhotoVideos' training clips at
# their 96 x 128 (pairs 2, 5 or 8 frames apart, one Lab colour channel
# dropped per clip, 13 x 13 windows), in under 15 minutes on a 2-core CPU
# (640 iterations of 8 pairs: the forward passes in bfloat16 autocast, which
# runs the encoder about twice as fast on an AVX-512-BF16 CPU; the memory
# read stays float32);
# then the first-frame masks of the held-out clips propagated with the
# official test memory (frames 0 and 5, t-1, t-3, t-5; 25 x 25 windows)
# and scored with the DAVIS protocol. The affinity is divided by sqrt(C)
# (MAMP's fix; docs/reports/mast.md has the run without it: J&F 0.114
# against 0.290 on the 24 held-out clips).
_base_ = [
    '../_base_/models/mast_r18.py', '../_base_/datasets/photo_videos.py',
    '../_base_/default_runtime.py'
]
model = dict(
    memory_reader=dict(scaled_affinity=True),
    # the official 25 x 25 test window covers +-48 px, 6 % of a 854-wide
    # DAVIS frame; here 9 x 9 (+-16 px of 128), chosen on the dev split
    test_cfg=dict(window_size=9))
# the same random hue rotation in every frame of a clip (ClipHueShift), so
# that features match structure rather than memorise training colours
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='ForEachView', transforms=[dict(type='LoadCheckedImage')]),
    dict(type='ClipHueShift', hue_delta=90),
    dict(type='PackMultiViewInputs',
         meta_keys=('sample_idx', 'video', 'frame_ids'))
]))
optim_wrapper = dict(
    type='BF16AutocastOptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=640,
         eta_min=1e-5)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=640)
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=640),
    sampler_seed=dict(type='DistSamplerSeedHook'))
