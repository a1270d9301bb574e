# AdaptIS' toy model (saic-vul/adaptis, get_unet_model): a U-Net (32 base
# channels, 4 stages, full-resolution output), the instance-selection head
# with a convolutional controller (3 x 1x1 conv on the map, read at the
# point), relative CoordConv of radius 42 px and one AdaIN, a 2-class
# semantic head (3 convs) and a proposal head (2 convs).
model = dict(
    type='AdaptISSegmentor',
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        # the official ToTensor + Normalize(0.5, 0.5): pixels to [-1, 1]
        mean=(127.5, 127.5, 127.5),
        std=(127.5, 127.5, 127.5),
        bgr_to_rgb=True),
    backbone=dict(
        type='AdaptISToyUNet', base_channels=32, max_channels=512,
        num_stages=4),
    instance_head=dict(
        type='AdaptISInstanceHead',
        controller=dict(type='ConvMapController', channels=32, num_layers=3),
        channels=32,
        num_convs=3,
        norm_radius=42,
        with_distance=True,
        output_affine=(0.2, -1.7),
        legacy_shift_plus_one=False),
    semantic_head=dict(type='ConvStackHead', out_channels=2, num_convs=3),
    proposal_head=dict(type='ConvStackHead', out_channels=1, num_convs=2),
    loss_instance=dict(
        type='NormalizedFocalLoss', alpha=0.5, gamma=2.0,
        loss_name='loss_instance'),
    loss_semantic=dict(
        type='NormalizedFocalLoss', use_sigmoid=False, gamma=1.0,
        loss_weight=0.75, loss_name='loss_semantic'),
    loss_proposal=dict(type='AdaptISProposalLoss'),
    train_cfg=dict(stage='instances'),
    # the toy notebooks' settings (test_toy_v2_model.ipynb)
    test_cfg=dict(
        sampler='proposals', use_flip=True, thresh1=0.4, thresh2=0.5,
        ithresh=0.3, fl_prob=0.10, fl_eps=0.003, fl_blur=2, fl_step=0.025,
        max_iters=100, num_stuff_classes=1))
