# Copyright (c) mmcorr contributors. All rights reserved.
"""ExactResumeHook on a stand-in runner: the random states saved with a
checkpoint are the states at saving, restored on resume (after the batches
IterBasedTrainLoop replays), not on fine-tuning, kept across validation;
and add_exact_resume_hook adds the hook to a config once."""
import random
from types import SimpleNamespace

import numpy as np
import torch

from mmcorr.engine.hooks.exact_resume_hook import (RANDOM_STATES_KEY,
                                                   ExactResumeHook,
                                                   capture_random_state,
                                                   restore_random_state)


def test_exact_resume_hook_is_added_once():
    from mmengine.config import Config

    from mmcorr.engine import add_exact_resume_hook
    cfg = Config(dict(custom_hooks=[dict(type='EMAHook')]))
    add_exact_resume_hook(cfg)
    add_exact_resume_hook(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == [
        'EMAHook', 'mmcorr.ExactResumeHook']
    cfg = Config(dict(custom_hooks=[dict(type='ExactResumeHook')]))
    add_exact_resume_hook(cfg)
    assert len(cfg.custom_hooks) == 1



def draws():
    """One draw of every generator the hook keeps."""
    return (random.random(), float(np.random.rand()),
            float(torch.rand(1)))


def fake_runner(iteration=0, loop=None):
    warnings = []
    logger = SimpleNamespace(warning=warnings.append)
    return SimpleNamespace(iter=iteration, epoch=0, hooks=[], logger=logger,
                           train_loop=loop or SimpleNamespace(),
                           warnings=warnings)


def test_the_saved_state_is_the_state_at_saving():
    hook = ExactResumeHook()
    checkpoint = {}
    hook.before_save_checkpoint(fake_runner(), checkpoint)
    expected = draws()
    (state, ) = checkpoint[RANDOM_STATES_KEY]
    draws()
    # resumed at iteration 7 with a loop that replays nothing
    hook.after_load_checkpoint(fake_runner(), checkpoint)
    hook.before_train(fake_runner(7))
    assert draws() == expected


def test_fine_tuning_from_a_checkpoint_restores_nothing():
    hook = ExactResumeHook()
    checkpoint = {}
    hook.before_save_checkpoint(fake_runner(), checkpoint)
    saved = draws()
    hook.after_load_checkpoint(fake_runner(), checkpoint)
    hook.before_train(fake_runner(0))  # load_from: counters at zero
    assert draws() != saved


def test_validation_does_not_move_the_training_stream():
    hook = ExactResumeHook()
    state = capture_random_state()
    expected = draws()
    restore_random_state(state)
    hook.before_val(fake_runner())
    draws()  # validation draws
    hook.after_val(fake_runner())
    assert draws() == expected


def test_replayed_batches_come_before_the_restore():
    """IterBasedTrainLoop replays `iter` batches on resume: the state is
    restored after them, before the first batch trained on."""
    hook = ExactResumeHook()
    checkpoint = {}
    hook.before_save_checkpoint(fake_runner(), checkpoint)
    expected = draws()
    batches = iter(range(10))
    loop = SimpleNamespace(dataloader_iterator=batches)
    hook.after_load_checkpoint(fake_runner(), checkpoint)
    hook.before_train(fake_runner(3, loop))
    replayed = [next(loop.dataloader_iterator) for _ in range(3)]
    draws()  # what replaying the data may draw
    assert replayed == [0, 1, 2]
    assert next(loop.dataloader_iterator) == 3
    assert loop.dataloader_iterator is batches
    assert draws() == expected


def test_another_world_size_is_warned_about():
    hook = ExactResumeHook()
    state = capture_random_state()
    hook.after_load_checkpoint(fake_runner(),
                               {RANDOM_STATES_KEY: [state, state]})
    runner = fake_runner(5)
    hook.before_train(runner)
    assert runner.warnings and '2 process(es)' in runner.warnings[0]
