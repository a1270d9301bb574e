# SFNet's training data: PASCAL VOC 2012 segmentation images (those not in
# PF-PASCAL's test pairs, listed by tools/dataset_converters/make_voc_correspondence_split.py)
# with every labelled pixel as foreground; each image becomes a pair through
# two random affine warps and colour jitter (Pascal_Seg_Synth).
voc_root = 'data/VOCdevkit/VOC2012'
voc_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadForegroundMask', background=0, ignore_index=255),
    dict(type='RandomAffinePair', scale=(320, 320), sigma=0.15,
         flip_prob=0.5, jitter=0.1),
    dict(type='PackMultiViewInputs')
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='PascalVOCDataset',
        data_root=voc_root,
        data_prefix=dict(img_path='JPEGImages',
                         seg_map_path='SegmentationClass'),
        ann_file='ImageSets/Segmentation/trainval_wo_pf_pascal_test.txt',
        pipeline=voc_train_pipeline))
