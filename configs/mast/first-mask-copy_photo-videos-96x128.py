# Baseline of the embedded video benchmark: every frame gets the first
# frame's mask. Nothing to train: tools/test.py CONFIG none.
_base_ = [
    '../_base_/datasets/photo_videos.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_test_only.py'
]
model = dict(type='FirstMaskCopy',
             data_preprocessor=dict(type='MultiViewDataPreprocessor'))
train_dataloader = None
