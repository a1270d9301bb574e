# AdaptIS stage 2 on Cityscapes, FPN variant: only the proposal head learns
# (48 points on one object, Adam 5e-4, cosine, 8 epochs). Run with
#   --cfg-options load_from=<stage-1 checkpoint of the FPN config>
_base_ = [
    './adaptis_r50-d8-deeplabv3plus_2xb4-8e-proposals_cityscapes-400x720.py',
    '../_base_/models/adaptis_r50-fpn.py'
]
model = dict(
    backbone={{_base_.fpn_features}},
    semantic_head={{_base_.fpn_semantic_head}})
