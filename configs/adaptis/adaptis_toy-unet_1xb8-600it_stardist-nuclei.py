# AdaptIS on real touching instances: the fluorescence nuclei image of the
# stardist wheel (2018 Data Science Bowl; tools/dataset_converters/fetch_stardist_nuclei.py,
# `make data`): stage 1 on 105 64 x 64 tiles of its LEFT half, the toy model
# and recipe of the embedded benchmark (12 points per image, Adam 5e-4,
# cosine, bfloat16), 600 iterations. Stage 2:
# adaptis_toy-unet_1xb8-150it-proposals_stardist-nuclei.py; the test is the
# RIGHT half (one 512 x 256 image, 57 nuclei), PQ and mask AP.
_base_ = ['./adaptis_toy-unet_1xb8-800it_toy-v2-64px.py']
nuclei_root = 'data/stardist_nuclei'
max_iters = 600
train_dataloader = dict(dataset=dict(data_root=nuclei_root))
test_dataloader = dict(dataset=dict(data_root=nuclei_root))
test_evaluator = dict(type='PanopticQualityMetric', mask_ap=True)
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters,
         eta_min=5e-6)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
