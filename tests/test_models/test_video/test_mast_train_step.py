# Copyright (c) mmcorr contributors. All rights reserved.
"""One official MAST training step (zlai0/MAST ``main.py``), reproduced.

The fixture ``tests/data/mast_train_step.{json,npz}`` was written by
``tools/misc/train_step_fixtures/mast.py`` from the official code: seeded
official weights (``post_convolution`` x 0.15, see the JSON), a batch of 2
clips of 2 seeded 64 x 64 Lab frames, the channel dropped by the official
``dropout2d_lab`` pinned to a (``drop_a``) and to b (``drop_b``), the
official ``compute_lphoto`` loss, ``backward()`` and the Adam step, in
float64. Here the same weights, converted, go into the model built from the
official-recipe config (its loss type and weights, window, channel draw and
optimiser; nothing overridden but float64), which runs
``model(inputs, data_samples, mode='loss')`` on the same batch with the
channel pinned through torch's seed.

The clips have different frame gaps (2 and 8, as the official sampler's
intervals): the official step encodes the whole batch at once whatever the
gaps, and so must mmcorr, or BatchNorm's batch statistics differ (mmcorr
encoded each group of equal gaps apart before: loss 1.3e-3 away, gradients
~100% away).

The data path is checked apart: a seeded PNG through the config's pipeline
and data preprocessor against the official loader (resize: equal; Lab:
mmcorr's documented OpenCV formulas against OpenCV's table-based float
conversion, a bounded difference).
"""
import os.path as osp

import cv2
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.optim import build_optim_wrapper
from parity_rule import seeded_state_dict, seeded_tensor
from paths import REPO
from train_step import (compare_digests, gradient_digest, load_fixture,
                        relative_difference)

from mmcorr.models.converters import convert_mast
from mmcorr.registry import MODELS
from mmcorr.structures import MultiViewDataSample

CONFIG = osp.join(REPO, 'configs', 'mast',
                  'mast_r18_1xb12-pairs-20e_youtube-vos-256x256.py')
RTOL = 1e-6  # float64; measured about 3e-15
#: Fixture entry -> the Lab channel its official step dropped.
ENTRIES = {'drop_a': 1, 'drop_b': 2}
#: The two clips' frame ids (gaps 2 and 8).
FRAME_IDS = ([0, 2], [4, 12])


@pytest.fixture(scope='module')
def fixture():
    return load_fixture('mast')


def official_state(meta):
    state = seeded_state_dict(meta['keys'])
    for key in ('post_convolution.weight', 'post_convolution.bias'):
        state[key] = state[key] * meta['post_convolution_scale']
    return state


def official_names(state):
    """mmcorr parameter / buffer name -> official name (the converter's
    renaming, key by key; it reshapes nothing)."""
    table = {}
    for key in state:
        converted, unused = convert_mast({key: state[key]})
        assert not unused and converted[next(iter(converted))].shape == \
            state[key].shape
        table[next(iter(converted))] = key
    return table


def build_model(meta):
    """The official-recipe config's model in float64, converted weights."""
    cfg = Config.fromfile(CONFIG)
    model = MODELS.build(cfg.model).double()
    state = official_state(meta)
    converted, unused = convert_mast(state)
    assert not unused
    model.load_state_dict(converted, strict=True)
    return model.train(), cfg, official_names(state)


def batch():
    """The fixture's clips: ``[2, 2, 3, 64, 64]`` and their samples."""
    frames = [seeded_tensor(f'input.lab{i}', (2, 3, 64, 64),
                            'input').float().double() for i in range(2)]
    samples = [MultiViewDataSample(metainfo=dict(frame_ids=ids))
               for ids in FRAME_IDS]
    return torch.stack(frames, 1), samples


def seed_for(model, channel, batch_size=2):
    """A torch seed whose draw (``model.draw_channels``) drops
    ``channel`` in every clip."""
    for seed in range(100):
        torch.manual_seed(seed)
        if model.draw_channels(batch_size).tolist() == [channel] * batch_size:
            return seed
    raise AssertionError(f'no seed draws channel {channel}')


def run_step(model, cfg, channel):
    """``mode='loss'`` with ``channel`` drawn, backward: the losses, the
    memory read at 1/4 (``[2, 1, 16, 16]``) and the optimiser wrapper."""
    frames, samples = batch()
    reads = []

    def keep_read(module, args, out):
        reads.append(out.detach().clone())  # returns None: output kept

    hook = model.memory_reader.register_forward_hook(keep_read)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    torch.manual_seed(seed_for(model, channel))
    losses = model(frames, samples, mode='loss')
    hook.remove()
    total = sum(losses.values())
    total.backward()
    # one read per group of equal gaps, here one clip each, in clip order
    return losses, total, torch.cat(reads), optim_wrapper


@pytest.mark.parametrize('entry', list(ENTRIES))
def test_official_training_step_reproduced(fixture, entry):
    meta, expected = fixture
    model, cfg, names = build_model(meta)
    losses, total, quarter, optim_wrapper = run_step(model, cfg,
                                                     ENTRIES[entry])
    assert set(losses) == {'loss_reconstruction'}
    for term, value in (('reconstruction', losses['loss_reconstruction']),
                        ('total', total)):
        diff = relative_difference(expected[f'loss/{entry}/{term}'],
                                   value.item())
        assert diff <= RTOL, (term, diff)
    assert relative_difference(
        expected[f'tensor/{entry}/prediction_quarter'], quarter) <= RTOL
    grads = {names[k]: p.grad for k, p in model.named_parameters()}
    report = compare_digests(expected,
                             gradient_digest(grads, f'grad/{entry}'), RTOL,
                             f'grad/{entry}')
    print(f'{entry}: largest gradient difference {max(report.values()):.3g}'
          f' ({max(report, key=report.get)})')


