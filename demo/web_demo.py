# Copyright (c) mmcorr contributors. All rights reserved.
"""A page in the browser, one tab per task: click points on an image and
see where they land on another; upload a group and see its co-salient
maps; upload a video, click the object in the first frame (or drag a box)
and watch it propagate; click objects and get one mask per click and the
panoptic result.

Usage::

    python demo/web_demo.py [--work-root work_dirs/demo] \
        [--model TASK=CONFIG:CHECKPOINT ...] [--port 7860] [--device cpu]

then open http://127.0.0.1:7860. By default each task loads the model
``make demo`` trained under ``--work-root`` (SFNet on frozen Lite0, ICNet
on frozen Lite0 with the uploaded saliency maps, else frequency-tuned
SISMs (weak: docs/inference.md), MAST on Lite0, AdaptIS on
Lite0 with its proposal head); ``--model`` names another (TASK is
correspondence, cosaliency, video or instances; CHECKPOINT may be
``none`` for the config's initialisation). A task without a model answers
with a message saying how to give one. Served by the standard library's
HTTP server (mmcorr.apis.web_demo): nothing to install, no network.
"""
import argparse
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

#: task -> (config, the make-demo run folder holding its checkpoint,
#: cfg_options).
DEFAULTS = {
    'correspondence': (
        'configs/sfnet_corr/sfnet-corr_efficientnet-lite0-in1k-frozen_'
        '1xb16-400it_photo-objects-160x160.py',
        'sfnet-corr_efficientnet-lite0-in1k-frozen_1xb16-400it_'
        'photo-objects-160x160_seed-0', {}),
    'cosaliency': (
        'configs/icnet/icnet_efficientnet-lite0-in1k-frozen-gn_1xg6-800it-bf16_'
        'photo-groups-256x256.py',
        'icnet_efficientnet-lite0-in1k-frozen-gn_1xg6-800it-bf16_'
        'photo-groups-256x256_seed-0',
        {'model.sism_model': dict(type='FrequencyTunedSaliency')}),
    'video': (
        'configs/mast/mast_efficientnet-lite0-in1k-pre_1xb8-300it-bf16_'
        'photo-videos-96x128.py',
        'mast_efficientnet-lite0-in1k-pre_1xb8-300it-bf16_'
        'photo-videos-96x128_seed-0', {}),
    'instances': (
        'configs/adaptis/adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-200it-'
        'proposals_toy-v2-64px.py',
        'adaptis_efficientnet-lite0-in1k-pre-fpn_1xb8-1000it_toy-v2-64px_'
        'seed-0/proposals', {}),
}


def model_arg(text: str):
    """``TASK=CONFIG:CHECKPOINT`` -> ``(task, config, checkpoint)``."""
    try:
        task, rest = text.split('=', 1)
        config, checkpoint = rest.rsplit(':', 1)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'--model is TASK=CONFIG:CHECKPOINT, got {text!r}')
    return task, config, checkpoint


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-root', default='work_dirs/demo',
                        help="where `make demo` left its runs")
    parser.add_argument('--model', type=model_arg, action='append',
                        default=[], metavar='TASK=CONFIG:CHECKPOINT')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=7860)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def default_models(work_root: str) -> dict:
    """The make-demo checkpoints that exist: task -> (config, checkpoint,
    options)."""
    models = {}
    for task, (config, run, options) in DEFAULTS.items():
        marker = osp.join(work_root, run, 'last_checkpoint')
        if osp.isfile(marker):
            with open(marker) as f:
                models[task] = (osp.join(REPO, config), f.read().strip(),
                                options)
    return models


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmcorr.apis.web_demo import TASKS, DemoModels, serve
    models = default_models(args.work_root)
    for task, config, checkpoint in args.model:
        if task not in TASKS:
            print(f'web_demo.py: error: unknown task {task!r} (one of '
                  f'{", ".join(TASKS)})', file=sys.stderr)
            return 2
        if not osp.isfile(config):
            print(f'web_demo.py: error: config file {config!r} does not '
                  'exist', file=sys.stderr)
            return 2
        if checkpoint.lower() != 'none' and not osp.isfile(checkpoint):
            print(f'web_demo.py: error: checkpoint file {checkpoint!r} does '
                  "not exist (or 'none')", file=sys.stderr)
            return 2
        options = DEFAULTS[task][2]
        models[task] = (config, None if checkpoint.lower() == 'none' else
                        checkpoint, options)
    missing = sorted(set(TASKS) - set(models))
    if missing:
        print(f'no model for {", ".join(missing)}: run `make demo` or give '
              '--model TASK=CONFIG:CHECKPOINT', flush=True)
    server = serve(DemoModels(models, args.device), args.host, args.port)
    host, port = server.server_address[:2]
    print(f'mmcorr demo on http://{host}:{port} (Ctrl-C stops it)',
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
