# Copyright (c) mmcorr contributors. All rights reserved.
import pytest
import torch
from mmseg.models.necks import FPN

from mmcorr.models.layers import (FlowAlignmentModule,
                                  GatedDualFlowAlignmentModule)
from mmcorr.models.necks import AlignedFPN


def zero_flow(module):
    torch.nn.init.zeros_(module.flow_conv.weight)
    return module


def test_fam_with_zero_flow_upsamples_high():
    fam = zero_flow(FlowAlignmentModule(8, 4, align_corners=True))
    low, high = torch.randn(2, 8, 12, 10), torch.randn(2, 8, 6, 5)
    expected = torch.nn.functional.interpolate(
        high, size=(12, 10), mode='bilinear', align_corners=True)
    torch.testing.assert_close(fam(low, high), expected, rtol=0, atol=1e-5)
    assert fam.predict_flow(low, high).shape == (2, 2, 12, 10)


def test_gated_dual_fam_with_zero_flow_and_gate_averages():
    fam = zero_flow(GatedDualFlowAlignmentModule(8, 4, align_corners=True))
    torch.nn.init.zeros_(fam.gate_conv.weight)
    low, high = torch.randn(1, 8, 8, 8), torch.randn(1, 8, 4, 4)
    up = torch.nn.functional.interpolate(high, size=(8, 8), mode='bilinear',
                                         align_corners=True)
    torch.testing.assert_close(fam(low, high), 0.5 * up + 0.5 * low, rtol=0,
                               atol=1e-5)


def test_fam_flow_moves_features():
    fam = zero_flow(FlowAlignmentModule(4, 2))
    low, high = torch.randn(1, 4, 8, 8), torch.randn(1, 4, 8, 8)
    before = fam(low, high)
    torch.nn.init.normal_(fam.flow_conv.weight)
    assert not torch.allclose(fam(low, high), before)


def test_fam_bad_input():
    fam = FlowAlignmentModule(8, 4)
    with pytest.raises(ValueError, match=r'high must be \[B, 8, H, W\]'):
        fam(torch.randn(1, 8, 4, 4), torch.randn(1, 6, 2, 2))
    with pytest.raises(ValueError, match='batch sizes differ'):
        fam(torch.randn(2, 8, 4, 4), torch.randn(1, 8, 2, 2))


def test_aligned_fpn_with_zero_flow_equals_bilinear_fpn():
    in_channels = [8, 16, 32]
    fpn = FPN(in_channels, 8, 4, upsample_cfg=dict(mode='bilinear',
                                                  align_corners=True))
    aligned = AlignedFPN(in_channels, 8, 4, fam_cfg=dict(align_corners=True))
    aligned.load_state_dict(fpn.state_dict(), strict=False)
    for fam in aligned.fams:
        zero_flow(fam)
    inputs = [torch.randn(2, c, 16 // 2**i, 20 // 2**i)
              for i, c in enumerate(in_channels)]
    for a, b in zip(aligned(inputs), fpn(inputs)):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)
    assert len(aligned(inputs)) == 4
    with pytest.raises(ValueError, match='expects 3 inputs'):
        aligned(inputs[:2])
    with pytest.raises(ValueError, match='add_extra_convs'):
        AlignedFPN(in_channels, 8, 4, add_extra_convs='on_input')


def test_onnx_export_of_sfnet_r18(tmp_path):
    onnx = pytest.importorskip('onnx')
    ort = pytest.importorskip('onnxruntime')
    from mmengine.config import Config
    from mmcorr.registry import MODELS
    cfg = Config.fromfile(
        'configs/sfsegnet/sfnet_r18-d_8xb2-56k_cityscapes-1024x1024.py')
    cfg.model.backbone.norm_cfg = dict(type='BN')
    cfg.model.decode_head.norm_cfg = dict(type='BN')

    class Logits(torch.nn.Module):

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, x):
            return self.model(x, mode='tensor')

    model = Logits(MODELS.build(cfg.model)).eval()
    # PPM's adaptive pooling exports when the stride-32 map divides by 6
    x = torch.rand(1, 3, 192, 192)
    path = str(tmp_path / 'sfnet_r18.onnx')
    torch.onnx.export(model, (x, ), path, opset_version=16, dynamo=False,
                      input_names=['input'], output_names=['logits'])
    ops = {node.op_type for node in onnx.load(path).graph.node}
    assert 'GridSample' in ops
    session = ort.InferenceSession(path)
    out = session.run(None, {'input': x.numpy()})[0]
    with torch.no_grad():
        ref = model(x).numpy()
    assert out.shape == ref.shape == (1, 19, 48, 48)
    assert abs(out - ref).max() < 1e-4
