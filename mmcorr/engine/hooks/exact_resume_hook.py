# Copyright (c) mmcorr contributors. All rights reserved.
"""What a checkpoint needs so that a resumed run continues exactly."""
import random
from typing import List, Optional

import numpy as np
import torch
from mmengine.dist import (all_gather_object, all_reduce_params, get_dist_info,
                           is_distributed)
from mmengine.hooks import CheckpointHook, Hook
from mmengine.model import is_model_wrapper

from mmcorr.registry import HOOKS

#: where the per-rank random states live in a checkpoint
RANDOM_STATES_KEY = 'random_states'


def capture_random_state() -> dict:
    """This process's random generators: Python, NumPy, torch (and CUDA)."""
    state = {
        'python': random.getstate(),
        'numpy': np.random.get_state(),
        'torch': torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_random_state(state: dict) -> None:
    """Inverse of :func:`capture_random_state`."""
    random.setstate(_as_python_state(state['python']))
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def _as_python_state(state):
    """``random.setstate`` wants tuples; a checkpoint may hold lists."""
    version, internal, gauss = state
    return version, tuple(internal), gauss


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Make ``--resume`` continue a run as if it had never stopped.

    mmengine saves the weights, optimizer, schedulers and counters, but not
    what the data augmentations and the model draw from, nor every rank's
    buffers. This hook adds them:

    * **Random states**, per rank: Python's ``random``, NumPy's global
      generator, torch's CPU (and CUDA) generators, captured right before
      :class:`~mmengine.hooks.CheckpointHook` saves, and stored as
      ``checkpoint['random_states']`` (a list indexed by rank). On resume
      they are restored where the uninterrupted run would be: at the start
      of the next epoch (epoch-based loops), or right after mmengine's
      iteration-based loop has replayed the dataloader to its position.
    * **Buffers** (BatchNorm statistics): in a distributed run each rank's
      buffers drift apart between synchronisations, and the checkpoint holds
      rank 0's. Before every checkpoint they are averaged over the ranks (as
      ``SyncBuffersHook`` does at each epoch end), so every rank restarts
      from the state it had.
    * **Validation** runs inside the training loop do not consume the
      training random streams (they are saved before and restored after), so
      a checkpoint taken before validation holds the state the next
      training step starts from.

    Exactness holds for checkpoints written by ``CheckpointHook`` at its
    interval (an epoch end for epoch-based loops, any iteration for
    iteration-based loops) with the same number of processes. Added to
    every training run by ``tools/train.py``.
    """

    priority = 'LOW'  # after SyncBuffersHook (NORMAL), before CheckpointHook

    def __init__(self) -> None:
        self._pending: Optional[List[dict]] = None
        self._resumed: Optional[List[dict]] = None
        self._val_state: Optional[dict] = None

    # ------------------------------------------------------------ saving
    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if self._checkpoint_due(runner, by_epoch=False):
            self._prepare(runner)

    def after_train_epoch(self, runner) -> None:
        if self._checkpoint_due(runner, by_epoch=True):
            self._prepare(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        states = self._pending
        self._pending = None
        if states is None:  # a save outside CheckpointHook's schedule
            states = [capture_random_state()]
        checkpoint[RANDOM_STATES_KEY] = states

    @staticmethod
    def _checkpoint_due(runner, by_epoch: bool) -> bool:
        """Whether a CheckpointHook saves at this point (its own rule)."""
        for hook in runner.hooks:
            if not isinstance(hook, CheckpointHook) or hook.by_epoch != \
                    by_epoch:
                continue
            if by_epoch:
                due = hook.every_n_epochs(runner, hook.interval,
                                          hook.save_begin)
                last = hook.is_last_train_epoch(runner)
            else:
                due = hook.every_n_train_iters(runner, hook.interval,
                                               hook.save_begin)
                last = hook.is_last_train_iter(runner)
            if due or (hook.save_last and last):
                return True
        return False

    def _prepare(self, runner) -> None:
        """On every rank: average buffers, gather the random states."""
        if is_distributed():
            all_reduce_params(_unwrap(runner.model).buffers(), op='mean')
            self._pending = all_gather_object(capture_random_state())
        else:
            self._pending = [capture_random_state()]

    # ---------------------------------------------------------- resuming
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # also called for `load_from` (fine-tuning); applied only when the
        # run turns out to be resumed (its counters are then non-zero)
        self._resumed = checkpoint.get(RANDOM_STATES_KEY)

    def before_train(self, runner) -> None:
        states, self._resumed = self._resumed, None
        if not states or (runner.iter == 0 and runner.epoch == 0):
            return
        rank, world_size = get_dist_info()
        if len(states) != world_size:
            runner.logger.warning(
                f'the checkpoint holds the random states of {len(states)} '
                f'process(es), this run has {world_size}: the resumed run '
                'will not repeat the uninterrupted one exactly')
            if rank >= len(states):
                return
        state = states[rank]
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator') and runner.iter > 0:
            # IterBasedTrainLoop replays `iter` batches first
            loop.dataloader_iterator = _RestoreAfterReplay(
                loop, state, runner.iter)
        else:
            restore_random_state(state)

    # -------------------------------------------------------- validation
    def before_val(self, runner) -> None:
        self._val_state = capture_random_state()

    def after_val(self, runner) -> None:
        if self._val_state is not None:
            restore_random_state(self._val_state)
            self._val_state = None


def add_exact_resume_hook(cfg) -> None:
    """Append :class:`ExactResumeHook` to ``cfg.custom_hooks`` unless the
    config has one (``tools/train.py`` does this for every run)."""
    hooks = list(cfg.get('custom_hooks', None) or [])
    names = {str(h.get('type', '')).split('.')[-1] for h in hooks}
    if 'ExactResumeHook' not in names:
        hooks.append(dict(type='mmcorr.ExactResumeHook'))
    cfg.custom_hooks = hooks


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


class _RestoreAfterReplay:
    """Stand-in for the loop's dataloader iterator: lets mmengine replay
    ``replayed`` batches, restores the random state, then puts the real
    iterator back before the first batch that is trained on."""

    def __init__(self, loop, state: dict, replayed: int) -> None:
        self._loop = loop
        self._iterator = loop.dataloader_iterator
        self._state = state
        self._left = replayed

    def __iter__(self):
        return self

    def __next__(self):
        if self._left == 0:
            restore_random_state(self._state)
            self._loop.dataloader_iterator = self._iterator
            return next(self._iterator)
        self._left -= 1
        return next(self._iterator)

    def __getattr__(self, name):
        return getattr(self._iterator, name)
