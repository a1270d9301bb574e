# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptISSegmentor through the multi-view interface: an image with query
points is a one-view sample; both training stages, panoptic inference,
bad input."""
import pytest
import torch
from mmengine.structures import PixelData

from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample

SIZE = (24, 32)


def tiny_model(stage='instances', **test_cfg):
    return MODELS.build(dict(
        type='AdaptISSegmentor',
        backbone=dict(type='AdaptISToyUNet', base_channels=8,
                      max_channels=16, num_stages=2),
        instance_head=dict(type='AdaptISInstanceHead', channels=8,
                           norm_radius=10,
                           controller=dict(type='ConvMapController',
                                           channels=8)),
        semantic_head=dict(type='ConvStackHead', out_channels=2,
                           num_convs=1),
        proposal_head=dict(type='ConvStackHead', out_channels=1,
                           num_convs=1),
        train_cfg=dict(stage=stage),
        test_cfg=dict(test_cfg),
        data_preprocessor=dict(type='MultiViewDataPreprocessor',
                               mean=(127.5, ) * 3, std=(127.5, ) * 3)))


def sample(points=((5.0, 4.0), (20.0, 15.0)), ids=(1, 2)):
    instance_ids = torch.zeros(1, *SIZE, dtype=torch.long)
    instance_ids[0, 2:10, 2:12] = 1
    instance_ids[0, 12:20, 16:28] = 2
    view = ViewDataSample(metainfo=dict(img_shape=SIZE, ori_shape=SIZE))
    view.gt_instance_ids = PixelData(data=instance_ids)
    view.gt_query_points = torch.tensor(points, dtype=torch.float32)
    view.gt_query_ids = torch.tensor(ids, dtype=torch.long)
    return MultiViewDataSample(views=[view])


def batch(model, samples, seed=0):
    gen = torch.Generator().manual_seed(seed)
    images = [torch.randint(0, 256, (1, 3, *SIZE), generator=gen,
                            dtype=torch.uint8) for _ in samples]
    data = model.data_preprocessor(dict(inputs=images,
                                        data_samples=samples), True)
    return data['inputs'], data['data_samples']


def test_instance_stage_losses_and_gradients():
    model = tiny_model()
    model.init_weights()
    inputs, samples = batch(model, [sample(), sample()])
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_instance', 'loss_semantic'}
    sum(losses.values()).backward()
    assert model.backbone.image_bn.weight.grad is not None
    # stage 1 does not train the proposal head
    assert not model.proposal_head.cls.weight.requires_grad
    assert model.proposal_head.cls.weight.grad is None


def test_proposal_stage_trains_only_the_proposal_head():
    model = tiny_model(stage='proposals')
    model.train()
    assert not model.backbone.training and model.proposal_head.training
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(n.startswith('proposal_head.')
                             for n in trainable)
    inputs, samples = batch(model, [sample(ids=(1, 1),
                                           points=((4., 3.), (9., 8.)))])
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_proposal'}
    losses['loss_proposal'].backward()
    assert model.proposal_head.cls.weight.grad is not None


@pytest.mark.parametrize('sampler', ['proposals', 'random'])
def test_predict_writes_a_panoptic_result(sampler):
    model = tiny_model(sampler=sampler, ithresh=0.0, fl_prob=0.0,
                       thresh1=0.1, max_iters=5) if sampler == 'proposals' \
        else tiny_model(sampler=sampler, ithresh=0.0, thresh1=0.1,
                        num_iters=3)
    model.init_weights()
    model.eval()
    inputs, samples = batch(model, [sample()])
    with torch.no_grad():
        out = model(inputs, samples, mode='predict')
    view = out[0].views[0]
    ids = view.pred_instance_ids.data
    assert ids.shape == (1, *SIZE) and ids.dtype == torch.int64
    assert int(ids.max()) == len(view.pred_instance_labels)
    assert view.pred_sem_seg.data.shape == (1, *SIZE)
    assert view.pred_query_logits.shape == (2, *SIZE)


def test_segment_points_and_flip_consistency():
    model = tiny_model().eval()
    images = torch.randn(2, 3, *SIZE)
    points = torch.tensor([[[3.0, 4.0]], [[30.0, 20.0]]])
    out = model.segment_points(images, points)
    assert out['instances'].shape == (2, 1, *SIZE)
    assert out['semantic'].shape == (2, 2, *SIZE)
    assert out['proposals'].shape == (2, 1)


@pytest.mark.parametrize('points,match', [
    (torch.tensor([[[32.0, 4.0]]]), 'outside'),
    (torch.zeros(1, 0, 2), 'no query points'),
    (torch.zeros(1, 2), r'\[B, K, 2\]'),
])
def test_bad_points(points, match):
    model = tiny_model().eval()
    with pytest.raises(ValueError, match=match):
        model.segment_points(torch.randn(1, 3, *SIZE), points)


def test_missing_training_fields_and_uneven_points():
    model = tiny_model()
    bare = sample()
    del bare.views[0].gt_query_ids
    inputs, samples = batch(model, [bare])
    with pytest.raises(ValueError, match='gt_query_ids'):
        model(inputs, samples, mode='loss')
    inputs, samples = batch(model, [sample(), sample(points=((1., 1.), ),
                                                     ids=(0, ))])
    with pytest.raises(ValueError, match='same, non-zero number'):
        model(inputs, samples, mode='loss')


def test_bad_stage():
    with pytest.raises(ValueError, match='stage'):
        tiny_model(stage='both')


def test_instance_id_fields_are_checked():
    view = ViewDataSample()
    with pytest.raises(ValueError, match='integer ids'):
        view.gt_instance_ids = PixelData(data=torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match='int64'):
        view.gt_query_ids = torch.tensor([1.0])


def test_targets_of_points_on_ignored_regions():
    model = tiny_model()
    view = sample(points=((5.0, 4.0), (20.0, 15.0), (30.0, 22.0)),
                  ids=(1, 1, 2)).views[0]
    regions = torch.zeros(1, *SIZE, dtype=torch.long)
    regions[0, 20:24, 26:32] = 1  # a VOID area: region 1
    regions[0, 12:20, 16:28] = 2
    view.gt_ignore_regions = PixelData(data=regions)
    # point 1 (id 1) lies on region 1, not on instance 1
    view.gt_query_ignored = torch.tensor([False, True, False])
    _, masks, _ = model.training_targets([MultiViewDataSample(views=[view])],
                                         SIZE, 'cpu')
    ids = view.gt_instance_ids.data[0]
    assert torch.equal(masks[0, 0], (ids == 1).long())  # an object
    assert torch.equal(masks[0, 2], (ids == 2).long())
    expected = torch.zeros(SIZE, dtype=torch.long)
    expected[20:24, 26:32] = 255  # ignored on its region, 0 elsewhere
    assert torch.equal(masks[0, 1], expected)
    del view.gt_ignore_regions
    with pytest.raises(ValueError, match='gt_ignore_regions'):
        model.training_targets([MultiViewDataSample(views=[view])], SIZE,
                               'cpu')


def test_panoptic_in_crops():
    """A crop as large as the image is the whole-image inference; smaller
    crops cover the image and give a result of its size."""
    from mmcorr.models.instance.adaptis_inference import resolve_test_cfg
    model = tiny_model()
    model.init_weights()
    model.eval()
    image = torch.randn(1, 3, *SIZE)
    settings = dict(sampler='proposals', ithresh=0.0, fl_prob=0.0,
                    thresh1=0.1, max_iters=5)
    whole = model.panoptic(image, resolve_test_cfg(settings))
    same = model.panoptic(image, resolve_test_cfg(dict(settings,
                                                       crop_size=SIZE)))
    for key in whole:
        assert (whole[key] == same[key]).all()
    crops = model.panoptic(image, resolve_test_cfg(dict(settings,
                                                        crop_size=(16, 20))))
    assert crops['instance_ids'].shape == SIZE
    assert crops['semantic'].shape == SIZE
    assert len(crops['instance_labels']) == crops['instance_ids'].max()


@pytest.mark.parametrize('head_type', ['AdaptISInstanceHead',
                                       'AdaptISSepConvInstanceHead'])
def test_shared_first_conv_equals_the_concatenated_input(head_type):
    """The first conv's response to the map, computed once per image and
    added to each point's coordinate response, is the conv of the
    coordinates prepended to the map (float64)."""
    torch.manual_seed(0)
    controller = dict(type='ConvMapController', channels=8) \
        if head_type == 'AdaptISInstanceHead' else \
        dict(type='FCController', layer_channels=(8, 8),
             norm_cfg=dict(type='BN1d'))
    head = MODELS.build(dict(type=head_type, in_channels=6, channels=8,
                             norm_radius=7, controller=controller))
    head = head.double().eval()
    feat = torch.randn(2, 6, 9, 11, dtype=torch.float64)
    points = torch.tensor([[[1.0, 2.0], [8.5, 3.0], [10.0, 8.0]],
                           [[0.0, 0.0], [5.0, 5.0], [3.0, 7.5]]],
                          dtype=torch.float64)
    out = head(feat, points)
    # the direct computation: every point's coordinates prepended
    controller_input = head.controller_input(feat)
    vectors = head.point_vectors(controller_input, points)
    x = head.coords(feat.repeat_interleave(3, dim=0), points.flatten(0, 1))
    x = head.adain(head.pre_adain(x), vectors)
    want = head.logit(head.post_adain(x))
    if head.output_affine is not None:
        want = head.output_affine[0] * want + head.output_affine[1]
    torch.testing.assert_close(out, want, rtol=1e-10, atol=1e-10)
    # states reused across calls give the same maps
    states = head.point_invariant_states(feat)
    torch.testing.assert_close(head(feat, points[:, :1], states),
                               out.view(2, 3, 1, 9, 11)[:, 0])


def test_instance_head_follows_the_segmentor_spatial_scale():
    """Features at half the input size (spatial_scale 0.5): the instance
    head's relative coordinates must be 0 at the clicked point's feature
    pixel. Before, a head without its own spatial_scale kept 1.0 and put
    the origin at twice the point (the Lite0 + FPN configs)."""
    import os.path as osp

    from mmengine.config import Config
    from paths import REPO
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/adaptis/adaptis_efficientnet-lite0-in1k-pre-fpn_'
        '1xb8-1000it_toy-v2-64px.py'))
    cfg.model.backbone.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    head = model.instance_head
    assert head.spatial_scale == 0.5 and head.coords.spatial_scale == 0.5
    maps = head.coords.coord_maps(torch.tensor([[40.0, 20.0]]), (32, 32))
    assert maps[0, 0, 10, 20] == 0 and maps[0, 1, 10, 20] == 0  # (x/2, y/2)
    with pytest.raises(ValueError, match=r'instance_head.spatial_scale '
                       r'\(1.0\) differs'):
        cfg.model.instance_head.spatial_scale = 1.0
        MODELS.build(cfg.model)
