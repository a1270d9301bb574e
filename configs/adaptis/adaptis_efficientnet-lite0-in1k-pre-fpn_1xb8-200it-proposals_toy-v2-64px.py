# Stage 2 of the ImageNet-initialised embedded AdaptIS benchmark: from stage
# 1's weights (adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-1000it_toy-v2-
# 64px.py, given with --cfg-options load_from=<work_dir>/iter_1000.pth)
# only the proposal head learns, as in the toy recipe's stage 2.
_base_ = [
    './adaptis_toy-unet_1xb8-200it-proposals_toy-v2-64px.py',
    '../_base_/models/adaptis_efficientnet-lite0-fpn.py'
]
model = dict(
    data_preprocessor={{_base_.imagenet_preprocessor}},
    backbone={{_base_.lite0_fpn_features}},
    spatial_scale=0.5)
test_evaluator = dict(type='PanopticQualityMetric', mask_ap=True)
