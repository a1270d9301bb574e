# Copyright (c) mmcorr contributors. All rights reserved.
"""The converter tools' shared command line (``run_converter``)."""
import pytest
import torch
from converter_tools import load_tool

from mmcorr.checkpoint_io import load_checkpoint_file


@pytest.mark.parametrize('name, source, saved', [
    ('sfnet_corr2mmcorr', {'state_dict1': {'conv1.0.weight': torch.ones(1)},
                           'state_dict2': {}},
     {'state_dict': {'adapt_fine.units.0.conv.weight': torch.ones(1)},
      'meta': {'converted_from': 'cvlab-yonsei/SFNet'}}),
    ('torchvision_resnet2mmcorr', {'conv1.weight': torch.ones(1),
                                   'fc.bias': torch.ones(1)},
     {'state_dict': {'backbone.conv1.weight': torch.ones(1)}}),
])
def test_tools_share_one_command_line(tmp_path, capsys, name, source, saved):
    """Same format as before: ``meta`` only where the tool gives one."""
    src, dst = str(tmp_path / 'src.pth'), str(tmp_path / 'dst.pth')
    torch.save(source, src)
    assert not load_tool(name).main([src, dst])  # exit status 0
    written = load_checkpoint_file(dst)
    assert written.keys() == saved.keys()
    assert written.get('meta') == saved.get('meta')
    assert written['state_dict'].keys() == saved['state_dict'].keys()
    for key, value in saved['state_dict'].items():
        assert torch.equal(written['state_dict'][key], value)
    assert f'1 tensors written to {dst}' in capsys.readouterr().out
