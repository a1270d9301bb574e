# Copyright (c) mmcorr contributors. All rights reserved.
"""SemanticFlowMatcher end to end: configs, the MultiViewModel forward
modes, loss/predict, tools/test.py."""
import csv
import glob
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData
from paths import REPO
from PIL import Image

from mmcorr.models.losses import (FlowConsistencyLoss, FlowSmoothnessLoss,
                                  MaskConsistencyLoss)
from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample

CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', 'sfnet_corr', 'sfnet-corr_*.py')))
#: the official recipe's config (R101), used by the single-config tests
R101 = next(c for c in CONFIGS if '_r101_' in c)
#: a ResNet-18 trunk keeps the tests of the ResNet-101 configs small; the
#: matcher is the same
SMALL = dict(backbone=dict(depth=18, init_cfg=None),
             adaptation_channels=(256, 512))


def build(config, **overrides):
    cfg = Config.fromfile(osp.join(REPO, config))
    model_cfg = Config(dict(model=cfg.model))
    if cfg.model.backbone.get('depth') == 101:
        model_cfg.merge_from_dict(
            {f'model.{k}': v for k, v in SMALL.items()})
    model_cfg.model.update(overrides)
    return MODELS.build(model_cfg.model)


def square_mask(size, lo, hi):
    mask = torch.zeros(1, size, size)
    mask[:, lo:hi, lo:hi] = 1
    return mask


