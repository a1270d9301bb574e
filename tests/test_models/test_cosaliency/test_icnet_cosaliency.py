# Copyright (c) mmcorr contributors. All rights reserved.
"""ICNetCoSaliency through the multi-view model interface: a group is one
sample, SISMs are the extra input `sism`; loss, backward and predict."""
import pytest
import torch
from mmengine.structures import PixelData

from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample

SIZE = (64, 64)


def tiny_model():
    return MODELS.build(dict(
        type='ICNetCoSaliency', backbone=dict(type='VGG16PrePoolTaps'),
        input_size=SIZE,
        data_preprocessor=dict(type='MultiViewDataPreprocessor')))


def group(num_views=3):
    gen = torch.Generator().manual_seed(0)
    views = []
    for _ in range(num_views):
        view = ViewDataSample(metainfo=dict(img_shape=SIZE, ori_shape=SIZE))
        view.gt_sem_seg = PixelData(
            data=(torch.rand(1, *SIZE, generator=gen) > 0.5).long())
        views.append(view)
    inputs = torch.randint(0, 256, (num_views, 3, *SIZE), generator=gen,
                           dtype=torch.uint8)
    sisms = torch.rand(num_views, 1, *SIZE, generator=gen)
    return dict(inputs=[inputs], data_samples=[
        MultiViewDataSample(views=views)], extra_inputs=dict(sism=[sisms]))


def test_loss_backward_and_predict():
    model = tiny_model()
    data = model.data_preprocessor(group(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_iou'} and 0 < losses['loss_iou'] < 1
    losses['loss_iou'].backward()
    assert model.decoder1.predict.weight.grad is not None
    model.eval()
    with torch.no_grad():
        samples = model(**model.data_preprocessor(group()), mode='predict')
    view = samples[0].views[2]
    assert view.pred_saliency.data.shape == (1, *SIZE)
    assert view.pred_sem_seg.data.shape == (1, *SIZE)
    assert ((view.pred_saliency.data > 0) & (view.pred_saliency.data < 1)).all()


def test_sisms_are_required():
    model = tiny_model()
    data = group()
    del data['extra_inputs']
    with pytest.raises(KeyError, match="extra input 'sism'"):
        model(**model.data_preprocessor(data), mode='tensor')


def test_decoder_guidance_is_an_explicit_option():
    """The official network gates every decoder block with the stride-8
    map; 'previous' (not official) uses each block's predecessor."""
    torch.manual_seed(0)
    official = tiny_model().eval()
    torch.manual_seed(0)
    progressive = MODELS.build(dict(
        type='ICNetCoSaliency', backbone=dict(type='VGG16PrePoolTaps'),
        input_size=SIZE, decoder_guidance='previous')).eval()
    progressive.load_state_dict(official.state_dict())
    images = torch.rand(3, 3, *SIZE)
    sisms = torch.rand(3, 1, *SIZE)
    with torch.no_grad():
        first = official.group_maps(images, sisms)
        second = progressive.group_maps(images, sisms)
    torch.testing.assert_close(first[1], second[1])  # stride 4: same guide
    assert not torch.allclose(first[3], second[3])
    with pytest.raises(ValueError, match='decoder_guidance'):
        MODELS.build(dict(type='ICNetCoSaliency', decoder_guidance='x',
                          backbone=dict(type='VGG16PrePoolTaps')))
