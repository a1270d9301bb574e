# Copyright (c) mmcorr contributors. All rights reserved.
"""bfloat16 autocast training on any device (the CPU included)."""
import torch
from torch import nn

from mmcorr.models.layers import WindowedMemoryReader
from mmcorr.models.layers.icnet_blocks import CoSaliencyBranch
from mmcorr.registry import MODELS, OPTIM_WRAPPERS


def test_forward_runs_in_bf16_and_params_stay_float32():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 1, 1))
    wrapper = OPTIM_WRAPPERS.build(dict(
        type='BF16AutocastOptimWrapper',
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1)))
    before = model[0].weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 3, 8, 8))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().square().mean())
    assert model[0].weight.dtype == torch.float32
    assert not torch.equal(model[0].weight, before)


def test_memory_reader_reads_in_float32_under_autocast():
    """Keys computed in bfloat16 are read in float32 (one softmax over
    many candidates), equal to the float32 read of the same keys."""
    torch.manual_seed(0)
    reader = WindowedMemoryReader()
    query = torch.randn(1, 8, 6, 7).bfloat16()
    memory = [torch.randn(1, 8, 6, 7).bfloat16() for _ in range(2)]
    values = [torch.rand(1, 3, 6, 7) for _ in range(2)]
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = reader(query, memory, values, [1, 3], window_size=3)
    assert out.dtype == torch.float32
    want = reader(query.float(), [m.float() for m in memory], values,
                  [1, 3], window_size=3)
    assert torch.allclose(out, want, atol=1e-6)


def test_cosaliency_correlations_in_float32_under_autocast():
    """ICNet's NMAP / CFM / RSCF on bfloat16 features run in float32 and
    equal the float32 computation on the same features; the convs after
    them run in bfloat16."""
    torch.manual_seed(0)
    branch = CoSaliencyBranch(grid=(4, 5)).eval()
    features = torch.randn(3, 16, 4, 5).bfloat16()
    sisms = torch.rand(3, 1, 8, 10)
    seen = []
    branch.conv.register_forward_hook(lambda m, args, out: seen.append(
        (args[0], out)))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        branch(features, sisms)
    (rscf, out), = seen
    assert rscf.dtype == torch.float32 and out.dtype == torch.bfloat16
    want = branch.correlations(features.float(), sisms)
    assert torch.allclose(rscf, want, atol=1e-6)


def test_bf16_models_without_autocast_keep_their_dtype():
    """A co-saliency branch and an AdaptIS head cast to bfloat16 as a whole
    run without autocast and answer in bfloat16."""
    torch.manual_seed(0)
    branch = CoSaliencyBranch(grid=(4, 5)).eval().bfloat16()
    out = branch(torch.randn(3, 16, 4, 5).bfloat16(),
                 torch.rand(3, 1, 8, 10).bfloat16())
    assert out.dtype == torch.bfloat16
    head = MODELS.build(dict(type='AdaptISInstanceHead', in_channels=6,
                             channels=8, norm_radius=7,
                             controller=dict(type='ConvMapController',
                                             channels=8)))
    head = head.eval().bfloat16()
    logits = head(torch.randn(1, 6, 9, 11).bfloat16(),
                  torch.tensor([[[2.0, 3.0]]]).bfloat16())
    assert logits.dtype == torch.bfloat16 and logits.shape == (1, 1, 9, 11)
