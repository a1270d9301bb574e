# Copyright (c) mmcorr contributors. All rights reserved.
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmcorr.registry as mmcorr_registry


def test_registries_are_children_of_mmengine_root():
    from mmengine.registry import MODELS as ROOT_MODELS
    assert mmcorr_registry.MODELS.parent is ROOT_MODELS
    assert mmcorr_registry.MODELS.scope == 'mmcorr'
    assert ROOT_MODELS._children['mmcorr'] is mmcorr_registry.MODELS
    assert 'mmcorr.models' in mmcorr_registry.MODELS._locations


def test_mmcorr_scope_builds_mmseg_components_by_plain_name(
        shape_scenes_root):
    from mmseg.evaluation import IoUMetric
    from mmseg.models.decode_heads import FPNHead
    head = mmcorr_registry.MODELS.build(
        dict(type='FPNHead', in_channels=[8, 8], in_index=[0, 1],
             feature_strides=[4, 8], channels=8, num_classes=3))
    assert isinstance(head, FPNHead)
    assert isinstance(mmcorr_registry.METRICS.build(dict(type='IoUMetric')),
                      IoUMetric)
    pack = mmcorr_registry.TRANSFORMS.build(dict(type='PackSegInputs'))
    assert type(pack).__name__ == 'PackSegInputs'
    dataset = mmcorr_registry.DATASETS.build(
        dict(type='ShapeScenesDataset', data_root=shape_scenes_root,
             data_prefix=dict(img_path='img_dir/val',
                              seg_map_path='ann_dir/val')))
    assert len(dataset) == 4


def test_mmcorr_scope_builds_whole_mmseg_model_from_config(
        tiny_fpn_config):
    from mmseg.models import EncoderDecoder
    from mmseg.models.backbones import ResNetV1c
    cfg = Config.fromfile(tiny_fpn_config)
    assert cfg.default_scope == 'mmcorr'
    model = mmcorr_registry.MODELS.build(cfg.model)
    assert isinstance(model, EncoderDecoder)
    assert isinstance(model.backbone, ResNetV1c)
    out = model(torch.rand(1, 3, 64, 64), mode='tensor')
    assert out.shape == (1, 8, 16, 16)


def test_mmseg_config_builds_mmcorr_modules_with_prefix(tmp_path,
                                                         shape_scenes_root):
    """The reverse direction: an mmseg model-zoo config plugs in mmcorr."""
    cfg_file = tmp_path / 'fpn_with_mmcorr_neck.py'
    cfg_file.write_text(
        "_base_ = 'mmseg::sem_fpn/fpn_r50_4xb2-80k_cityscapes-512x1024.py'\n"
        "custom_imports = dict(imports=['mmcorr.models', 'registry_probe'],"
        " allow_failed_imports=False)\n"
        "norm_cfg = dict(type='BN', requires_grad=True)\n"
        'model = dict(pretrained=None, backbone=dict(depth=18, '
        'norm_cfg=norm_cfg), neck=dict(_delete_=True, '
        "type='mmcorr.RegistryProbeNeck', in_channels=[64, 128, 256, 512], "
        'out_channels=256), decode_head=dict(norm_cfg=norm_cfg))\n')
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.default_scope == 'mmseg'
    init_default_scope('mmseg')
    from mmseg.registry import DATASETS, MODELS
    from registry_probe import RegistryProbeNeck
    model = MODELS.build(cfg.model)
    assert isinstance(model.neck, RegistryProbeNeck)
    out = model(torch.rand(1, 3, 64, 64), mode='tensor')
    assert out.shape == (1, 19, 16, 16)
    dataset = DATASETS.build(
        dict(type='mmcorr.ShapeScenesDataset', data_root=shape_scenes_root,
             data_prefix=dict(img_path='img_dir/val',
                              seg_map_path='ann_dir/val')))
    assert type(dataset).__name__ == 'ShapeScenesDataset'


def test_unknown_type_names_registry_scope_and_fix():
    with pytest.raises(KeyError) as info:
        mmcorr_registry.MODELS.build(dict(type='FPNHeed'))
    message = str(info.value)
    assert 'mmcorr::model registry' in message
    assert "'FPNHead'" in message  # close match from the mmseg scope
    assert 'custom_imports' in message


