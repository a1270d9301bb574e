# Baseline of the embedded video benchmark: MAST's propagation (same memory,
# windows and ROI localisation) with the Lab pixels, averaged over 4 x 4
# cells, as keys instead of learned features. Nothing to train:
# tools/test.py CONFIG none. `scale` (the softmax temperature of the pixel
# dot products) and the window are the best of a sweep on the dev clips
# (docs/reports/mast.md), as MAST's window is.
_base_ = [
    '../_base_/models/mast_r18.py', '../_base_/datasets/photo_videos.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_test_only.py'
]
model = dict(backbone=dict(_delete_=True, type='LabPixelKeys', stride=4,
                           scale=16.0),
             key_channels=None,
             test_cfg=dict(window_size=9))
train_dataloader = None
