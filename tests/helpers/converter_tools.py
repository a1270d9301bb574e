# Copyright (c) mmcorr contributors. All rights reserved.
"""The scripts of ``tools/model_converters``, imported as modules."""
import importlib.util
import os.path as osp

from paths import REPO

TOOLS = osp.join(REPO, 'tools', 'model_converters')


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name,
                                                  osp.join(TOOLS, f'{name}.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool
