# The model of icnet_vgg16-scratch_1xg6-400it_photo-groups-128x128.py (built
# for 128 x 128) tested on the held-out PhotoGroups resized to 192 x 192:
# rscf_keys='fixed_grid' resamples RSCF's keys to the 128 x 128 model's grid,
# so the same weights run at another size (the official model refuses it).
#   python tools/test.py THIS_CONFIG CKPT_OF_THE_128x128_MODEL
_base_ = ['./icnet_vgg16-scratch_1xg6-400it_photo-groups-128x128.py']
model = dict(rscf_keys='fixed_grid')
test_dataloader = dict(dataset=dict(pipeline=[
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadSaliencyMap'),
            dict(type='RecordedResize', scale=(192, 192), keep_ratio=False),
        ]),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', ))
]))
val_dataloader = test_dataloader
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
