# Co-saliency data at ICNet's 224 x 224. Training follows ICNet's loader
# (dataset.py get_loader) step for step: the image decoded by PIL (RGB, EXIF
# orientation ignored), ground truth and SISM read as grey / 255, a random
# horizontal flip of the (image, ground truth, SISM) triplet, then each
# resized to 224 x 224 on its own with PIL's bilinear filter
# (torchvision's Resize on PIL images); the loss target is the soft ground
# truth (`gt_saliency`), not a binarised mask. The SISMs are kept at their
# own size until that resize (the authors' EGNet SISMs are 224 x 224 for
# images of any size), so they are resampled once, as ICNet does. (Maps are
# resized as float, ICNet's as uint8 PIL images, rounded after each of PIL's
# two passes: they differ by at most 1 / 255 where a resize happens.) Test:
# cv2 decoding and resizing, the SISM resized to its image first
# (resize_to_image).
# Training batches are chunks of 10 images of ONE group (GroupBatchSampler,
# the official Cosal_Sampler: shuffled within the group, chunks of the batch
# size, chunks shuffled, chunks of one skipped because of BatchNorm); at
# test time a whole group is one batch. The collate function makes each
# batch ONE multi-view sample (the group).
#
# Data: COCO9213 (ICNet's training set) and the EGNet SISMs the authors
# ship, under data/cosod (see configs/icnet/README.md).
data_root = 'data/cosod'
crop_size = (224, 224)
train_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage', imdecode_backend='pillow',
                 color_type='color_ignore_orientation'),
            dict(type='LoadSaliencyMap', path_key='seg_map_path',
                 key='gt_saliency', imdecode_backend='pillow'),
            dict(type='LoadSaliencyMap', keep_size=True,
                 imdecode_backend='pillow'),
            dict(type='RecordedRandomFlip', prob=0.5),
            dict(type='RecordedResize', scale=crop_size, keep_ratio=False,
                 backend='pillow'),
        ],
        share_random_params=False),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', ))
]
# No ground truth in the pipeline: CoSODMetric reads each mask from its file
# at its own resolution and resizes the prediction to it.
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadSaliencyMap', resize_to_image=True),
            dict(type='RecordedResize', scale=crop_size, keep_ratio=False),
        ]),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', ))
]
train_dataloader = dict(
    batch_size=10,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='GroupBatchSampler'),
    collate_fn=dict(type='mmcorr.group_views_collate'),
    dataset=dict(
        type='COCO9213Dataset',
        data_root=f'{data_root}/COCO9213',
        sism_root=f'{data_root}/EGNet-SISMs/COCO9213',
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,  # unused: whole_group makes each group one batch
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    batch_sampler=dict(type='GroupBatchSampler', whole_group=True),
    collate_fn=dict(type='mmcorr.group_views_collate'),
    dataset=dict(
        type='CoCADataset',
        data_root=f'{data_root}/CoCA',
        sism_root=f'{data_root}/EGNet-SISMs/CoCA',
        test_mode=True,
        pipeline=test_pipeline))
val_dataloader = test_dataloader
# At the ground truth's resolution (eval-co-sod's protocol); ICNet's own
# evaluator: resolution='icnet224'.
test_evaluator = dict(type='CoSODMetric', resolution='gt')
val_evaluator = test_evaluator
