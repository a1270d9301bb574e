# Stage 2 of the ImageNet-initialised AdaptIS on the stardist nuclei: the
# proposal head alone, from stage 1's weights
# (adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-600it_stardist-nuclei.py,
# --cfg-options load_from=<work_dir>/iter_600.pth). Test: the right half,
# proposals; model.test_cfg.sampler=random / components for random points
# and the connected-components baseline; PQ and mask AP.
_base_ = [
    './adaptis_toy-unet_1xb8-150it-proposals_stardist-nuclei.py',
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
