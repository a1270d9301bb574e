# Copyright (c) mmcorr contributors. All rights reserved.
"""Command-line pieces shared by the tool tests."""


def data_options(root):
    """``--cfg-options`` entries pointing every dataloader at ``root``."""
    return [f'{loader}.dataset.data_root={root}'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')]
