# Copyright (c) mmcorr contributors. All rights reserved.
"""Print the environment: ``python -m mmcorr.utils.collect_env``."""
from mmengine.utils import get_git_hash
from mmengine.utils.dl_utils import collect_env as collect_base_env

import mmcorr


def collect_env() -> dict:
    """Versions of the stack, and whether mmcv's compiled ops are present."""
    env = collect_base_env()
    import mmcv
    import mmseg
    env['MMCV'] = mmcv.__version__
    try:
        from mmcv.utils import ext_loader
        ext_loader.load_ext('_ext', ['correlation_forward'])
        env['MMCV compiled ops'] = True
    except (ImportError, AssertionError, AttributeError):
        env['MMCV compiled ops'] = False
    env['MMSegmentation'] = mmseg.__version__
    env['mmcorr'] = f'{mmcorr.__version__}+{get_git_hash(digits=7)}'
    return env


if __name__ == '__main__':
    for name, value in collect_env().items():
        print(f'{name}: {value}')
