# The embedded AdaptIS benchmark, stage 2: from stage 1's weights
# (adaptis_toy-unet_1xb8-800it_toy-v2-64px.py, given with
#   --cfg-options load_from=<work_dir>/iter_800.pth),
# only the proposal head learns: 32 points per image on one object,
# IoU-ranked soft labels, Adam 5e-4 with cosine decay, 200 iterations of 8
# images under bfloat16 autocast. Testing this config runs the greedy
# assembly from proposals (test_cfg: the toy notebooks' settings);
# model.test_cfg.sampler=random / components give AdaptIS with random
# points and the connected-components baseline.
_base_ = ['./adaptis_toy-unet_1xb8-10e-proposals_toy-v2.py']
toy_root = 'data/toy_v2_64'
max_iters = 200
train_dataloader = dict(dataset=dict(data_root=toy_root))
test_dataloader = dict(dataset=dict(data_root=toy_root))
# no validation inside the timed training (the test runs after it)
val_dataloader = None
val_cfg = None
val_evaluator = None
optim_wrapper = dict(type='BF16AutocastOptimWrapper')
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters,
         eta_min=5e-6)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters))
