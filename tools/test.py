# Copyright (c) mmcorr contributors. All rights reserved.
"""Test a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [options]``.

The arguments are those of mmseg 1.x's ``tools/test.py`` plus
``--metrics-file`` (default ``<work_dir>/metrics.json``), ``--unsafe-load`` and
``--non-strict``: a checkpoint whose keys or shapes do not fit the model is
refused unless ``--non-strict`` is given.
"""
import argparse
import json
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmcorr.engine import load_model_checkpoint
from mmcorr.utils.cli import (add_runner_args, config_from_args,
                              parse_runner_args)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a model checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        help='checkpoint file, "none" for a model without parameters '
        '(a baseline such as IdentityMatcher), or "init" for the model as '
        'its config initialises it (ImageNet weights in init_cfg, untrained '
        'layers random)')
    parser.add_argument(
        '--out',
        type=str,
        help='the directory to save output predictions for offline '
        'evaluation, in the field\'s format (segmentation: IoUMetric\'s '
        'PNGs; pairs: matched points as JSON; co-saliency: 8-bit PNG maps; '
        'video: DAVIS-indexed PNGs; instances: COCO panoptic PNG + JSON)')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved (below the '
        'work_dir/timestamp folder if relative)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--tta', action='store_true', help='test time augmentation')
    parser.add_argument(
        '--fuse-conv-bn',
        action='store_true',
        help='fold each BatchNorm into the convolution applied right before '
        'it (where exact: mmcorr.models.layers.fuse_conv_bn), for speed')
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='load a checkpoint whose keys or shapes differ from the model '
        '(only the matching weights; the rest is listed as a warning). By '
        'default such a checkpoint is refused')
    parser.add_argument(
        '--metrics-file',
        help='where to write the metrics as JSON '
        '(default: <work_dir>/metrics.json)')
    add_runner_args(parser)
    return parse_runner_args(parser, argv)


def config_task(cfg) -> str:
    """The task of the config's model class (``MultiViewModel.task``;
    ``'segmentation'`` for an mmseg segmentor), without building it."""
    from mmengine.registry import init_default_scope

    from mmcorr.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'mmcorr'))
    model_cls = MODELS.get(cfg.model['type'])
    task = getattr(model_cls, 'task', '')
    if not task and 'decode_head' in cfg.model:
        task = 'segmentation'
    return task


def trigger_visualization_hook(cfg, args, task: str) -> None:
    """``--show`` / ``--show-dir``: mmseg's SegVisualizationHook for
    segmentation, the task's visualizer and MultiViewVisualizationHook for
    the multi-view tasks."""
    from mmcorr.visualization import TASK_VISUALIZERS
    hooks = cfg.default_hooks
    if task in TASK_VISUALIZERS:
        cfg.visualizer = dict(type=TASK_VISUALIZERS[task],
                              vis_backends=[dict(type='LocalVisBackend')],
                              name='visualizer')
        hooks.visualization = dict(type='MultiViewVisualizationHook')
    elif 'visualization' not in hooks:
        raise RuntimeError(
            f'--show/--show-dir: no visualizer for a model of task {task!r} '
            'and no visualization hook in default_hooks, e.g. '
            "visualization=dict(type='SegVisualizationHook')")
    hooks.visualization.draw = True
    if args.show:
        hooks.visualization.show = True
        hooks.visualization.wait_time = args.wait_time
    if args.show_dir:
        cfg.visualizer.save_dir = args.show_dir


def trigger_prediction_output(cfg, args, task: str) -> None:
    """``--out DIR``: IoUMetric's own files for segmentation, the task's
    format (PredictionWriterHook) for the multi-view tasks."""
    if task == 'segmentation':
        evaluators = cfg.test_evaluator if isinstance(
            cfg.test_evaluator, list) else [cfg.test_evaluator]
        for evaluator in evaluators:
            if evaluator.get('type') == 'IoUMetric':
                evaluator.output_dir = args.out
                evaluator.keep_results = True
        return
    if not task:
        raise RuntimeError('--out: the model has no known task, so no '
                           'prediction format')
    cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
        dict(type='PredictionWriterHook', out_dir=args.out)]


def _jsonable(value):
    if hasattr(value, 'tolist'):  # numpy / torch values
        return value.tolist()
    return value


def main(argv=None):
    args = parse_args(argv)
    cfg = config_from_args(args)
    no_checkpoint = args.checkpoint.lower() == 'none'
    # the config's own initialisation (e.g. ImageNet weights in init_cfg)
    init_only = args.checkpoint.lower() == 'init'
    # loaded below, strictly, instead of by the runner (which is lenient)
    cfg.load_from = None
    task = config_task(cfg)
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args, task)
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        trigger_prediction_output(cfg, args, task)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)
    if no_checkpoint and any(True for _ in runner.model.parameters()):
        raise ValueError(
            f'{type(runner.model).__name__} has parameters: give the '
            'checkpoint to test ("none" is only for parameter-free models)')
    if init_only:
        print_log('testing the config\'s initialisation (init_cfg), no '
                  'trained checkpoint', logger='current')
        runner.model.init_weights()
    elif not no_checkpoint:
        load_model_checkpoint(
            runner.model, args.checkpoint, strict=not args.non_strict)
    if args.fuse_conv_bn:
        from mmcorr.models.layers import fuse_conv_bn
        runner.model.eval()
        fuse_conv_bn(runner.model)
    metrics = runner.test()
    if is_main_process():
        path = args.metrics_file or osp.join(cfg.work_dir, 'metrics.json')
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with open(path, 'w') as f:
            json.dump({k: _jsonable(v) for k, v in metrics.items()}, f,
                      indent=2)
        print(f'metrics written to {path}')


if __name__ == '__main__':
    main()
