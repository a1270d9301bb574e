# Copyright (c) mmcorr contributors. All rights reserved.
"""MASTVideoSegmentor through the multi-view interface: a clip is one
sample; the self-supervised loss, propagation and its memory schedule."""
import pytest
import torch
from mmengine.structures import PixelData

from mmcorr.models.video import drop_colour_channel, one_hot_labels
from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample, ViewDataSample

SIZE = (32, 40)


def tiny_model(**test_cfg):
    return MODELS.build(dict(
        type='MASTVideoSegmentor',
        backbone=dict(type='ResNet18Stride4',
                      stage_channels=(8, 16, 16, 16)),
        key_channels=8,
        train_cfg=dict(window_size=5),
        test_cfg=dict(window_size=5, **test_cfg),
        data_preprocessor=dict(type='MultiViewDataPreprocessor',
                               color_space='lab', bgr_to_rgb=True,
                               mean=(50, 0, 0), std=(50, 127, 127))))


def clip(num_frames=3, frame_ids=None, first_mask=None, seed=0):
    gen = torch.Generator().manual_seed(seed)
    views = [ViewDataSample(metainfo=dict(img_shape=SIZE, ori_shape=SIZE))
             for _ in range(num_frames)]
    if first_mask is None:
        first_mask = torch.zeros(1, *SIZE, dtype=torch.long)
        first_mask[:, 8:20, 10:22] = 1
        first_mask[:, 22:30, 25:38] = 2
    views[0].gt_sem_seg = PixelData(data=first_mask)
    metainfo = {} if frame_ids is None else dict(frame_ids=frame_ids)
    frames = torch.randint(0, 256, (num_frames, 3, *SIZE), generator=gen,
                           dtype=torch.uint8)
    return dict(inputs=[frames],
                data_samples=[MultiViewDataSample(views=views,
                                                  metainfo=metainfo)])


def batch(*clips):
    return dict(inputs=[c['inputs'][0] for c in clips],
                data_samples=[c['data_samples'][0] for c in clips])


def test_drop_colour_channel_zeroes_one_of_a_b_per_clip():
    frames = torch.ones(2, 3, 3, 4, 4)
    out = drop_colour_channel(frames, torch.tensor([1, 2]))
    assert (out[0, :, 1] == 0).all() and (out[0, :, [0, 2]] == 1.5).all()
    assert (out[1, :, 2] == 0).all() and (out[1, :, [0, 1]] == 1.5).all()


