# DAVIS-2017 val at 480p (30 sequences): every frame of a sequence is one
# sample; the first frame's annotation is propagated, every frame is scored
# (the official protocol, DAVISJFMetric), and the masks are written as DAVIS
# results (indexed PNGs) for tools/analysis_tools/eval_vos.py.
davis_root = 'data/DAVIS'
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadObjectIdMap'),
        ]),
    dict(type='PackMultiViewInputs',
         meta_keys=('sample_idx', 'video', 'frame_ids'))
]
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='pseudo_collate'),  # a clip is one sample
    dataset=dict(
        type='DAVISVideoDataset',
        data_root=davis_root,
        split='val',
        resolution='480p',
        pipeline=test_pipeline))
test_evaluator = dict(type='DAVISJFMetric',
                      output_dir='work_dirs/davis_results')
