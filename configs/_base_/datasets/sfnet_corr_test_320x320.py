# SFNet's test-time input for PF-PASCAL and PF-WILLOW: each image resized to
# 288 x 288 and padded by 16 px on every side (a 320 x 320 network input, a
# 20 x 20 feature grid). Both steps record their mapping, so PCKMetric and
# the inference API can undo them.
test_pipeline = [
    dict(
        type='ForEachView',
        transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='RecordedResize', scale=(288, 288)),
            dict(type='RecordedPad', padding=16)
        ]),
    dict(type='PackMultiViewInputs')
]
