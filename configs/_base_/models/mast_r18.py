# MAST (Lai et al., CVPR 2020): a stride-4 ResNet-18 on Lab frames, 64-d keys
# (3x3 conv), a memory read with one softmax over the windows of all memory
# frames (near: a P x P window; far, more than 15 frames back: a coarse
# dilated 25 x 25 search and its soft argmax, then a P x P window around the
# offset), a Huber loss on the reconstructed colour channel x 20.
model = dict(
    type='MASTVideoSegmentor',
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        # OpenCV's float Lab (L 0..100, a/b about -127..127), then MAST's
        # normalisation to about [-1, 1]
        color_space='lab',
        bgr_to_rgb=True,
        mean=(50.0, 0.0, 0.0),
        std=(50.0, 127.0, 127.0)),
    backbone=dict(type='ResNet18Stride4'),
    key_channels=64,
    stride=4,
    memory_reader=dict(
        type='WindowedMemoryReader',
        long_term_gap=15,
        search_window_size=25,
        max_dilation=4,
        scaled_affinity=False,
        far_labels_at_last_offset=False,
        far_window_align_corners=True),
    loss=dict(type='ScaledHuberLoss', scale=20.0, beta=1.0),
    # MAST: R = 6 in training (13 x 13 windows), R = 12 at test (25 x 25)
    train_cfg=dict(window_size=13),
    test_cfg=dict(
        window_size=25, long_term_frames=(0, 5), short_term_gaps=(1, 3, 5)))
