# Copyright (c) mmcorr contributors. All rights reserved.
"""Fixtures of the apis tests: a tiny SemanticFlowMatcher and its config."""
import pytest
from correspondence_fixtures import MODEL_BASE, pipeline_text, write_config

from mmcorr.apis import init_model


@pytest.fixture(scope='module')
def sfnet_config(tmp_path_factory):
    """A tiny SemanticFlowMatcher (ResNet-18, random weights) whose test
    pipeline resizes to 64 x 64 and pads 16 px: a 96 x 96 input, 6 x 6
    grids."""
    folder = tmp_path_factory.mktemp('sfnet_config')
    return write_config(
        folder, 'tiny_sfnet',
        f'_base_ = [{MODEL_BASE!r}]\n'
        'model = dict(backbone=dict(depth=18, init_cfg=None),\n'
        '             adaptation_channels=(256, 512))\n' +
        pipeline_text('dict(type="RecordedResize", scale=(64, 64)), '
                      'dict(type="RecordedPad", padding=16)'))


@pytest.fixture(scope='module')
def sfnet(sfnet_config):
    return init_model(sfnet_config)
