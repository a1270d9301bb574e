# PhotoObjects: the embedded correspondence benchmark (make data, or
# python tools/dataset_converters/generate_photo_objects.py data/photo_objects).
# Training pairs are made on the fly from one image and its mask, as SFNet
# makes them from PASCAL VOC; the held-out pairs have exact keypoints.
data_root = 'data/photo_objects'
scale = (160, 160)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadForegroundMask'),
    dict(type='RandomAffinePair', scale=scale, sigma=0.15, flip_prob=0.5,
         jitter=0.1),
    dict(type='PackMultiViewInputs')
]
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='RecordedResize', scale=scale)
        ]),
    dict(type='PackMultiViewInputs')
]
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='PhotoObjectsDataset',
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train',
                         seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='PhotoObjectPairsDataset',
        data_root=data_root,
        ann_file='heldout_pairs.csv',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# threshold: alpha x max(H, W) of the 160 x 160 pair images
val_evaluator = dict(type='PCKMetric', alphas=(0.05, 0.1), threshold='image',
                     transfer='s2t')
test_evaluator = val_evaluator
