# Copyright (c) mmcorr contributors. All rights reserved.
"""The MultiViewModel base: view split, mode dispatch, predictions written
into multi-view samples, and the mmengine steps through the data
preprocessor."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.structures import PixelData

from mmcorr.models import MultiViewModel
from mmcorr.structures import MultiViewDataSample, ViewDataSample


class TinyModel(MultiViewModel):
    """Records what each method receives; predicts a label map, logits and
    a score per view and one value per sample."""

    def __init__(self, num_views=None, data_preprocessor=None):
        super().__init__(data_preprocessor=data_preprocessor)
        self.num_views = num_views
        self.weight = torch.nn.Parameter(torch.ones(()))
        self.calls = []

    def _forward(self, views, extras):
        self.calls.append(('tensor', views, extras))
        return [v * self.weight for v in views]

    def loss(self, views, data_samples, extras):
        self.calls.append(('loss', views, data_samples, extras))
        return dict(loss=sum((v * self.weight).mean() for v in views))

    def predict(self, views, data_samples, extras):
        self.calls.append(('predict', views, data_samples, extras))
        logits = torch.stack([v[:, :2] for v in views], 1)  # [B, N, 2, H, W]
        return self.write_predictions(
            data_samples,
            sample_fields=dict(pred_total=torch.stack(
                [v.sum((1, 2, 3)) for v in views], 1).sum(1)),
            view_fields=dict(seg_logits=logits,
                             pred_sem_seg=logits.argmax(2, keepdim=True),
                             pred_score=logits.mean((2, 3, 4))))


def batch(b=2, n=3, c=3, h=4, w=5):
    return torch.arange(b * n * c * h * w, dtype=torch.float32).view(
        b, n, c, h, w)


def samples(b=2, n=3):
    return [MultiViewDataSample(views=[ViewDataSample() for _ in range(n)])
            for _ in range(b)]


def test_split_views():
    model = TinyModel()
    inputs = batch()
    views = model.split_views(inputs)
    assert len(views) == 3
    for i, view in enumerate(views):
        assert view.shape == (2, 3, 4, 5)
        assert torch.equal(view, inputs[:, i])
    # any number of views when num_views is None
    assert len(model.split_views(batch(n=7))) == 7
    assert len(model.split_views(batch(n=1))) == 1
    with pytest.raises(ValueError, match=r'TinyModel takes inputs \[B, N, '
                       r'C, H, W\] \(N views\), got \(2, 3, 4, 5\)'):
        model.split_views(torch.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match=r'got list'):
        model.split_views([torch.zeros(2, 3, 4, 5)])
    pairs = TinyModel(num_views=2)
    with pytest.raises(ValueError, match=r'takes 2 views per sample, got 3 '
                       r'\(inputs \(2, 3, 3, 4, 5\)\)'):
        pairs.split_views(batch())
    assert len(pairs.split_views(batch(n=2))) == 2


def test_mode_dispatch():
    model = TinyModel()
    inputs, data_samples = batch(), samples()
    extra = torch.rand(2, 3, 1, 4, 5)
    out = model(inputs, data_samples, 'tensor', dict(saliency=extra))
    mode, views, extras = model.calls[-1]
    assert mode == 'tensor'
    assert all(torch.equal(v, inputs[:, i]) for i, v in enumerate(views))
    assert set(extras) == {'saliency'} and len(extras['saliency']) == 3
    assert all(torch.equal(e, extra[:, i])
               for i, e in enumerate(extras['saliency']))
    assert len(out) == 3
    # tensor is the default mode; no extras -> an empty dict
    model(inputs)
    assert model.calls[-1][0] == 'tensor' and model.calls[-1][2] == {}
    losses = model(inputs, data_samples, 'loss')
    mode, views, passed, extras = model.calls[-1]
    assert mode == 'loss' and passed is data_samples and extras == {}
    assert set(losses) == {'loss'}
    predicted = model(inputs, data_samples, 'predict', dict(saliency=extra))
    mode, views, passed, extras = model.calls[-1]
    assert mode == 'predict' and passed is data_samples
    assert predicted is data_samples
    assert len(extras['saliency']) == 3
    with pytest.raises(ValueError, match="unknown mode 'logits'"):
        model(inputs, data_samples, 'logits')
    # the view check comes first in every mode
    with pytest.raises(ValueError, match='takes 2 views'):
        TinyModel(num_views=2)(inputs, data_samples, 'loss')


def test_predict_without_data_samples_creates_them():
    model = TinyModel()
    inputs = batch(b=3, n=4)
    created = model(inputs, None, 'predict')
    assert len(created) == 3
    for sample in created:
        assert isinstance(sample, MultiViewDataSample)
        assert len(sample) == 4
        assert all(type(v) is ViewDataSample for v in sample.views)
        assert 'pred_total' in sample
        assert all('pred_sem_seg' in v for v in sample.views)
    # distinct objects, not one sample repeated
    assert created[0] is not created[1]
    assert created[0].views[0] is not created[0].views[1]


def test_write_predictions():
    model = TinyModel()
    inputs, data_samples = batch(), samples()
    data_samples[0].views[1].set_metainfo(dict(img_shape=(4, 5)))
    model(inputs, data_samples, 'predict')
    logits = torch.stack([inputs[:, i, :2] for i in range(3)], 1)
    for b, sample in enumerate(data_samples):
        # a sample field: entry b of the batched value
        assert torch.equal(sample.pred_total, inputs[b].sum())
        for n, view in enumerate(sample.views):
            # maps become PixelData (mmseg's per-view fields)
            assert isinstance(view.seg_logits, PixelData)
            assert torch.equal(view.seg_logits.data, logits[b, n])
            assert isinstance(view.pred_sem_seg, PixelData)
            assert torch.equal(view.pred_sem_seg.data,
                               logits[b, n].argmax(0, keepdim=True))
            # other view fields stay as they are
            assert torch.is_tensor(view.pred_score)
            assert view.pred_score == logits[b, n].mean()
    # metainfo is kept
    assert data_samples[0].views[1].img_shape == (4, 5)


def test_write_predictions_directly():
    data_samples = samples(b=2, n=2)
    out = MultiViewModel.write_predictions(
        data_samples,
        sample_fields=dict(pred_grid_s2t=torch.zeros(2, 3, 3, 2)),
        view_fields=dict(pred_sem_seg=torch.ones(2, 2, 1, 4, 4,
                                                 dtype=torch.long)))
    assert out is data_samples
    assert data_samples[1].pred_grid_s2t.shape == (3, 3, 2)
    assert data_samples[1].target.pred_sem_seg.data.shape == (1, 4, 4)
    # nothing to write: the samples unchanged
    assert MultiViewModel.write_predictions(data_samples) is data_samples


def test_the_base_is_abstract():
    with pytest.raises(TypeError, match='abstract'):
        MultiViewModel()


def test_mmengine_steps_through_the_data_preprocessor():
    """test_step / val_step / train_step: the preprocessor's output
    (inputs, data_samples, extra_inputs) reaches the right method."""
    model = TinyModel(num_views=2, data_preprocessor=dict(
        type='MultiViewDataPreprocessor', mean=None, std=None,
        bgr_to_rgb=False, size_divisor=4))
    images = [torch.randint(0, 256, (2, 3, 6, 7), dtype=torch.uint8)
              for _ in range(2)]
    data = dict(inputs=images, data_samples=samples(b=2, n=2),
                extra_inputs=dict(mask=[torch.ones(2, 1, 6, 7)] * 2))
    results = model.test_step(data)
    mode, views, passed, extras = model.calls[-1]
    assert mode == 'predict'
    assert views[0].shape == (2, 3, 8, 8)
    assert torch.equal(views[1][0, :, :6, :7], images[0][1].float())
    assert extras['mask'][0].shape == (2, 1, 8, 8)
    assert len(results) == 2
    assert results[0].views[0].pad_shape == (8, 8)
    assert isinstance(results[1].target.pred_sem_seg, PixelData)
    assert len(model.val_step(data)) == 2
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log_vars = model.train_step(data, wrapper)
    assert model.calls[-1][0] == 'loss'
    assert set(log_vars) == {'loss'}
    assert model.weight.item() != 1  # one SGD step
