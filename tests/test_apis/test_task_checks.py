# Copyright (c) mmcorr contributors. All rights reserved.
"""Every inference API refuses another task's model up front, naming the
model, what it is and the API that fits it."""
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmcorr.apis import (detect_cosaliency, match_images, propagate_masks,
                         segment_instances)
from mmcorr.apis.inference import check_task, model_task
from mmcorr.registry import MODELS
from mmcorr.utils import register_all_modules

register_all_modules()
PREPROCESSOR = dict(type='MultiViewDataPreprocessor')


def build(name):
    return MODELS.build(dict(type=name, data_preprocessor=PREPROCESSOR))


@pytest.fixture(scope='module')
def models():
    return dict(correspondence=build('IdentityMatcher'),
                cosaliency=build('SISMBaseline'),
                video=build('FirstMaskCopy'))


def test_each_model_knows_its_task(models):
    for task, model in models.items():
        assert model_task(model) == task
    assert model_task(torch.nn.Linear(2, 2)) == ''


def test_apis_refuse_other_tasks(models):
    image = np.zeros((16, 16, 3), np.uint8)
    with pytest.raises(TypeError, match=r'match_images needs an image-pair '
                       r'correspondence model, got FirstMaskCopy \(a video '
                       r'mask-propagation model\); for it use '
                       r'propagate_masks'):
        match_images(models['video'], image, image)
    with pytest.raises(TypeError, match=r'detect_cosaliency needs a '
                       r'co-saliency model, got IdentityMatcher .*use '
                       r'match_images'):
        detect_cosaliency(models['correspondence'], [image, image])
    with pytest.raises(TypeError, match=r'propagate_masks needs a video '
                       r'mask-propagation model, got SISMBaseline'):
        propagate_masks(models['cosaliency'], [image], np.zeros((16, 16),
                                                                np.uint8))
    with pytest.raises(TypeError, match=r'segment_instances needs a '
                       r'point-driven instance segmentation model, got '
                       r'IdentityMatcher'):
        segment_instances(models['correspondence'], image)
    with pytest.raises(TypeError, match="not a model mmcorr knows"):
        check_task(torch.nn.Linear(2, 2), 'video', 'propagate_masks')


def test_first_mask_copy_propagates_through_the_api(models):
    """The copy baseline answers the propagation API too."""
    frames = [np.full((16, 16, 3), v, np.uint8) for v in (10, 50, 90)]
    mask = np.zeros((16, 16), np.uint8)
    mask[4:9, 5:12] = 2
    model = models['video']
    model.cfg = Config(dict(test_pipeline=[
        dict(type='ForEachView', transforms=[
            dict(type='LoadCheckedImage'), dict(type='LoadObjectIdMap')]),
        dict(type='PackMultiViewInputs')]))
    out = propagate_masks(model, frames, mask)
    assert len(out) == 3 and all(np.array_equal(m, mask) for m in out)
