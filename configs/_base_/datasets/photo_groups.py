# PhotoGroups: the embedded co-saliency benchmark (make data, or
# python tools/dataset_converters/generate_photo_groups.py data/photo_groups): groups of
# 6 images of 128 x 128 composed from scikit-image's real photographs, exact
# masks of the common object, SISMs that mark every object (the baseline).
# COCO9213's layout; the test categories never appear in training.
data_root = 'data/photo_groups'
scale = (64, 64)  # network input; the files are 128 x 128
train_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadBinaryMask'),
            dict(type='LoadSaliencyMap'),
            dict(type='RecordedResize', scale=scale, keep_ratio=False),
            dict(type='RecordedRandomFlip', prob=0.5),
        ],
        share_random_params=False),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', ))
]
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadSaliencyMap'),
            dict(type='RecordedResize', scale=scale, keep_ratio=False),
        ]),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', ))
]
train_dataloader = dict(
    batch_size=6,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='GroupBatchSampler'),
    collate_fn=dict(type='mmcorr.group_views_collate'),
    dataset=dict(
        type='COCO9213Dataset',
        data_root=f'{data_root}/train',
        data_prefix=dict(sism_path='SISMs'),
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,  # unused: whole_group makes each group one batch
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    batch_sampler=dict(type='GroupBatchSampler', whole_group=True),
    collate_fn=dict(type='mmcorr.group_views_collate'),
    dataset=dict(
        type='COCO9213Dataset',
        data_root=f'{data_root}/test',
        data_prefix=dict(sism_path='SISMs'),
        test_mode=True,
        pipeline=test_pipeline))
val_dataloader = test_dataloader
test_evaluator = dict(type='CoSODMetric', resolution='gt')
val_evaluator = test_evaluator