def test_unknown_prefixed_type_from_mmseg_scope():
    init_default_scope('mmseg')
    from mmseg.registry import MODELS
    with pytest.raises(KeyError) as info:
        MODELS.build(dict(type='mmcorr.NoSuchNeck'))
    assert 'mmcorr::model registry' in str(info.value)


def test_unknown_type_through_train_tool(run_tool, tiny_fpn_config,
                                         shape_scenes_root, tmp_path):
    proc = run_tool([
        'tools/train.py', tiny_fpn_config, '--work-dir',
        str(tmp_path), '--cfg-options', f'train_dataloader.dataset.data_root='
        f'{shape_scenes_root}', 'model.decode_head.type=FPNHeadd'
    ], check=False)
    assert proc.returncode != 0
    assert "'FPNHeadd' is not in the mmcorr::model registry" in proc.stderr
    assert osp.isdir(tmp_path)


# --- names that would shadow mmseg's or mmengine's root registries ----------


@pytest.fixture
def restore_registries():
    """Undo what a test registers in mmcorr's MODELS and TRANSFORMS."""
    saved = {r: dict(r._module_dict) for r in (mmcorr_registry.MODELS,
                                               mmcorr_registry.TRANSFORMS)}
    yield
    for registry, entries in saved.items():
        registry._module_dict.clear()
        registry._module_dict.update(entries)


def new_class(name):
    return type(name, (), {'__module__': __name__})


@pytest.mark.parametrize('force', [False, True])
def test_mmseg_name_is_refused_in_mmcorr(force, restore_registries):
    with pytest.raises(mmcorr_registry.RegistryNameClashError) as info:
        mmcorr_registry.MODELS.register_module(force=force)(new_class('ICNet'))
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert "Cannot register 'ICNet' in the mmcorr::model registry" in message
    assert 'mmseg::model' in message
    assert 'mmseg.models.backbones.icnet.ICNet' in message
    assert "'ICNetCoSaliency'" in message and 'shadow=True' in message
    assert 'ICNet' not in mmcorr_registry.MODELS._module_dict
    from mmseg.models.backbones import ICNet
    assert mmcorr_registry.MODELS.get('ICNet') is ICNet


def test_one_clashing_name_of_several_registers_none(restore_registries):
    with pytest.raises(KeyError, match="'FPNHead'"):
        mmcorr_registry.MODELS.register_module(
            name=['RegistryClashProbe', 'FPNHead'],
            module=new_class('RegistryClashProbe'))
    assert 'RegistryClashProbe' not in mmcorr_registry.MODELS._module_dict


def test_fresh_name_registers_and_builds(restore_registries):
    cls = mmcorr_registry.MODELS.register_module(
        module=new_class('ICNetCoSaliencyProbe'))
    assert mmcorr_registry.MODELS.get('ICNetCoSaliencyProbe') is cls
    assert isinstance(
        mmcorr_registry.MODELS.build(dict(type='ICNetCoSaliencyProbe')), cls)


@pytest.mark.parametrize('name, owner, where', [
    ('Resize', 'mmseg::transform', 'mmseg.datasets.transforms.transforms'),
    ('RandomResize', 'mmengine::transform', 'mmcv.transforms.processing'),
    ('Normalize', 'mmengine::transform', 'mmcv.transforms.processing'),
])
def test_mmcv_transform_names_are_refused(name, owner, where,
                                          restore_registries):
    with pytest.raises(mmcorr_registry.RegistryNameClashError) as info:
        mmcorr_registry.TRANSFORMS.register_module(module=new_class(name))
    message = str(info.value)
    assert f'mmcorr::transform registry: {owner} already has' in message
    assert f'{where}.{name}' in message


def test_root_model_name_is_refused(restore_registries):
    with pytest.raises(KeyError, match='mmengine::model .*mmcv.cnn'):
        mmcorr_registry.MODELS.register_module(
            module=new_class('ConvModule'))


def test_shadowing_on_purpose_with_shadow_true(restore_registries):
    patched = mmcorr_registry.MODELS.register_module(
        shadow=True)(new_class('ICNet'))
    assert mmcorr_registry.MODELS.get('ICNet') is patched
    with pytest.raises(TypeError, match='shadow must be a bool'):
        mmcorr_registry.MODELS.register_module(shadow='yes')


def test_registering_the_shadowed_class_itself_is_allowed(restore_registries):
    from mmseg.models.backbones import ICNet
    mmcorr_registry.MODELS.register_module(module=ICNet)
    assert mmcorr_registry.MODELS.get('ICNet') is ICNet
