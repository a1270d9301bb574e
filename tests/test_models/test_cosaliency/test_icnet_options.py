# Copyright (c) mmcorr contributors. All rights reserved.
"""ICNetCoSaliency's options and edge cases: inputs of any size
(rscf_keys), groups of one, SISMs made by a registered model, bad input."""
import pytest
import torch

from mmcorr.models.layers.icnet_blocks import rearranged_self_correlation
from mmcorr.registry import MODELS

SIZE = (64, 64)


def build(**kwargs):
    cfg = dict(type='ICNetCoSaliency', backbone=dict(type='VGG16PrePoolTaps'),
               input_size=SIZE,
               data_preprocessor=dict(type='MultiViewDataPreprocessor'))
    cfg.update(kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def inputs(num=3, size=SIZE, channels=3, seed=0):
    gen = torch.Generator().manual_seed(seed)
    images = torch.randn(1, num, channels, *size, generator=gen)
    sisms = torch.rand(1, num, 1, *size, generator=gen)
    return images, dict(sism=sisms)


def run(model, images, extras):
    with torch.no_grad():
        return model(images, mode='tensor', extra_inputs=extras)[0]


def test_fixed_grid_keys_equal_native_at_the_built_size():
    native = build().eval()
    fixed = build(rscf_keys='fixed_grid').eval()
    fixed.load_state_dict(native.state_dict())
    images, extras = inputs()
    for a, b in zip(run(native, images, extras), run(fixed, images, extras)):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_fixed_grid_runs_at_other_sizes_native_refuses():
    images, extras = inputs(size=(96, 128))
    maps = run(build(rscf_keys='fixed_grid').eval(), images, extras)
    assert maps[-1].shape == (3, 1, 96, 128)
    assert torch.isfinite(maps[-1]).all()
    with pytest.raises(ValueError, match="rscf_keys='fixed_grid'"):
        run(build().eval(), images, extras)


def test_rscf_key_grid_is_a_resampled_key_set():
    """Closed form: with keys resampled to a grid, channel k of pixel p is
    <f_p, key_{order[k]}> * csa_p, the keys sorted by their resampled
    CSA."""
    gen = torch.Generator().manual_seed(1)
    feats = torch.nn.functional.normalize(torch.randn(2, 5, 4, 6,
                                                      generator=gen), dim=1)
    csa = torch.rand(2, 1, 4, 6, generator=gen)
    out = rearranged_self_correlation(feats, csa, key_grid=(2, 3))
    assert out.shape == (2, 6, 4, 6)
    keys = torch.nn.functional.interpolate(feats, (2, 3), mode='bilinear',
                                           align_corners=True)
    keys = torch.nn.functional.normalize(keys, dim=1).flatten(2)
    key_csa = torch.nn.functional.interpolate(
        csa, (2, 3), mode='bilinear', align_corners=True).flatten(1)
    for n in range(2):
        order = sorted(range(6), key=lambda k: -key_csa[n, k].item())
        for k, key in enumerate(order):
            expected = (feats[n] * keys[n, :, key, None, None]).sum(0)
            torch.testing.assert_close(out[n, k], expected * csa[n, 0])


def test_input_size_must_be_a_multiple_of_32():
    with pytest.raises(ValueError, match='multiples of 32'):
        build(input_size=(100, 100))


def test_group_of_one_predicts_and_refuses_training_under_bn():
    model = build()
    images, extras = inputs(num=1)
    model.eval()
    maps = run(model, images, extras)
    assert maps[-1].shape == (1, 1, *SIZE) and torch.isfinite(maps[-1]).all()
    model.train()
    from mmcorr.structures import MultiViewDataSample, ViewDataSample
    from mmengine.structures import PixelData
    view = ViewDataSample()
    view.gt_sem_seg = PixelData(data=torch.ones(1, *SIZE, dtype=torch.long))
    with pytest.raises(ValueError, match='group of one image'):
        model(images, [MultiViewDataSample(views=[view])], mode='loss',
              extra_inputs=extras)


def test_all_zero_sisms_give_a_finite_map():
    """Documented: with no salient pixel the foreground branch's CSA is 0
    everywhere; the background branch and the decoder still give a map."""
    images, extras = inputs()
    extras['sism'].zero_()
    maps = run(build().eval(), images, extras)
    assert all(torch.isfinite(m).all() for m in maps)


@pytest.mark.parametrize('channels', [1, 4])
def test_grey_or_four_channel_images_are_refused(channels):
    images, extras = inputs(channels=channels)
    with pytest.raises(ValueError, match='3-channel images'):
        run(build().eval(), images, extras)


def test_sism_count_size_and_range_are_checked():
    model = build().eval()
    images, extras = inputs()
    with pytest.raises(ValueError, match='2 SISMs for 3 images'):
        run(model, images, dict(sism=extras['sism'][:, :2]))
    with pytest.raises(ValueError, match='in \\[0, 1\\]'):
        run(model, images, dict(sism=extras['sism'] * 255))


def test_sism_model_makes_the_sisms_when_the_data_have_none():
    model = build(sism_model=dict(type='FrequencyTunedSaliency')).eval()
    images = torch.randint(0, 256, (1, 3, 3, *SIZE)).float()
    data = model.data_preprocessor(dict(inputs=[images[0]]))
    maps = run(model, data['inputs'], {})
    # the same as giving the model's SISMs explicitly
    rgb = images[0].flip(1)  # the preprocessor's bgr_to_rgb
    sisms = model.sism_model(rgb)
    explicit = run(model, data['inputs'], dict(sism=sisms[None]))
    torch.testing.assert_close(maps[-1], explicit[-1], atol=1e-5, rtol=0)
    assert not any(p.requires_grad for p in model.sism_model.parameters())


def test_official_head_init_leaves_the_backbone_to_its_init_cfg():
    """ICNet's weights_init on the head: convs N(0, 0.01), zero biases, BN
    (1, 0); the backbone is initialised by its own init_cfg afterwards."""
    model = build(backbone=dict(type='VGG16PrePoolTaps', init_cfg=dict(
        type='Constant', layer='Conv2d', val=0.5, bias=0.25)))
    model.init_weights()
    head = model.decoder1.merge[0]
    assert abs(head.weight.std().item() - 0.01) < 0.002
    assert head.bias.abs().max() == 0
    bn = model.decoder1.merge[1]
    assert (bn.weight == 1).all() and (bn.bias == 0).all()
    first = model.backbone.features[0]
    assert (first.weight == 0.5).all() and (first.bias == 0.25).all()
    kept = build(head_init='pytorch')
    before = kept.decoder1.merge[0].weight.clone()
    kept.init_weights()
    torch.testing.assert_close(kept.decoder1.merge[0].weight, before)


LITE0_TAPS = dict(
    type='ProjectedTaps',
    backbone=dict(type='EfficientNetLite', out_indices=(0, 1, 2, 4, 6)),
    out_channels=(64, 128, 256, 512, 512),
    norm_cfg=dict(type='GN', num_groups=16))


def test_tap_stride_2_builds_for_half_the_grid_and_predicts_at_input():
    """Taps at strides 2..32: the modules are built for input_size / 2 and
    the prediction comes back at the input size."""
    model = build(backbone=LITE0_TAPS, tap_stride=2,
                  norm_cfg=dict(type='GN', num_groups=16))
    assert model.cosal4.branch.grid == (4, 4)  # 64 / 2 / 8
    model.eval()
    images, extras = inputs()
    maps = run(model, images, extras)
    assert [m.shape[-1] for m in maps] == [4, 8, 16, 32]
    from mmcorr.structures import MultiViewDataSample, ViewDataSample
    samples = [MultiViewDataSample(views=[ViewDataSample(metainfo=dict(
        img_shape=SIZE, ori_shape=SIZE)) for _ in range(3)])]
    with torch.no_grad():
        out = model(images, samples, mode='predict', extra_inputs=extras)
    assert out[0].views[0].pred_saliency.data.shape == (1, *SIZE)
    with pytest.raises(ValueError, match='multiples of 64'):
        build(input_size=(96, 96), tap_stride=2)
    with pytest.raises(ValueError, match='tap_stride must be 1 or 2'):
        build(tap_stride=4)


def test_group_norm_head_is_the_same_in_train_and_eval_and_trains_one():
    """norm_cfg=GN replaces every BN of the head: no running statistics,
    so train() and eval() give the same maps, and a group of one trains."""
    model = build(norm_cfg=dict(type='GN', num_groups=16),
                  backbone=dict(type='VGG16PrePoolTaps'))
    head = [m for n, m in model.named_modules()
            if not n.startswith('backbone')]
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in head)
    assert sum(isinstance(m, torch.nn.GroupNorm) for m in head) == 16
    images, extras = inputs()
    model.eval()
    evaluated = run(model, images, extras)[-1]
    model.train()
    trained = run(model, images, extras)[-1]
    assert torch.allclose(evaluated, trained)
    # the default is ICNet's BN, with the official parameter names
    names = {n for n, _ in build().named_parameters()}
    assert 'decoder1.merge.1.weight' in names and \
        'cosal4.fuse.1.conv.1.running_mean' not in names
