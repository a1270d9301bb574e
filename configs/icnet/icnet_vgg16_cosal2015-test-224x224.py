# ICNet tested on CoSal2015 (SISMs: the authors' EGNet maps), at 224 x 224,
# scored at the ground truth's resolution through PySODMetrics:
#   python tools/test.py configs/icnet/icnet_vgg16_cosal2015-test-224x224.py CKPT
# (an official checkpoint converted with tools/model_converters/icnet2mmcorr.py).
_base_ = ['./icnet_vgg16_coca-test-224x224.py']
test_dataloader = dict(
    dataset=dict(
        type='CoSal2015Dataset',
        data_root='data/cosod/CoSal2015',
        sism_root='data/cosod/EGNet-SISMs/CoSal2015'))
