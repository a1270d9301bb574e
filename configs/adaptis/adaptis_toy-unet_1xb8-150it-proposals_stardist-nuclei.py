# AdaptIS stage 2 on the stardist nuclei (left half): the proposal head
# alone, 32 points on one nucleus per tile, 150 iterations, from
#   --cfg-options load_from=<stage 1>/iter_600.pth
# Test (right half): proposals; model.test_cfg.sampler=random / components
# for random points and the connected-components baseline.
_base_ = ['./adaptis_toy-unet_1xb8-200it-proposals_toy-v2-64px.py']
nuclei_root = 'data/stardist_nuclei'
max_iters = 150
train_dataloader = dict(dataset=dict(data_root=nuclei_root))
test_dataloader = dict(dataset=dict(data_root=nuclei_root))
test_evaluator = dict(type='PanopticQualityMetric', mask_ap=True)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters,
         eta_min=5e-6)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
