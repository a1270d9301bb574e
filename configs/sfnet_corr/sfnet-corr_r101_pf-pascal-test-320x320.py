# Evaluate SFNet semantic correspondence on PF-PASCAL with the official
# protocol. The official checkpoint was trained with the two legacy
# behaviours on; convert it with tools/model_converters/sfnet_corr2mmcorr.py
# and run tools/test.py on this config.
_base_ = [
    '../_base_/models/sfnet-corr_r101.py',
    '../_base_/datasets/pf_pascal.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_test_only.py'
]
model = dict(losses={{_base_.legacy_losses}})
val_cfg = dict(type='ValLoop')
