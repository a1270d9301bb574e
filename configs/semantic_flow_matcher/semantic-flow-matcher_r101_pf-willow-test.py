# Evaluate SFNet semantic correspondence on PF-WILLOW (official protocol).
_base_ = [
    '../_base_/models/semantic_flow_matcher_r101.py',
    '../_base_/datasets/pf_willow.py', '../_base_/default_runtime.py'
]
model = dict(legacy_grid_sample=True, legacy_smoothness=True)
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50))
visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
