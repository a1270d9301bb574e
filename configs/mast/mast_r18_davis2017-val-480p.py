# Propagate the first-frame masks through DAVIS-2017 val at 480p with the
# official memory (frames 0 and 5, t-1, t-3, t-5; 25 x 25 windows) and score
# J&F as the official scorer does. Each far frame's labels are sampled at its
# own offset (the fix of zlai0/MAST#17) and far windows with
# align_corners=True; mast_r18_davis2017-val-480p_official-legacy.py is the
# official code's behaviour. Weights: a trained mmcorr checkpoint, or the
# official one converted with tools/model_converters/mast2mmcorr.py.
_base_ = [
    '../_base_/models/mast_r18.py', '../_base_/datasets/davis2017_val_480p.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_test_only.py'
]
