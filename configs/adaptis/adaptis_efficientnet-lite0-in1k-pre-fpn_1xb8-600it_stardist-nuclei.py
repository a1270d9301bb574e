# AdaptIS on the real nuclei of the stardist wheel (left half to train, the
# right half's 57 nuclei to test; tools/dataset_converters/fetch_stardist_nuclei.py),
# starting from ImageNet features: the Lite0 + FPN trunk of the ImageNet
# ToyV2-spec recipe (adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-1000it_
# toy-v2-64px.py), the nuclei schedule of the from-scratch recipe (600
# iterations). Stage 2:
# adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-150it-proposals_stardist-nuclei.py
_base_ = [
    './adaptis_toy-unet_1xb8-600it_stardist-nuclei.py',
    '../_base_/models/adaptis_efficientnet-lite0-fpn.py'
]
model = dict(
    data_preprocessor={{_base_.imagenet_preprocessor}},
    backbone={{_base_.lite0_fpn_features}},
    spatial_scale=0.5,
    # tested in crops of the training tiles' size, stitched (min_overlap
    # 0.2): on the whole 512 x 256 image the ImageNet trunk sees other
    # context than in its 64 x 64 tiles and a click's mask grew 6x
    test_cfg=dict(crop_size=(64, 64)))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone.backbone': dict(lr_mult=0.1)}))
