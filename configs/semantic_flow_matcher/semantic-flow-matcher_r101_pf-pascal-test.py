# Evaluate SFNet semantic correspondence on PF-PASCAL with the official
# protocol. The official checkpoint was trained with the two legacy
# behaviours on; convert it with tools/model_converters/sfnet_corr2mmcorr.py
# and run tools/test.py on this config.
_base_ = [
    '../_base_/models/semantic_flow_matcher_r101.py',
    '../_base_/datasets/pf_pascal.py', '../_base_/default_runtime.py'
]
model = dict(legacy_grid_sample=True, legacy_smoothness=True)
test_cfg = dict(type='TestLoop')
val_cfg = dict(type='ValLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50))
visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
