# Copyright (c) mmcorr contributors. All rights reserved.
"""The SFNet correspondence converters: the official checkpoint layout
(two adaptation layers) and torchvision ResNet weights
(tools/model_converters/torchvision_resnet2mmcorr.py)."""
import torch

from mmcorr.models.converters import convert_sfnet_corr


def test_official_checkpoint_layout_converts():
    layer = {'conv1.0.weight': torch.zeros(1), 'conv2.1.running_var':
             torch.ones(1)}
    converted, unused = convert_sfnet_corr(
        {'state_dict1': layer, 'state_dict2': layer, 'epoch': 3})
    assert set(converted) == {
        'adapt_fine.units.0.conv.weight', 'adapt_fine.units.1.bn.running_var',
        'adapt_coarse.units.0.conv.weight',
        'adapt_coarse.units.1.bn.running_var'
    }
    assert not unused


def test_torchvision_resnet_keys_load_into_mmseg_resnet(tmp_path, run_tool):
    from mmseg.models.backbones import ResNet
    from mmcorr.models.converters import convert_torchvision_resnet
    net = ResNet(depth=18)
    # torchvision names = mmseg names, plus the classifier
    state = {k: torch.randn_like(v) if v.is_floating_point() else v
             for k, v in net.state_dict().items()}
    state['fc.weight'], state['fc.bias'] = torch.zeros(10, 512), torch.zeros(
        10)
    converted, unused = convert_torchvision_resnet(state, prefix='')
    assert unused == ['fc.weight', 'fc.bias']
    net.load_state_dict(converted)  # strict: every key matches
    src = str(tmp_path / 'tv.pth')
    torch.save(state, src)
    proc = run_tool(['tools/model_converters/torchvision_resnet2mmcorr.py',
                     src, str(tmp_path / 'out.pth')])
    assert 'left out (no counterpart): fc.weight' in proc.stdout
