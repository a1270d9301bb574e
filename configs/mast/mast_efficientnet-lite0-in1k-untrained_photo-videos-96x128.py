# MAST's propagation with ImageNet features and no training at all: the
# encoder of the pretrained recipe (LabImageNetEncoder on EfficientNet-Lite0,
# frames enlarged x2, stride-8 and stride-16 taps of the enlarged frame on
# the stride-4 key grid) and its 152 channels used directly as keys (no key
# projection), the same memory and test settings. Test it with
#   python tools/test.py THIS_CONFIG init
_base_ = ['./mast_efficientnet-lite0-in1k-pre_1xb8-300it-bf16_photo-videos-96x128.py']
model = dict(key_channels=None)
