# ICNet (Jin et al., NeurIPS 2020) co-saliency detection, as the official
# model: VGG16 (no BN) taps, co-saliency modules (NMAP, CFM, RSCF) at strides
# 32/16/8 built for 224 x 224 inputs, the guided decoder and the soft IoU
# loss on four side outputs. A sample is a group of images; its SISMs are
# the extra input `sism` (LoadSaliencyMap + PackMultiViewInputs).
model = dict(
    type='ICNetCoSaliency',
    data_preprocessor=dict(
        type='MultiViewDataPreprocessor',
        mean=(123.675, 116.28, 103.53),
        std=(58.395, 57.12, 57.375),
        bgr_to_rgb=True),
    # The official initialisation is ImageNet VGG16 (`vgg16_feat.pth` from
    # blanclist/ICNet); convert it with
    #   python tools/model_converters/icnet2mmcorr.py vgg16_feat.pth \
    #       checkpoints/icnet_vgg16_feat.pth --vgg-only
    # and set backbone.init_cfg=dict(type='Pretrained', prefix='backbone.',
    # checkpoint='checkpoints/icnet_vgg16_feat.pth').
    backbone=dict(type='VGG16PrePoolTaps'),
    input_size=(224, 224),
    decoder_guidance='stride8',
    rscf_keys='native',
    loss_decode=dict(type='SoftIoULoss'))
