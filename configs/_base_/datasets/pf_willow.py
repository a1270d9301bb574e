# PF-WILLOW (weakalign split): SFNet's eval_willow.py protocol. The
# "bounding box" threshold is the extent of the source keypoints.
_base_ = ['./sfnet_corr_test_320x320.py']
dataset_type = 'PFWillowDataset'
data_root = 'data/PF_WILLOW'
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='test_pairs_pf.csv',
        pipeline={{_base_.test_pipeline}}))
test_evaluator = dict(
    type='PCKMetric',
    alphas=(0.05, 0.1, 0.15),
    threshold='keypoints',
    threshold_of='source',
    undo='sfnet_approximate')
