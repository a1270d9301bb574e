# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr: dense correlation and feature alignment on OpenMMLab 2.x."""
import mmcv
import mmengine
from mmengine.utils import digit_version

from .checkpoint_io import install_checkpoint_loaders
from .version import __version__, version_info

MMCV_MIN, MMCV_MAX = '2.0.0rc4', '2.2.0'
MMENGINE_MIN, MMENGINE_MAX = '0.10.0', '1.0.0'


def _check_version(name: str, version: str, low: str, high: str) -> None:
    if not digit_version(low) <= digit_version(version) < digit_version(high):
        raise ImportError(
            f'{name}=={version} is installed, but mmcorr needs '
            f'{low} <= {name} < {high} (see requirements/mminstall.txt).')


_check_version('mmcv', mmcv.__version__, MMCV_MIN, MMCV_MAX)
_check_version('mmengine', mmengine.__version__, MMENGINE_MIN, MMENGINE_MAX)
install_checkpoint_loaders()

__all__ = ['__version__', 'version_info']
