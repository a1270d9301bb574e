# Copyright (c) mmcorr contributors. All rights reserved.
"""Arguments and config handling shared by ``tools/train.py`` and ``tools/test.py``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from mmcorr.checkpoint_io import set_unsafe_checkpoint_loading
from mmcorr.utils.cpu_distributed import prepare_cpu_distributed


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir --cfg-options --launcher --local-rank --unsafe-load``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--unsafe-load',
        action='store_true',
        help='allow checkpoints to unpickle arbitrary objects (they can run '
        'code); only for files you trust')
    # torch.distributed.launch passes --local-rank, older versions --local_rank
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runner_args(parser: argparse.ArgumentParser, argv=None):
    """Parse ``argv`` and export ``LOCAL_RANK`` as mmengine expects."""
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def config_from_args(args) -> Config:
    """Load ``args.config`` and apply the shared command-line settings.

    work_dir priority: ``--work-dir`` > config > ``./work_dirs/<config name>``.
    On a machine without CUDA a distributed launcher gets gloo and DDP without
    ``device_ids`` (see :func:`mmcorr.utils.prepare_cpu_distributed`).
    """
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.unsafe_load or cfg.get('unsafe_checkpoint_loading', False):
        set_unsafe_checkpoint_loading(True)
    return prepare_cpu_distributed(cfg, args.launcher)


def write_image(path: str, image) -> str:
    """:func:`mmcorr.fileio.write_image` that prints what it wrote (for the
    demo scripts)."""
    from mmcorr.fileio import write_image as write
    write(path, image)
    print(f'wrote {path}')
    return path


def checkpoint_arg(checkpoint: str, what: str = 'results'):
    """A demo's CHECKPOINT argument: a file that must exist, or ``none``
    (any case) for the config's initialisation, which is warned about on
    stdout and as a ``UserWarning``. Returns the path or ``None``."""
    import warnings
    if checkpoint.lower() == 'none':
        message = ("CHECKPOINT is 'none': running with the config's "
                   f'initialisation; the {what} are meaningless')
        warnings.warn(message)
        print(f'WARNING: {message}')
        return None
    if not osp.isfile(checkpoint):
        raise SystemExit(f'checkpoint file {checkpoint!r} does not exist '
                         "(pass 'none' for the config's initialisation)")
    return checkpoint
