# Copyright (c) mmcorr contributors. All rights reserved.
import datetime
import warnings
from importlib import import_module

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmcorr module so that it registers itself.

    Registries import their ``locations`` lazily, so configs do not need this;
    it is for scripts that use registries directly.

    Args:
        init_default_scope (bool): Also make ``mmcorr`` the default scope.
    """
    for package in ('mmcorr.datasets', 'mmcorr.evaluation', 'mmcorr.models'):
        import_module(package)
    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created('mmcorr'):
        DefaultScope.get_instance('mmcorr', scope_name='mmcorr')
    elif current.scope_name != 'mmcorr':
        warnings.warn(f'The current default scope "{current.scope_name}" is '
                      'not "mmcorr"; a new scope instance is created.')
        name = f'mmcorr-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='mmcorr')
