# Copyright (c) mmcorr contributors. All rights reserved.
from .collect_env import collect_env
from .cpu_distributed import prepare_cpu_distributed, replace_sync_bn
from .setup_env import register_all_modules

__all__ = [
    'collect_env', 'register_all_modules', 'prepare_cpu_distributed',
    'replace_sync_bn'
]
