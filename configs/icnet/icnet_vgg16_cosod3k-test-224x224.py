# ICNet tested on CoSOD3k (SISMs: the authors' EGNet maps), at 224 x 224,
# scored at the ground truth's resolution through PySODMetrics:
#   python tools/test.py configs/icnet/icnet_vgg16_cosod3k-test-224x224.py CKPT
# (an official checkpoint converted with tools/model_converters/icnet2mmcorr.py).
_base_ = ['./icnet_vgg16_coca-test-224x224.py']
test_dataloader = dict(
    dataset=dict(
        type='CoSOD3kDataset',
        data_root='data/cosod/CoSOD3k',
        sism_root='data/cosod/EGNet-SISMs/CoSOD3k'))
