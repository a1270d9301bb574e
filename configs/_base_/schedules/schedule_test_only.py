# Evaluation-only configs (tools/test.py): a test loop and the timer and
# logger hooks. Configs whose dataset has a validation split add
# val_cfg = dict(type='ValLoop').
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50))
