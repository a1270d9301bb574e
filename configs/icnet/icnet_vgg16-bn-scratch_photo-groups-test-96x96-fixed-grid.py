# The model of icnet_vgg16-bn-scratch_1xg6-1300it_photo-groups-64x64.py
# (built for 64 x 64) tested on the held-out PhotoGroups resized to 96 x 96:
# rscf_keys='fixed_grid' resamples RSCF's keys to the 64 x 64 model's grid,
# so the same weights run at another size (the official model refuses it).
#   python tools/test.py THIS_CONFIG CKPT_OF_THE_64x64_MODEL
_base_ = ['./icnet_vgg16-bn-scratch_1xg6-1300it_photo-groups-64x64.py']
model = dict(rscf_keys='fixed_grid')
test_dataloader = dict(dataset=dict(pipeline=[
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadSaliencyMap'),
            dict(type='RecordedResize', scale=(96, 96), keep_ratio=False),
        ]),
    dict(type='PackMultiViewInputs', extra_inputs=('sism', ))
]))
val_dataloader = test_dataloader
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
