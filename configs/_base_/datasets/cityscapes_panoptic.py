# Cityscapes panoptic in the COCO panoptic format, as cityscapesScripts'
# createPanopticImgs writes it (gtFine/cityscapes_panoptic_{train,val}.json
# and PNG folders; images in leftImg8bit/<split>/<city>/). AdaptIS'
# training: 400 x 720 crops of images rescaled by 0.85-1.15, flips, colour
# jitter (a crop without instances re-drawn unless kept with probability
# .05), 6 points per image on objects of at least 80 pixels, 2.5 % of the
# draws on ignored regions (smaller objects, VOID and crowd areas).
data_root = 'data/cityscapes'
train_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadPanopticAnnotations'),
            dict(
                type='RepeatUntilInstances',
                keep_background_prob=0.05,
                transforms=[
                    dict(type='RandomResize', scale=(2048, 1024),
                         ratio_range=(0.85, 1.15), keep_ratio=True,
                         resize_type='RecordedResize'),
                    dict(type='mmseg.RandomCrop', crop_size=(400, 720)),
                    dict(type='RecordedRandomFlip', prob=0.5),
                ]),
            dict(type='mmseg.PhotoMetricDistortion'),
            dict(type='SampleQueryPoints', num_points=6, min_object_area=80,
                 sample_ignore_object_prob=0.025,
                 with_semantic=False),
        ]),
    dict(type='PackMultiViewInputs')
]
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadPanopticAnnotations'),
        ]),
    dict(type='PackMultiViewInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='COCOPanopticDataset',
        data_root=data_root,
        ann_file='gtFine/cityscapes_panoptic_train.json',
        data_prefix=dict(img_path='leftImg8bit/train',
                         seg_map_path='gtFine/cityscapes_panoptic_train'),
        city_folders=True,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='COCOPanopticDataset',
        data_root=data_root,
        ann_file='gtFine/cityscapes_panoptic_val.json',
        data_prefix=dict(img_path='leftImg8bit/val',
                         seg_map_path='gtFine/cityscapes_panoptic_val'),
        city_folders=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='PanopticQualityMetric')
test_evaluator = val_evaluator
