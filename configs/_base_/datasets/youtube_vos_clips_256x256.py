# YouTube-VOS 2018 train_all_frames (no labels), MAST's training data: per
# video an interval from {2, 5, 8} (p = .4/.4/.2), its frames cut into
# consecutive clips of `clip_length`; frames resized to 256 x 256 (aspect
# ratio not kept, no crop). As the official loader (image_loader: float /
# 255, then cv2.resize), frames are float before the resize: no rounding to
# grey levels after the interpolation.
ytvos_root = 'data/youtube-vos-2018'

train_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage', to_float32=True),
            dict(type='RecordedResize', scale=(256, 256), keep_ratio=False),
        ]),
    dict(type='PackMultiViewInputs',
         meta_keys=('sample_idx', 'video', 'frame_ids'))
]
train_dataloader = dict(
    batch_size=12,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),  # a clip is one sample
    dataset=dict(
        type='YouTubeVOSClipDataset',
        data_root=ytvos_root,
        clip_length=2,
        intervals=(2, 5, 8),
        interval_probs=(0.4, 0.4, 0.2),
        pipeline=train_pipeline))
