# AdaptIS stage 1 on Cityscapes with the official FPN variant
# (get_fpn_model): the DeepLabV3+ recipe (400 x 720 crops, SGD 0.01 with the
# backbone at x 0.1, poly, 250 epochs, batch 8) on ResNet-50-FPN features
# and a semantic FPN head. The official scripts never train this variant:
# there is no published number for it. Then the proposal stage:
# adaptis_r50-fpn_2xb4-8e-proposals_cityscapes-400x720.py.
_base_ = [
    './adaptis_r50-d8-deeplabv3plus_2xb4-250e_cityscapes-400x720.py',
    '../_base_/models/adaptis_r50-fpn.py'
]
model = dict(
    backbone={{_base_.fpn_features}},
    semantic_head={{_base_.fpn_semantic_head}})
