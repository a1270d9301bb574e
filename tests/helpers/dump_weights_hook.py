# Copyright (c) mmcorr contributors. All rights reserved.
"""A hook that saves each rank's final model state, for the DDP test."""
import os
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmcorr.registry import HOOKS


@HOOKS.register_module(force=True)
class DumpRankWeightsHook(Hook):

    def __init__(self, out_dir):
        self.out_dir = out_dir

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save(model.state_dict(),
                   osp.join(self.out_dir, f'rank{get_rank()}.pth'))
