# Copyright (c) mmcorr contributors. All rights reserved.
"""The SFNet model (SFNetHead on ResNet-18) exports to ONNX."""
import torch


def test_onnx_export_of_sfnet_r18(tmp_path):
    import onnx  # requirements/optional.txt: installed by make install
    import onnxruntime as ort
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
