# Copyright (c) mmcorr contributors. All rights reserved.
"""Distributed training on CPU (gloo) through mmengine 0.10.7's Runner.

Out of the box the Runner cannot run DDP without CUDA: ``init_dist`` calls
``torch.cuda.set_device``, ``wrap_model`` passes ``device_ids=[LOCAL_RANK]``
(rejected by DDP for CPU modules), mmseg's runtime asks for ``nccl``, and
``SyncBN`` refuses CPU tensors. :func:`prepare_cpu_distributed` fixes all four
without patching mmengine: it initialises the gloo process group itself (the
Runner then skips ``init_dist``) and edits the config.
"""
import os
import subprocess
import warnings
from typing import Any

import torch
import torch.distributed as dist
from mmengine.config import Config, ConfigDict

__all__ = ['prepare_cpu_distributed', 'replace_sync_bn']


def _set_env_from_slurm() -> None:
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
    if 'MASTER_ADDR' not in os.environ:
        nodes = subprocess.check_output(
            ['scontrol', 'show', 'hostname', os.environ['SLURM_NODELIST']],
            text=True)
        os.environ['MASTER_ADDR'] = nodes.split()[0]
    os.environ.setdefault('MASTER_PORT', '29500')


def _set_env_from_mpi() -> None:
    os.environ.setdefault('RANK', os.environ['OMPI_COMM_WORLD_RANK'])
    os.environ.setdefault('WORLD_SIZE', os.environ['OMPI_COMM_WORLD_SIZE'])
    os.environ.setdefault('LOCAL_RANK',
                          os.environ['OMPI_COMM_WORLD_LOCAL_RANK'])
    if 'MASTER_ADDR' not in os.environ:
        raise KeyError('MPI launch needs MASTER_ADDR in the environment')
    os.environ.setdefault('MASTER_PORT', '29500')


def _init_gloo(launcher: str, timeout: Any = None) -> None:
    if launcher == 'slurm':
        _set_env_from_slurm()
    elif launcher == 'mpi':
        _set_env_from_mpi()
    elif launcher != 'pytorch':
        raise ValueError(f'unknown launcher {launcher!r}; expected one of '
                         "'pytorch', 'slurm', 'mpi'")
    missing = [
        k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
        if k not in os.environ
    ]
    if missing:
        raise KeyError(f'launcher {launcher!r} needs {missing} in the '
                       'environment; start the job with torchrun '
                       '(tools/dist_train.sh) or srun (tools/slurm_train.sh)')
    os.environ.setdefault('LOCAL_RANK', os.environ['RANK'])
    kwargs = {} if timeout is None else {'timeout': timeout}
    dist.init_process_group('gloo', init_method='env://', **kwargs)


def replace_sync_bn(model_cfg: Any) -> int:
    """Replace every ``type='SyncBN'`` in a model config by ``'BN'``, in place.

    Returns:
        int: How many norm configs were replaced.
    """
    count = 0
    if isinstance(model_cfg, dict):
        if model_cfg.get('type') in ('SyncBN', 'MMSyncBN'):
            model_cfg['type'] = 'BN'
            count += 1
        for value in model_cfg.values():
            count += replace_sync_bn(value)
    elif isinstance(model_cfg, (list, tuple)):
        for value in model_cfg:
            count += replace_sync_bn(value)
    return count


def prepare_cpu_distributed(cfg: Config, launcher: str) -> Config:
    """Make ``cfg`` trainable with DDP on CPU; a no-op with CUDA or no launcher.

    Initialises the gloo process group from the launcher's environment, sets
    ``env_cfg.dist_cfg.backend='gloo'``, makes the DDP wrapper run without
    ``device_ids``, replaces ``SyncBN`` by ``BN`` with a warning, and adds
    mmengine's ``SyncBuffersHook`` so that every rank validates and ends
    training with the same (rank-averaged) BN statistics.

    Args:
        cfg (Config): The full runner config; edited in place and returned.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return cfg
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        if isinstance(timeout, int):
            from datetime import timedelta
            timeout = timedelta(seconds=timeout)
        _init_gloo(launcher, timeout)
    env_cfg = cfg.setdefault('env_cfg', ConfigDict())
    env_cfg.setdefault('dist_cfg', ConfigDict())['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or ConfigDict(
        type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if replace_sync_bn(cfg.model):
        warnings.warn('SyncBN does not run on CPU: replaced by BN for this '
                      'CPU distributed run; BN statistics are averaged over '
                      'ranks before validation and at the end of training.')
    hooks = cfg.get('custom_hooks') or []
    if not any(h.get('type') == 'SyncBuffersHook' for h in hooks):
        cfg.custom_hooks = [*hooks, ConfigDict(type='SyncBuffersHook')]
    return cfg