def test_official_optimiser_step_and_statistics(fixture):
    """Adam(1e-3, betas 0.9/0.999) from the config's optim_wrapper, one
    step; BN running statistics after the encoder's two calls."""
    meta, expected = fixture
    model, cfg, names = build_model(meta)
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    _, _, _, optim_wrapper = run_step(model, cfg, ENTRIES['drop_a'])
    assert optim_wrapper.get_lr()['lr'] == [1e-3]
    optim_wrapper.step()
    step = {names[k]: p.detach() - before[k]
            for k, p in model.named_parameters()}
    compare_digests(expected, gradient_digest(step, 'step/drop_a'), RTOL,
                    'step/drop_a')
    buffers = {names[k]: v for k, v in model.state_dict().items()
               if k.endswith(('running_mean', 'running_var'))}
    compare_digests(expected, gradient_digest(buffers, 'buffer/drop_a'),
                    RTOL, 'buffer/drop_a')
    counts = {int(v) for k, v in model.state_dict().items()
              if k.endswith('num_batches_tracked')}
    assert counts == {int(expected['tensor/drop_a/num_batches_tracked'])}


def test_channel_draw_per_batch_as_official_per_clip_by_default():
    meta, _ = load_fixture('mast')
    model, _, _ = build_model(meta)
    assert model.train_cfg['one_channel_per_batch']  # the recipe's choice
    draws = []
    for seed in range(20):
        torch.manual_seed(seed)
        draws.append(model.draw_channels(6).tolist())
    assert all(len(set(d)) == 1 for d in draws)
    assert {d[0] for d in draws} == {1, 2}
    model.train_cfg['one_channel_per_batch'] = False  # mmcorr's default
    mixed = []
    for seed in range(20):
        torch.manual_seed(seed)
        mixed.append(model.draw_channels(6).tolist())
    assert any(len(set(d)) == 2 for d in mixed)
    assert {c for d in mixed for c in d} == {1, 2}


def test_gaps_do_not_split_the_encoder_batch(fixture):
    """The same clips with equal gaps (one memory read) or different ones
    (two reads) give the same loss: one BN batch either way."""
    meta, _ = fixture
    model, _, _ = build_model(meta)
    frames, _ = batch()
    channels = torch.tensor([1, 1])
    results = []
    for ids in (([0, 2], [4, 6]), FRAME_IDS):
        samples = [MultiViewDataSample(metainfo=dict(frame_ids=list(i)))
                   for i in ids]
        with torch.no_grad():
            pred, truth = model.reconstruct(frames, channels, samples)
        results.append(pred)
    torch.testing.assert_close(results[0], results[1], rtol=0, atol=1e-12)


def seeded_png(path, meta):
    """The fixture's data-path image, as its generator writes it."""
    assert meta['data_path']['image'].startswith(
        'seeded_tensor("input.bgr_image", (48, 40, 3)')
    noise = seeded_tensor('input.bgr_image', (48, 40, 3), 'input')
    image = (127.5 + 64 * noise).round().clamp(0, 255).to(torch.uint8)
    cv2.imwrite(str(path), image.numpy())


def test_data_path_against_the_official_loader(fixture, tmp_path):
    meta, expected = fixture
    seeded_png(tmp_path / 'frame.png', meta)
    cfg = Config.fromfile(CONFIG)
    pipeline = Compose(cfg.train_dataloader.dataset.pipeline)
    sample = pipeline(dict(views=[dict(img_path=str(tmp_path / 'frame.png'))],
                           sample_idx=0, video='v', frame_ids=[0]))
    assert sample['inputs'].shape == (1, 3, 256, 256)
    # the resize: float, as the official image_loader (float / 255, then
    # cv2.resize): equal to float32 rounding
    bgr = sample['inputs'][0].permute(1, 2, 0)[::4, ::4] / 255
    assert relative_difference(expected['data/official_bgr_every4'],
                               bgr) <= 1e-6
    # the Lab conversion and normalisation: mmcorr computes OpenCV's
    # documented formulas, OpenCV 4's float cv2.COLOR_BGR2Lab interpolates
    # tables: measured on this noise image, normalised units, max (mean)
    # L 3.9e-3 (1.7e-3), a 2.4e-3 (6e-4), b 2.2e-3 (6e-4), i.e. at most
    # 0.2 L and 0.3 a/b units
    preprocessor = MODELS.build(cfg.model.data_preprocessor)
    lab = preprocessor(pseudo_collate([sample]), True)['inputs'][0, 0]
    diff = (lab[:, ::4, ::4].double() -
            torch.from_numpy(expected['data/official_lab_every4'])).abs()
    assert (diff.amax((1, 2)) <= torch.tensor([5e-3, 3e-3, 3e-3],
                                              dtype=diff.dtype)).all()
    assert (diff.mean((1, 2)) <= torch.tensor([2e-3, 1e-3, 1e-3],
                                              dtype=diff.dtype)).all()
