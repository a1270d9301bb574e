# PF-PASCAL (weakalign / SFNet splits). The official SFNet test protocol:
# resize to 288x288, pad 16 px (320x320 network input, 20x20 features), drop
# the outer grid cells and rescale by 10/9, PCK at 288x288 with the image
# size as threshold (eval_pascal.py); validation uses the source object's
# bounding-box size (train.py's model selection).
_base_ = ['./sfnet_corr_test_320x320.py']
dataset_type = 'PFPascalDataset'
data_root = 'data/PF_Pascal'
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='bbox_val_pairs_pf_pascal.csv',
        pipeline={{_base_.test_pipeline}}))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='bbox_test_pairs_pf_pascal.csv',
        pipeline={{_base_.test_pipeline}}))
val_evaluator = dict(
    type='PCKMetric', alphas=(0.1, ), threshold='bbox',
    threshold_of='source', undo='sfnet_approximate')
test_evaluator = dict(
    type='PCKMetric',
    alphas=(0.05, 0.1, 0.15),
    threshold='image',
    undo='sfnet_approximate',
    eval_size=(288, 288))
