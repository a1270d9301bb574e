# Frequency-tuned SISMs (FrequencyTunedSaliency, made from the images)
# used directly as the co-saliency maps of the held-out PhotoGroups: the
# baseline of the ICNet recipe trained with them (tools/test.py CONFIG
# none).
_base_ = ['./sism-baseline_photo-groups-128x128.py']
model = dict(
    sism_model=dict(type='FrequencyTunedSaliency'),
    # the saliency model reads RGB 0..255
    data_preprocessor=dict(bgr_to_rgb=True, mean=None, std=None))
test_dataloader = dict(dataset=dict(pipeline=[
    dict(type='ForEachView', transforms=[dict(type='LoadCheckedImage')]),
    dict(type='PackMultiViewInputs')
]))
val_dataloader = test_dataloader
