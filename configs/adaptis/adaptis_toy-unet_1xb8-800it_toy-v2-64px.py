# The embedded AdaptIS benchmark, stage 1: the official toy model (U-Net 32,
# instance head, semantic head) trained from scratch on ToyV2-spec data
# generated at 64 x 64 with 4-13 objects (ToyV2's density on a quarter of
# its area; `make data` or
#   python tools/dataset_converters/generate_toy_instances.py data/toy_v2_64 --size 64 \
#       --objects 4 13 --train 2000 --val 0 --test 100),
# 12 points per image, the official losses, Adam 5e-4 with cosine decay,
# 800 iterations of 8 images under bfloat16 autocast (about 11 minutes on
# the project's 2-core CPU). Stage 2 (proposals):
# adaptis_toy-unet_1xb8-200it-proposals_toy-v2-64px.py.
_base_ = ['./adaptis_toy-unet_1xb8-160e_toy-v2.py']
toy_root = 'data/toy_v2_64'
max_iters = 800
# after stage 1 the proposal head is untrained: test with random points
model = dict(test_cfg=dict(sampler='random'))
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