def pair_batch(batch=2, size=64, masks=True):
    """Random uint8 pairs; each view with a square foreground mask (the
    target's shifted) unless ``masks=False``."""
    gen = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (2, 3, size, size), generator=gen,
                            dtype=torch.uint8) for _ in range(batch)]
    samples = []
    for _ in range(batch):
        views = [ViewDataSample(metainfo=dict(img_shape=(size, size)))
                 for _ in range(2)]
        if masks:
            views[0].gt_fg_mask = PixelData(
                data=square_mask(size, size // 4, 3 * size // 4))
            views[1].gt_fg_mask = PixelData(
                data=square_mask(size, size // 8, 5 * size // 8))
        samples.append(MultiViewDataSample(views=views))
    return dict(inputs=inputs, data_samples=samples)


@pytest.mark.parametrize('config', CONFIGS)
def test_configs_build_train_and_predict(config):
    model = build(config, freeze_backbone=False)
    model.backbone.init_cfg = None  # random trunk weights: no file read
    data = model.data_preprocessor(pair_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_MaskConsistencyLoss',
                           'loss_FlowConsistencyLoss',
                           'loss_FlowSmoothnessLoss'}
    sum(losses.values()).backward()
    assert all(p.grad is not None for p in model.backbone.parameters()
               if p.requires_grad)
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(pair_batch(1))
        out = model(**data, mode='predict')
        fine = model.extract_feat(data['inputs'][:, 0])[0]
    assert fine.shape[2:] == (64 // 16, ) * 2 if '_r101_' in config else \
        (64 // 8, ) * 2  # the 20 x 20 grid of 320 px / 160 px inputs
    assert out[0].pred_grid_t2s.shape == fine.shape[2:] + (2, )


def test_frozen_backbone_stays_frozen():
    model = build(R101)
    model.train()
    assert not model.backbone.training
    assert not any(p.requires_grad for p in model.backbone.parameters())
    data = model.data_preprocessor(pair_batch(), True)
    sum(model(**data, mode='loss').values()).backward()
    assert model.adapt_fine.units[0].conv.weight.grad is not None


@pytest.fixture(scope='module')
def model():
    """A small frozen-backbone matcher in eval mode (stride 16: 4 x 4 grids
    of 64 x 64 inputs)."""
    with DefaultScope.overwrite_default_scope('mmcorr'):
        return build(R101).eval()


GRID_KEYS = {'grid_s2t', 'grid_t2s', 'flow_s2t', 'flow_t2s'}


def test_forward_modes_through_the_multi_view_base(model):
    data = model.data_preprocessor(pair_batch())
    inputs, samples = data['inputs'], data['data_samples']
    assert inputs.shape == (2, 2, 3, 64, 64)
    with torch.no_grad():
        out = model(inputs, samples, mode='tensor')
        # tensor mode: match() of each view's features, view 0 = source
        direct = model.match(model.extract_feat(inputs[:, 0]),
                             model.extract_feat(inputs[:, 1]))
        swapped = model(inputs.flip(1), mode='tensor')
    assert set(out) == GRID_KEYS
    assert out['grid_s2t'].shape == (2, 4, 4, 2)
    assert out['flow_t2s'].shape == (2, 2, 4, 4)
    for key in GRID_KEYS:
        torch.testing.assert_close(out[key], direct[key])
    torch.testing.assert_close(swapped['grid_s2t'], out['grid_t2s'])
    # predict: the same grids written into the given samples
    with torch.no_grad():
        predicted = model(inputs, samples, mode='predict')
    assert predicted is samples
    for i, sample in enumerate(predicted):
        assert torch.equal(sample.pred_grid_s2t, out['grid_s2t'][i])
        assert torch.equal(sample.pred_grid_t2s, out['grid_t2s'][i])
        assert 'gt_fg_mask' in sample.source  # ground truth kept
    # predict without data samples creates them, one view sample per view
    with torch.no_grad():
        created = model(inputs, mode='predict')
    assert len(created) == 2
    for i, sample in enumerate(created):
        assert isinstance(sample, MultiViewDataSample) and len(sample) == 2
        assert all(isinstance(v, ViewDataSample) for v in sample.views)
        assert torch.equal(sample.pred_grid_t2s, out['grid_t2s'][i])
    with pytest.raises(ValueError, match="unknown mode 'losses'"):
        model(inputs, samples, mode='losses')


@pytest.mark.parametrize('mode', ['tensor', 'loss', 'predict'])
def test_wrong_number_of_views_is_refused(model, mode):
    data = pair_batch(1)
    with pytest.raises(ValueError, match='takes 2 views per sample, got 3'):
        model(torch.zeros(1, 3, 3, 64, 64), data['data_samples'], mode)
    with pytest.raises(ValueError, match='takes 2 views per sample, got 1'):
        model(torch.zeros(1, 1, 3, 64, 64), data['data_samples'], mode)
    with pytest.raises(ValueError, match=r'inputs \[B, N, C, H, W\]'):
        model(torch.zeros(1, 3, 64, 64), data['data_samples'], mode)


@pytest.mark.parametrize('view', [0, 1])
def test_loss_requires_fg_masks_on_both_views(model, view):
    data = model.data_preprocessor(pair_batch())
    del data['data_samples'][1].views[view].gt_fg_mask
    with pytest.raises(KeyError, match=f'view {view} of the sample has no '
                       'gt_fg_mask'):
        model(**data, mode='loss')
    # prediction does not need them
    data = model.data_preprocessor(pair_batch(masks=False))
    with torch.no_grad():
        model(**data, mode='predict')


def pil_mask(mask, size):
    """The official dataset's mask resize: PIL bilinear (antialiased)."""
    image = Image.fromarray(mask[0].numpy().astype(np.float32), mode='F')
    small = np.asarray(image.resize(size[::-1], Image.BILINEAR))
    return torch.from_numpy(small.copy())


def test_masks_are_resized_like_the_official_dataset(model):
    """Soft masks -> feature size with PIL's bilinear filter, then > 0.1."""
    gen = torch.Generator().manual_seed(1)
    samples = pair_batch(3)['data_samples']
    for sample in samples:
        for view in sample.views:
            # a ramp 0 .. 0.2 across the threshold, noise, an object
            soft = torch.linspace(0, 0.2, 64).expand(1, 64, 64) + \
                0.05 * torch.rand(1, 64, 64, generator=gen)
            soft[:, 40:56, 4:20] = 1
            view.gt_fg_mask = PixelData(data=soft)
    src, tgt = model._masks(samples, (4, 5))
    assert src.shape == tgt.shape == (3, 1, 4, 5)
    for index, masks in enumerate((src, tgt)):
        for b, sample in enumerate(samples):
            resized = pil_mask(sample.views[index].gt_fg_mask.data, (4, 5))
            assert (resized - 0.1).abs().min() > 1e-4  # no ties
            assert torch.equal(masks[b, 0], (resized > 0.1).float())
        assert 0.2 < masks.mean() < 0.9


def test_loss_mode_computes_the_configured_losses(model):
    """Each loss on the grids and flows of a one-shot match and the masks
    at feature size, computed here from the parts."""
    data = model.data_preprocessor(pair_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    with torch.no_grad():
        losses = model(inputs, samples, mode='loss')
        out = model.match(model.extract_feat(inputs[:, 0]),
                          model.extract_feat(inputs[:, 1]), chunked=False)
    masks = []
    for index in (0, 1):
        masks.append(torch.stack([
            (pil_mask(s.views[index].gt_fg_mask.data, (4, 4)) > 0.1).float()
            for s in samples
        ])[:, None])
    assert not torch.equal(masks[0], masks[1])
    args = (out['grid_s2t'], out['grid_t2s'], out['flow_s2t'],
            out['flow_t2s'], *masks)
    expected = {f'loss_{type(loss).__name__}': loss(*args)
                for loss in (MaskConsistencyLoss(), FlowConsistencyLoss(),
                             FlowSmoothnessLoss())}
    assert set(losses) == set(expected)
    for name, value in expected.items():
        assert value > 0, name
        torch.testing.assert_close(losses[name], value, msg=name)


@pytest.mark.parametrize('chunk_size', [1, 5, 16, 100])
def test_chunked_inference_equals_one_shot(model, chunk_size, monkeypatch):
    data = model.data_preprocessor(pair_batch())
    with torch.no_grad():
        one_shot = model(**data, mode='tensor')
        one_shot_loss = model(**data, mode='loss')
        monkeypatch.setattr(model, 'chunk_size', chunk_size)
        chunked = model(**data, mode='tensor')
        predicted = model(**data, mode='predict')
        calls = []
        original = model._chunked_match
        monkeypatch.setattr(model, '_chunked_match',
                            lambda *a: calls.append(1) or original(*a))
        model(**data, mode='tensor')
        assert calls  # inference really went through the chunks
        calls.clear()
        chunked_loss = model(**data, mode='loss')
        assert not calls  # training matches in one shot
    for key in GRID_KEYS:
        # float32: the flows are small differences of grids
        torch.testing.assert_close(chunked[key], one_shot[key], rtol=1e-5,
                                   atol=1e-5)
    for i, sample in enumerate(predicted):
        torch.testing.assert_close(sample.pred_grid_s2t,
                                   one_shot['grid_s2t'][i], rtol=1e-5,
                                   atol=1e-5)
    for name, value in one_shot_loss.items():
        assert torch.equal(chunked_loss[name], value), name


def write_pf_pascal(root):
    """Two pairs of a 64x80 image with itself: keypoints map exactly."""
    folder = osp.join(root, 'JPEGImages')
    os.makedirs(folder)
    image = np.random.RandomState(0).randint(0, 256, (64, 80, 3), np.uint8)
    cv2.imwrite(osp.join(folder, 'a.png'), image)
    xs, ys = '10;40;70', '8;30;55'
    with open(osp.join(root, 'bbox_test_pairs_pf_pascal.csv'), 'w',
              newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['source_image', 'target_image', 'class', 'XA', 'YA',
                         'XB', 'YB', 'L_pck'])
        for cls in (8, 13):
            writer.writerow(['JPEGImages/a.png', 'JPEGImages/a.png', cls, xs,
                             ys, xs, ys, 60])


def test_tools_test_evaluates_pf_pascal(tmp_path, run_tool):
    root = str(tmp_path / 'PF_Pascal')
    write_pf_pascal(root)
    config = 'configs/sfnet_corr/' \
        'sfnet-corr_r101_pf-pascal-test-320x320.py'
    checkpoint = str(tmp_path / 'small.pth')
    torch.save({'state_dict': build(config).state_dict()}, checkpoint)
    metrics = str(tmp_path / 'metrics.json')
    run_tool(['tools/test.py', config, checkpoint, '--work-dir',
              str(tmp_path / 'work'), '--metrics-file', metrics,
              '--cfg-options', f'test_dataloader.dataset.data_root={root}',
              'test_dataloader.num_workers=0',
              'test_dataloader.persistent_workers=False',
              'model.backbone.depth=18', 'model.backbone.init_cfg=None',
              'model.adaptation_channels=[256,512]'])
    with open(metrics) as f:
        result = json.load(f)
    assert set(result) >= {'PCK@0.05', 'PCK@0.1', 'PCK@0.15'}
    assert all(0 <= v <= 100 for v in result.values())


PHOTO_OBJECTS = 'configs/sfnet_corr/' \
    'sfnet-corr_r18-scratch_1xb16-600it_photo-objects-160x160.py'
IDENTITY = 'configs/sfnet_corr/' \
    'identity-baseline_photo-objects-160x160.py'


def photo_objects_options(root, train=True):
    """--cfg-options for a tiny PhotoObjects run in one process."""
    loaders = ['val', 'test'] + ['train'] * train
    options = [f'{loader}_dataloader.{key}'
               for loader in loaders
               for key in (f'dataset.data_root={root}', 'num_workers=0',
                           'persistent_workers=False')]
    return options + ['train_dataloader.batch_size=2'] * train


def test_train_and_test_on_photo_objects(tmp_path, run_tool,
                                         photo_objects_root):
    """tools/train.py -> tools/test.py on the embedded benchmark, and the
    identity baseline through the same test path."""
    work = str(tmp_path / 'work')
    options = photo_objects_options(photo_objects_root)
    run_tool(['tools/train.py', PHOTO_OBJECTS, '--work-dir', work,
              '--cfg-options', 'train_cfg.max_iters=2',
              'train_cfg.val_interval=2',
              'default_hooks.checkpoint.interval=2', *options])
    metrics = {}
    for name, config, checkpoint in (
            ('model', PHOTO_OBJECTS, osp.join(work, 'iter_2.pth')),
            ('identity', IDENTITY, 'none')):
        path = str(tmp_path / f'{name}.json')
        run_tool(['tools/test.py', config, checkpoint, '--work-dir',
                  str(tmp_path / name), '--metrics-file', path,
                  '--cfg-options',
                  *photo_objects_options(photo_objects_root, train=False)])
        with open(path) as f:
            metrics[name] = json.load(f)
    assert set(metrics['model']) == {'PCK@0.05', 'PCK@0.1'}
    assert all(0 <= v <= 100 for v in metrics['model'].values())
    # the identity baseline is computable by hand from the csv
    assert metrics['identity']['PCK@0.1'] == pytest.approx(
        identity_pck(photo_objects_root, 0.1 * 80))


def identity_pck(root, threshold, input_side=160, side=80):
    """The identity baseline by hand: ``transfer='s2t'``, the source
    keypoint goes through the recorded resize (``x' = (x + 0.5) S / W -
    0.5``), is rounded to a network-input pixel, stays there (identity) and
    comes back through the target's inverse resize."""
    with open(osp.join(root, 'heldout_pairs.csv'), newline='') as f:
        rows = list(csv.reader(f))[1:]
    scale = input_side / side
    scores = []
    for row in rows:
        xa, ya, xb, yb = (np.array([float(v) for v in c.split(';')])
                          for c in row[2:])
        estimate = []
        for a in (xa, ya):
            pixel = np.clip(np.round((a + 0.5) * scale - 0.5), 0,
                            input_side - 1)
            estimate.append((pixel + 0.5) / scale - 0.5)
        dist = np.hypot(estimate[0] - xb, estimate[1] - yb)
        scores.append(100 * np.mean(dist <= threshold))
    return float(np.mean(scores))


def test_no_checkpoint_is_refused_for_a_model_with_parameters(
        tmp_path, run_tool, photo_objects_root):
    proc = run_tool(['tools/test.py', PHOTO_OBJECTS, 'none', '--work-dir',
                     str(tmp_path), '--cfg-options',
                     *photo_objects_options(photo_objects_root)],
                    check=False)
    assert proc.returncode != 0
    assert 'has parameters' in proc.stderr


def write_voc(root, ids=('2007_000032', '2007_000129', '2008_000002')):
    """A three-image VOC2012 layout: JPEGs, class labels with a 255 edge."""
    rng = np.random.RandomState(0)
    for sub in ('JPEGImages', 'SegmentationClass',
                'ImageSets/Segmentation'):
        os.makedirs(osp.join(root, sub))
    for i, name in enumerate(ids):
        cv2.imwrite(osp.join(root, 'JPEGImages', name + '.jpg'),
                    rng.randint(0, 256, (60, 72, 3), np.uint8))
        label = np.zeros((60, 72), np.uint8)
        label[15:45, 20:50] = i + 1
        label[14, 20:50] = 255
        cv2.imwrite(osp.join(root, 'SegmentationClass', name + '.png'),
                    label)
    with open(osp.join(root, 'ImageSets/Segmentation/trainval.txt'),
              'w') as f:
        f.write('\n'.join(ids) + '\n')


def test_voc_split_excludes_pf_pascal_test_images(tmp_path, run_tool):
    voc = str(tmp_path / 'VOC2012')
    write_voc(voc)
    pf_csv = tmp_path / 'test_pairs.csv'
    pf_csv.write_text('source_image,target_image,class,XA,YA,XB,YB\n'
                      'PF-dataset-PASCAL/JPEGImages/2007_000129.jpg,'
                      'PF-dataset-PASCAL/JPEGImages/2009_000001.jpg,'
                      '1,1,1,1,1\n')
    run_tool(['tools/dataset_converters/make_voc_correspondence_split.py', voc,
              str(pf_csv)])
    with open(osp.join(voc, 'ImageSets/Segmentation/'
                       'trainval_wo_pf_pascal_test.txt')) as f:
        assert f.read().split() == ['2007_000032', '2008_000002']


@pytest.mark.parametrize('variant', ['', '_legacy'])
def test_voc_recipe_trains_and_validates(tmp_path, run_tool, variant):
    """The official recipe's data path end to end: VOC images + labels ->
    foreground masks -> affine pairs -> loss; PF-PASCAL validation keeps the
    best checkpoint."""
    voc, pf = str(tmp_path / 'VOC2012'), str(tmp_path / 'PF_Pascal')
    write_voc(voc)
    os.rename(osp.join(voc, 'ImageSets/Segmentation/trainval.txt'),
              osp.join(voc, 'ImageSets/Segmentation/'
                       'trainval_wo_pf_pascal_test.txt'))
    write_pf_pascal(pf)
    os.rename(osp.join(pf, 'bbox_test_pairs_pf_pascal.csv'),
              osp.join(pf, 'bbox_val_pairs_pf_pascal.csv'))
    config = 'configs/sfnet_corr/' \
        f'sfnet-corr_r101_1xb16-40e_voc-pairs_pf-pascal-320x320{variant}.py'
    work = str(tmp_path / 'work')
    run_tool(['tools/train.py', config, '--work-dir', work,
              '--cfg-options', f'train_dataloader.dataset.data_root={voc}',
              f'val_dataloader.dataset.data_root={pf}',
              'train_dataloader.batch_size=3',
              'train_dataloader.num_workers=0',
              'train_dataloader.persistent_workers=False',
              'val_dataloader.num_workers=0',
              'val_dataloader.persistent_workers=False',
              'train_cfg.max_epochs=1', 'model.backbone.depth=18',
              'model.backbone.init_cfg=None',
              'model.adaptation_channels=[256,512]'])
    assert glob.glob(osp.join(work, 'best_PCK@0.1_epoch_1.pth'))
    log = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))[0]
    with open(log) as f:
        records = [json.loads(line) for line in f]
    assert any('loss_MaskConsistencyLoss' in r for r in records)
    assert any('PCK@0.1' in r for r in records)
