# Evaluate SFNet semantic correspondence on PF-WILLOW (official protocol).
_base_ = [
    '../_base_/models/sfnet-corr_r101.py',
    '../_base_/datasets/pf_willow.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_test_only.py'
]
model = dict(losses={{_base_.legacy_losses}})
