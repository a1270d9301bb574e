# MAST stage 1, as released (zlai0/MAST main.py): pairs of frames 2, 5 or 8
# apart (p = .4/.4/.2) from YouTube-VOS 2018 train_all_frames at 256 x 256,
# one Lab colour channel (a or b) dropped per batch (dropout2d_lab: one draw
# for all clips), the target's dropped channel reconstructed from the
# reference through 13 x 13 windows, Huber loss x 20, Adam 1e-3 halved at
# the official milestones, 20 epochs (one step checked against the official
# step: tests/test_models/test_video/test_mast_train_step.py).
# Raw dot products, as the official model (scaled_affinity=False); the
# official README warns that training fails to converge on PyTorch > 1.1:
# mast_r18_..._scaled-affinity.py is MAMP's fix. No validation during
# training (as the official code); tools/test.py with this config
# propagates through DAVIS-2017 val at 480p.
_base_ = [
    '../_base_/models/mast_r18.py',
    '../_base_/datasets/youtube_vos_clips_256x256.py',
    '../_base_/datasets/davis2017_val_480p.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_mast_pairs.py'
]
log_processor = dict(by_epoch=True)
model = dict(train_cfg=dict(one_channel_per_batch=True))