def test_loss_backward_with_mixed_gaps():
    model = tiny_model()
    data = model.data_preprocessor(
        batch(clip(2, frame_ids=[0, 5]), clip(2, frame_ids=[3, 5], seed=1),
              clip(2, frame_ids=[0, 40], seed=2)), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_reconstruction'}
    assert losses['loss_reconstruction'] > 0
    losses['loss_reconstruction'].backward()
    assert model.key_proj.weight.grad.abs().sum() > 0
    assert model.backbone.stem.conv.weight.grad.abs().sum() > 0


def test_loss_needs_two_frames():
    model = tiny_model()
    data = model.data_preprocessor(clip(1), True)
    with pytest.raises(ValueError, match='at least 2 frames'):
        model(**data, mode='loss')


def test_memory_schedule_is_mast_s():
    model = tiny_model()
    assert model.memory_indices(1) == [0]
    assert model.memory_indices(2) == [0, 1]
    assert model.memory_indices(6) == [0, 1, 3, 5]
    assert model.memory_indices(7) == [0, 2, 4, 5, 6]
    assert model.memory_indices(32) == [0, 5, 27, 29, 31]


def test_predict_propagates_the_first_mask_and_forgets_old_keys():
    model = tiny_model().eval()
    seen = []
    read = model.read_memory

    def spy(query, keys, values, indices, current, window_size=None):
        seen.append((list(indices), current))
        return read(query, keys, values, indices, current, window_size)

    model.read_memory = spy
    data = model.data_preprocessor(clip(9))
    with torch.no_grad():
        samples = model(**data, mode='predict')
    views = samples[0].views
    assert len(views) == 9 and seen[-1] == ([0, 3, 5, 7], 8)
    first = data['data_samples'][0].views[0].gt_sem_seg.data
    assert torch.equal(views[0].pred_sem_seg.data, first)
    for view in views[1:]:
        assert view.pred_sem_seg.data.shape == (1, *SIZE)
        assert set(view.pred_sem_seg.data.unique().tolist()) <= {0, 1, 2}


def test_static_clip_of_a_flat_scene_keeps_the_mask():
    """Identical frames of a constant image: every window cell scores the
    same, so each pixel averages the labels of its window (zero outside);
    away from object borders the mask is kept exactly."""
    model = tiny_model().eval()
    frames = [torch.zeros(1, 3, *SIZE)] * 4
    first = torch.zeros(1, 1, *SIZE, dtype=torch.long)
    first[:, :, 8:28, 8:32] = 1
    with torch.no_grad():
        labels = model.propagate(frames, first)
    inner = (slice(None), slice(None), slice(14, 22), slice(14, 26))
    for out in labels[1:]:
        assert (out[inner] == 1).all()
        assert (out[:, :, :2] == 0).all()


def test_one_hot_labels_refuses_ids_out_of_range():
    assert one_hot_labels(torch.tensor([[[[0, 3]]]]), 4).shape == (1, 4, 1, 2)
    with pytest.raises(ValueError, match='label ids'):
        one_hot_labels(torch.tensor([[[[0, 4]]]]), 4)


def test_empty_first_mask_propagates_background():
    model = tiny_model().eval()
    data = model.data_preprocessor(
        clip(3, first_mask=torch.zeros(1, *SIZE, dtype=torch.long)))
    with torch.no_grad():
        samples = model(**data, mode='predict')
    assert all((v.pred_sem_seg.data == 0).all() for v in samples[0].views)


def test_predict_needs_a_first_mask_and_colour_frames():
    model = tiny_model().eval()
    data = model.data_preprocessor(clip(2))
    del data['data_samples'][0].views[0].gt_sem_seg
    with pytest.raises(ValueError, match='no gt_sem_seg'):
        model(**data, mode='predict')
    with pytest.raises(ValueError, match=r'takes \[B, 3, H, W\]'):
        model.extract_keys(torch.zeros(1, 1, *SIZE))


def test_loss_uses_every_clip_of_the_batch():
    """Without data samples every clip counts (not only the first)."""
    model = tiny_model().train()
    torch.manual_seed(0)
    frames = [torch.randn(3, 3, 16, 16) for _ in range(2)]
    base = model.loss(frames, None, {})['loss_reconstruction']
    torch.manual_seed(0)
    changed = [f.clone() for f in frames]
    changed[1][2] += 3.0  # only the last clip's target frame
    assert model.loss(changed, None, {})['loss_reconstruction'] != base


def test_reconstruct_returns_the_dropped_channel_of_the_last_frame():
    model = tiny_model().eval()
    frames = torch.randn(2, 2, 3, 16, 16)
    with torch.no_grad():
        pred, truth = model.reconstruct(frames, torch.tensor([1, 2]))
    assert pred.shape == truth.shape == (2, 1, 16, 16)
    assert torch.equal(truth[0, 0], frames[0, 1, 1])
    assert torch.equal(truth[1, 0], frames[1, 1, 2])
    with pytest.raises(ValueError, match='at least 2 frames'):
        model.reconstruct(frames[:, :1], torch.tensor([1, 2]))


def test_frames_of_different_sizes_are_refused():
    model = tiny_model().eval()
    data = model.data_preprocessor(clip(3))
    data['data_samples'][0].views[2].set_metainfo(dict(img_shape=(30, 40)))
    with pytest.raises(ValueError, match='frame 2 is'):
        model(**data, mode='predict')


def test_void_and_non_consecutive_ids_in_the_first_mask():
    """Void (255) is background; ids 0, 3 propagate as 0 and 3 (absent ids
    stay absent)."""
    model = tiny_model().eval()
    mask = torch.zeros(1, *SIZE, dtype=torch.long)
    mask[:, 8:20, 10:22] = 3
    mask[:, 0, :] = 255
    data = model.data_preprocessor(clip(3, first_mask=mask))
    with torch.no_grad():
        samples = model(**data, mode='predict')
    for view in samples[0].views[1:]:
        assert set(view.pred_sem_seg.data.unique().tolist()) <= {0, 3}


def test_one_frame_clip_predicts_its_mask():
    model = tiny_model().eval()
    data = model.data_preprocessor(clip(1))
    with torch.no_grad():
        samples = model(**data, mode='predict')
    first = data['data_samples'][0].views[0].gt_sem_seg.data
    assert torch.equal(samples[0].views[0].pred_sem_seg.data, first)
