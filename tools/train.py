# Copyright (c) mmcorr contributors. All rights reserved.
"""Train a model: ``python tools/train.py CONFIG [--work-dir DIR] [--resume] ...``.

The arguments are those of mmseg 1.x's ``tools/train.py`` plus
``--unsafe-load``. Every run gets :class:`mmcorr.engine.ExactResumeHook`, so
that ``--resume`` continues exactly. Distributed runs (``--launcher pytorch``,
see ``tools/dist_train.sh``) also work on CPU, over gloo.
"""
import argparse
import logging

from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmcorr.engine import add_exact_resume_hook, find_resume_checkpoint
from mmcorr.utils.cli import (add_runner_args, config_from_args,
                              parse_runner_args)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    add_runner_args(parser)
    return parse_runner_args(parser, argv)


def enable_amp(cfg) -> None:
    optim_wrapper = cfg.optim_wrapper.type
    if optim_wrapper == 'AmpOptimWrapper':
        print_log(
            'AMP training is already enabled in your config.',
            logger='current',
            level=logging.WARNING)
        return
    if optim_wrapper != 'OptimWrapper':
        raise ValueError('`--amp` is only supported when the optimizer '
                         'wrapper type is `OptimWrapper`, but got '
                         f'{optim_wrapper!r}.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'


def resolve_resume(cfg, resume: bool) -> None:
    """``--resume`` without ``load_from``: the newest intact checkpoint of the
    work_dir (falling back past a truncated one, saying so), or a fresh
    start when there is none."""
    cfg.resume = resume or cfg.get('resume', False)
    if not cfg.resume or cfg.get('load_from') is not None:
        return
    found = find_resume_checkpoint(cfg.work_dir)
    if found is None:
        print_log(
            f'--resume: no checkpoint to resume from in {cfg.work_dir!r}; '
            'training from the start',
            logger='current',
            level=logging.WARNING)
        cfg.resume = False
    else:
        print_log(f'--resume: resuming from {found}', logger='current')
        cfg.load_from = found


def main(argv=None):
    args = parse_args(argv)
    cfg = config_from_args(args)
    if args.amp:
        enable_amp(cfg)
    resolve_resume(cfg, args.resume)
    add_exact_resume_hook(cfg)
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
