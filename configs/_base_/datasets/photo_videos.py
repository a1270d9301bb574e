# PhotoVideos: the embedded video object segmentation benchmark (make data, or
# python tools/dataset_converters/generate_photo_videos.py data/photo_videos): clips of
# 96 x 128 composed from scikit-image's real photographs, objects that move,
# rotate, scale, deform and occlude each other over a panning background,
# with exact masks. Training clips (no masks) in YouTube-VOS'
# train_all_frames layout, held-out clips (other objects, photographs and
# backgrounds) in DAVIS-2017's, both under one root, scored by the DAVIS
# protocol.
_base_ = ['./davis2017_val_480p.py']
photo_videos_root = 'data/photo_videos'
train_pipeline = [
    dict(type='ForEachView', transforms=[dict(type='LoadCheckedImage')]),
    dict(type='PackMultiViewInputs',
         meta_keys=('sample_idx', 'video', 'frame_ids'))
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='YouTubeVOSClipDataset',
        data_root=photo_videos_root,
        clip_length=2,
        intervals=(2, 5, 8),
        interval_probs=(0.4, 0.4, 0.2),
        pipeline=train_pipeline))
# the held-out clips: DAVIS-2017's test pipeline and metric, this root
test_dataloader = dict(dataset=dict(data_root=photo_videos_root))
test_evaluator = dict(_delete_=True, type='DAVISJFMetric')
