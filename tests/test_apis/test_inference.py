# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr.apis.inference: init_model (checkpoints, options, safe loading,
init_weights), load_config and test_pipeline."""
import pickle

import pytest
import torch
from correspondence_fixtures import MODEL_BASE, write_config
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmcorr.apis import init_model, load_config
# not collected by pytest under its own name
from mmcorr.apis import test_pipeline as build_test_pipeline
from mmcorr.checkpoint_io.safe_loading import UnsafeCheckpointError
from mmcorr.engine import CheckpointMismatchError
from hostile import RunsCodeOnLoad, reset_unsafe_loading


def random_state(model):
    return {k: torch.randn_like(v) if v.is_floating_point() else v
            for k, v in model.state_dict().items()}


def test_init_model(sfnet, sfnet_config, tmp_path):
    assert not sfnet.training
    assert sfnet.cfg.model.backbone.depth == 18
    assert isinstance(sfnet.cfg, Config)
    assert DefaultScope.get_current_instance().scope_name == 'mmcorr'
    assert next(sfnet.parameters()).device.type == 'cpu'
    assert not hasattr(sfnet, 'dataset_meta')
    ckpt = str(tmp_path / 'weights.pth')
    state = random_state(sfnet)
    torch.save(dict(state_dict=state, meta=dict(
        dataset_meta=dict(classes=('a', 'b')))), ckpt)
    loaded = init_model(sfnet_config, ckpt)
    assert not loaded.training
    for key in ('adapt_fine.units.0.conv.weight',
                'backbone.layer1.0.conv1.weight'):
        assert torch.equal(loaded.state_dict()[key], state[key]), key
    assert loaded.dataset_meta == dict(classes=('a', 'b'))
    # a DDP wrapper's 'module.' prefix is removed
    torch.save(dict(state_dict={f'module.{k}': v
                                for k, v in state.items()}), ckpt)
    key = 'adapt_coarse.units.0.conv.weight'
    assert torch.equal(init_model(sfnet_config, ckpt).state_dict()[key],
                       state[key])


def test_init_model_config_errors_and_options(sfnet_config, tmp_path):
    with pytest.raises(FileNotFoundError, match='config file'):
        init_model(str(tmp_path / 'missing.py'))
    with pytest.raises(TypeError, match='config must be'):
        init_model(42)
    no_model = write_config(tmp_path, 'no_model', 'x = 1\n')
    with pytest.raises(KeyError, match='no `model`'):
        init_model(no_model)
    # cfg_options are merged into a copy of a Config
    cfg = Config.fromfile(sfnet_config)
    model = init_model(cfg, cfg_options={'model.beta': 7.0,
                                         'model.kernel_sigma': None})
    assert model.beta == 7.0 and model.kernel_sigma is None
    assert model.cfg.model.beta == 7.0
    assert cfg.model.beta == 50.0  # the caller's config is not changed
    assert load_config(sfnet_config, {'model.beta': 3.0}).model.beta == 3.0


def test_init_model_is_strict_by_default(sfnet_config, tmp_path):
    ckpt = str(tmp_path / 'other_model.pth')
    torch.save({'state_dict': {'conv.weight': torch.ones(2, 2)}}, ckpt)
    with pytest.raises(CheckpointMismatchError, match='missing') as info:
        init_model(sfnet_config, ckpt)
    assert 'conv.weight' in str(info.value)
    loaded = init_model(sfnet_config, ckpt, strict=False)
    assert not loaded.training
    # a wrong shape is a mismatch too
    model = init_model(sfnet_config)
    state = dict(model.state_dict())
    key = 'adapt_fine.units.0.conv.weight'
    state[key] = state[key][:1]
    torch.save({'state_dict': state}, ckpt)
    with pytest.raises(CheckpointMismatchError, match=key.replace('.', r'\.')):
        init_model(sfnet_config, ckpt)


@pytest.fixture
def unsafe_off():
    yield from reset_unsafe_loading()


def test_init_model_loads_checkpoints_safely(sfnet_config, tmp_path,
                                             unsafe_off):
    marker = tmp_path / 'pwned'
    ckpt = str(tmp_path / 'hostile.pth')
    torch.save({'state_dict': {}, 'meta': RunsCodeOnLoad(marker)}, ckpt)
    with pytest.raises(UnsafeCheckpointError,
                       match='refusing to load checkpoint'):
        init_model(sfnet_config, ckpt)
    assert not marker.exists()
    raw = str(tmp_path / 'raw.pkl')
    with open(raw, 'wb') as f:
        pickle.dump(RunsCodeOnLoad(marker), f, protocol=2)
    with pytest.raises(UnsafeCheckpointError):
        init_model(sfnet_config, raw)
    assert not marker.exists()


def test_init_model_init_weights(tmp_path):
    """``init_weights=True`` applies the config's init_cfg (here: a local
    "pretrained" backbone file) before any checkpoint; off by default."""
    from mmcorr.registry import MODELS
    backbone_cfg = dict(type='ResNet', depth=18, num_stages=4,
                        out_indices=(2, 3), style='pytorch')
    pretrained = MODELS.build(backbone_cfg)
    weights = random_state(pretrained)
    path = str(tmp_path / 'backbone.pth')
    torch.save({'state_dict': weights}, path)
    config = write_config(
        tmp_path, 'pretrained',
        f'_base_ = [{MODEL_BASE!r}]\n'
        'model = dict(backbone=dict(depth=18, init_cfg=dict('
        f'type="Pretrained", checkpoint={path!r})),\n'
        '             adaptation_channels=(256, 512))\n')
    key = 'layer2.0.conv1.weight'
    initialised = init_model(config, init_weights=True)
    assert torch.equal(initialised.backbone.state_dict()[key], weights[key])
    plain = init_model(config)
    assert not torch.equal(plain.backbone.state_dict()[key], weights[key])
    # a checkpoint given as well wins over the init_cfg
    ckpt = str(tmp_path / 'full.pth')
    state = random_state(plain)
    torch.save({'state_dict': state}, ckpt)
    both = init_model(config, ckpt, init_weights=True)
    assert torch.equal(both.backbone.state_dict()[key],
                       state['backbone.' + key])
    # an init_cfg that cannot be applied says what to do
    broken = write_config(
        tmp_path, 'broken',
        f'_base_ = [{MODEL_BASE!r}]\n'
        'model = dict(backbone=dict(depth=18, init_cfg=dict('
        f'type="Pretrained", checkpoint={str(tmp_path / "none.pth")!r})),\n'
        '             adaptation_channels=(256, 512))\n')
    with pytest.raises(RuntimeError, match="could not apply the config's "
                       'init_cfg'):
        init_model(broken, init_weights=True)
    assert not init_model(broken).training  # not applied: fine


def test_test_pipeline_lookup():
    """``test_pipeline``, else the test / val dataloader's pipeline."""
    steps = [dict(type='ForEachView', transforms=[dict(
        type='LoadCheckedImage')]), dict(type='PackMultiViewInputs')]

    def count(**cfg):
        return len(build_test_pipeline(Config(cfg)).transforms)

    loader = dict(dataset=dict(pipeline=steps[1:]))
    assert count(test_pipeline=steps, test_dataloader=loader) == 2
    assert count(test_dataloader=loader) == 1
    assert count(val_dataloader=loader) == 1
    with pytest.raises(KeyError, match='no test pipeline'):
        build_test_pipeline(Config(dict(model=dict(type='IdentityMatcher'))))
