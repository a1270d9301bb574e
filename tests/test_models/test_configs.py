# Copyright (c) mmcorr contributors. All rights reserved.
"""Every shipped config, of every task, builds and runs forward + backward
and predict on a tiny batch for its task (chosen by its data preprocessor),
and one config of each method trains through tools/train.py."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from paths import REPO

from mmcorr.utils import replace_sync_bn

from mmcorr.structures import MultiViewDataSample, ViewDataSample

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)
SIZE = (64, 64)


def seg_batch(model, batch=2):
    """Images and label maps for a segmentor (``SegDataPreProcessor``)."""
    gen = torch.Generator().manual_seed(0)
    num_classes = model.decode_head.num_classes
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, *SIZE), generator=gen,
                                    dtype=torch.uint8))
        sample = SegDataSample(metainfo=dict(img_shape=SIZE, ori_shape=SIZE,
                                             pad_shape=SIZE))
        label = torch.randint(0, num_classes, (1, *SIZE), generator=gen)
        sample.gt_sem_seg = PixelData(data=label)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def multi_view_batch(model, batch=2):
    """Views with foreground masks and label maps for a multi-view model
    (``MultiViewDataPreprocessor``): ``model.num_views`` views (3 when the
    model takes any number), and a saliency map per view (the extra input
    ``sism``) for co-saliency models (those with a ``sism_model``, and the
    training-free consensus)."""
    gen = torch.Generator().manual_seed(0)
    num_views = getattr(model, 'num_views', None) or 3
    inputs, samples = [], []
    extra = {}
    if hasattr(model, 'sism_model') or \
            type(model).__name__ == 'FeatureConsensusCoSaliency':
        extra = dict(extra_inputs=dict(sism=[
            torch.rand(num_views, 1, *SIZE, generator=gen)
            for _ in range(batch)]))
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (num_views, 3, *SIZE),
                                    generator=gen, dtype=torch.uint8))
        views = []
        for _ in range(num_views):
            view = ViewDataSample(metainfo=dict(
                img_shape=SIZE, ori_shape=SIZE,
                homography_matrix=torch.eye(3).numpy()))
            mask = torch.zeros(1, *SIZE)
            mask[:, 16:48, 12:40] = 1
            view.gt_fg_mask = PixelData(data=mask)
            view.gt_sem_seg = PixelData(data=mask.long())
            # an image with point queries (AdaptIS): one object, two points
            view.gt_instance_ids = PixelData(data=mask.long())
            view.gt_query_points = torch.tensor([[20.0, 30.0], [30.0, 40.0]])
            view.gt_query_ids = torch.tensor([1, 1])
            views.append(view)
        samples.append(MultiViewDataSample(views=views))
    return dict(inputs=inputs, data_samples=samples, **extra)


#: A tiny batch per data preprocessor type, i.e. per task.
TINY_BATCHES = {
    'SegDataPreProcessor': seg_batch,
    'MultiViewDataPreprocessor': multi_view_batch,
}


def build_for_cpu(config):
    cfg = Config.fromfile(osp.join(REPO, config))
    replace_sync_bn(cfg.model)
    if 'pretrained' in cfg.model:
        cfg.model.pretrained = None
    if cfg.model.get('backbone') is not None:
        cfg.model.backbone.init_cfg = None
    preprocessor = cfg.model.get('data_preprocessor') or {}
    if preprocessor.get('size') is not None:
        preprocessor.size = SIZE
    if cfg.model.get('input_size') is not None:  # co-saliency models
        cfg.model.input_size = SIZE
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    kind = preprocessor.get('type', '').split('.')[-1]
    if kind not in TINY_BATCHES:
        raise KeyError(f'{config}: no tiny batch for data preprocessor '
                       f'{kind!r}; add one to TINY_BATCHES')
    return model, TINY_BATCHES[kind]


def check_predictions(samples, kind):
    if kind is seg_batch:
        assert samples[0].pred_sem_seg.data.shape == (1, *SIZE)
    else:
        assert isinstance(samples[0], MultiViewDataSample)
        predicted = [k for k in samples[0].keys() if k.startswith('pred_')]
        predicted += [k for v in samples[0].views for k in v.keys()
                      if k.startswith('pred_')]
        assert predicted, 'predict mode wrote no prediction'


@pytest.mark.parametrize('config', CONFIGS)
def test_config_forward_backward(config):
    """Every config of every task: one forward/backward (models with
    trainable parameters) and one predict, on its task's tiny batch."""
    model, make_batch = build_for_cpu(config)
    trainable = [p for p in model.parameters() if p.requires_grad]
    if trainable:
        data = model.data_preprocessor(make_batch(model), True)
        losses = model(**data, mode='loss')
        total = sum(v for k, v in losses.items() if 'loss' in k)
        total.backward()
        assert all(p.grad is not None for p in trainable), \
            'a parameter got no gradient'
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(make_batch(model, batch=1))
        check_predictions(model(**data, mode='predict'), make_batch)


def test_every_method_has_configs():
    folders = {c.split('/')[1] for c in CONFIGS}
    assert {'fpn', 'sfsegnet', 'alignseg', 'plugins', 'sfnet_corr',
            'icnet', 'mast', 'adaptis'} <= folders


@pytest.mark.parametrize('config', [
    'configs/sfsegnet/sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    'configs/sfsegnet/sfnet-lite_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    'configs/alignseg/alignseg_r18-w32_1xb8-2k_shape-scenes-128x128.py',
    'configs/plugins/fpn_r18-w32-aligned-fpn_1xb8-2k_shape-scenes-128x128.py',
])
def test_method_trains_through_tools(config, tiny_config, run_tool,
                                     shape_scenes_root, tmp_path):
    work = str(tmp_path / 'work')
    run_tool(['tools/train.py', tiny_config(config), '--work-dir', work,
              '--cfg-options', 'train_cfg.max_iters=2',
              'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2'
              ] + [f'{loader}.dataset.data_root={shape_scenes_root}'
                   for loader in ('train_dataloader', 'val_dataloader')])
    assert osp.isfile(osp.join(work, 'iter_2.pth'))


def test_sfnet_deep_supervision_heads_train_only():
    from mmcorr.registry import MODELS
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/sfsegnet/sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py'))
    replace_sync_bn(cfg.model)
    cfg.model.data_preprocessor.size = SIZE
    cfg.model.decode_head.dsn_head = dict(
        type='FCNHead', num_convs=1, concat_input=False, dropout_ratio=0.1,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))
    model = MODELS.build(cfg.model)
    assert len(model.decode_head.dsn_heads) == 3
    data = model.data_preprocessor(seg_batch(model), True)
    losses = model(**data, mode='loss')
    assert {f'decode.dsn{i}.loss_ce' for i in range(3)} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.decode_head.dsn_heads[0].conv_seg.weight.grad is not None
    model.eval()
    with torch.no_grad():  # inference never runs the deep-supervision heads
        calls = []
        handle = model.decode_head.dsn_heads[0].register_forward_hook(
            lambda *args: calls.append(1))
        model(**model.data_preprocessor(seg_batch(model, batch=1)),
              mode='predict')
        handle.remove()
    assert not calls
