# AdaptIS' toy data in the official layout (<root>/<split>/*_rgb.png with
# 16-bit *_im.png instance ids): the official ToyV2 (saic-vul/adaptis README)
# or ToyV2-spec data from tools/dataset_converters/generate_toy_instances.py (make data).
# An image with its query points is a one-view sample. Training: random
# flips (albumentations' Flip: horizontal, vertical or both, p = .5), then
# 12 points per image, each on an independently drawn object (stage 1).
toy_root = 'data/toy_v2'
train_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadInstanceIds'),
            dict(type='RecordedRandomFlip', prob=0.5,
                 direction=['horizontal', 'vertical', 'diagonal']),
            dict(type='SampleQueryPoints', num_points=12),
        ]),
    dict(type='PackMultiViewInputs')
]
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadInstanceIds'),
        ]),
    dict(type='PackMultiViewInputs')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='AdaptISToyDataset', data_root=toy_root, split='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='AdaptISToyDataset', data_root=toy_root, split='test',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='PanopticQualityMetric')
test_evaluator = val_evaluator
