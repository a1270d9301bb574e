# Copyright (c) mmcorr contributors. All rights reserved.
"""The registered inferencers end to end on baselines whose answers are
known (identity matching, the SISMs themselves, the copied first mask) and
on tiny random models: inputs of every kind, predictions in the images'
pixels, files in each field's format, pictures, and clear errors."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmcorr.apis import (CorrespondenceInferencer, CoSaliencyInferencer,
                         PointInstanceInferencer, SegmentationInferencer,
                         VideoPropagationInferencer, mask_from_box,
                         mask_from_points)
from mmcorr.evaluation import read_id_png
from mmcorr.registry import INFERENCERS
from paths import REPO

IDENTITY = osp.join(REPO, 'configs/sfnet_corr/'
                    'identity-baseline_photo-objects-160x160.py')
SISMS = osp.join(REPO, 'configs/icnet/sism-baseline_photo-groups-128x128.py')
COPY = osp.join(REPO, 'configs/mast/first-mask-copy_photo-videos-96x128.py')
ADAPTIS = osp.join(REPO, 'configs/adaptis/'
                   'adaptis_toy-unet_1xb8-800it_toy-v2-64px.py')
FPN = osp.join(REPO, 'configs/fpn/fpn_r18-w32_1xb8-2k_shape-scenes-128x128.py')
SFNET = osp.join(REPO, 'configs/sfsegnet/'
                 'sfnet_r18-w32_1xb8-2k_shape-scenes-128x128.py')


def image(shape, seed=0):
    return np.random.default_rng(seed).integers(
        0, 256, (*shape, 3), dtype=np.uint8)


def square_scene(shape=(60, 80), box=(20, 15, 30, 25)):
    """A grey image with a saturated square (x, y, w, h) and its mask."""
    img = np.full((*shape, 3), 90, np.uint8)
    noise = np.random.default_rng(3).integers(0, 20, img.shape, np.uint8)
    img = img + noise
    x, y, w, h = box
    img[y:y + h, x:x + w] = (30, 40, 230)
    mask = np.zeros(shape, np.uint8)
    mask[y:y + h, x:x + w] = 1
    return img, mask


def test_every_task_has_a_registered_inferencer():
    names = {'CorrespondenceInferencer', 'CoSaliencyInferencer',
             'VideoPropagationInferencer', 'PointInstanceInferencer',
             'SegmentationInferencer'}
    INFERENCERS.import_from_location()
    assert names <= set(INFERENCERS.module_dict)


def test_correspondence_inferencer(tmp_path):
    with pytest.warns(UserWarning, match='no checkpoint'):
        inferencer = CorrespondenceInferencer(IDENTITY, show_progress=False)
    src, tgt = image((48, 64), 1), image((48, 64), 2)
    cv2.imwrite(str(tmp_path / 'a.png'), src)
    cv2.imwrite(str(tmp_path / 'b.png'), tgt)
    points = np.array([[10.0, 12.0], [40.5, 30.0]])
    out = inferencer([(str(tmp_path / 'a.png'), str(tmp_path / 'b.png')),
                      dict(source=src, target=tgt)],
                     points=points, out_dir=str(tmp_path / 'out'))
    assert len(out['predictions']) == 2
    for prediction in out['predictions']:
        # identity matching between images of one size: points stay
        np.testing.assert_allclose(prediction['transferred'], points,
                                   atol=0.6)
        assert prediction['correspondence'].src_shape == (48, 64)
    with open(tmp_path / 'out' / 'pred' / 'a_b.json') as f:
        written = json.load(f)
    assert written['source_points'] == points.tolist()
    assert written['source_shape'] == [48, 64]
    assert (tmp_path / 'out' / 'vis' / 'a_b.png').is_file()
    assert (tmp_path / 'out' / 'pred' / '00001.json').is_file()
    picture = out['visualization'][0]
    assert picture.ndim == 3 and picture.dtype == np.uint8
    with pytest.raises(TypeError, match='dict\\(source='):
        inferencer([src])
    with pytest.raises(KeyError, match="'target'"):
        inferencer(dict(source=src))
    with pytest.raises(FileNotFoundError, match='pair 1 target'):
        inferencer([(src, tgt), (src, str(tmp_path / 'missing.png'))])
    with pytest.raises(ValueError, match=r'\(K, 2\)'):
        inferencer((src, tgt), points=[1, 2, 3])


def write_group(folder, sizes=((40, 56), (48, 48), (36, 60))):
    images, sisms = folder / 'img', folder / 'sism'
    images.mkdir(parents=True)
    sisms.mkdir()
    maps = []
    for i, shape in enumerate(sizes):
        cv2.imwrite(str(images / f'im{i}.jpg'), image(shape, i))
        ramp = np.tile(np.linspace(0, 255, shape[1]), (shape[0], 1))
        maps.append(ramp.astype(np.uint8))
        cv2.imwrite(str(sisms / f'im{i}.png'), maps[-1])
    return str(images), str(sisms), maps


def test_cosaliency_inferencer_on_the_sism_baseline(tmp_path):
    """The SISM baseline answers its input maps: they come back at each
    image's size (through the test pipeline's resize and back)."""
    images, sisms, maps = write_group(tmp_path)
    inferencer = CoSaliencyInferencer(SISMS, show_progress=False)
    out = inferencer(images, sisms=sisms, out_dir=str(tmp_path / 'out'))
    (prediction, ) = out['predictions']
    assert prediction['names'] == ['im0', 'im1', 'im2']
    for got, given in zip(prediction['maps'], maps):
        assert got.shape == given.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, given / 255, atol=0.03)
    written = cv2.imread(str(tmp_path / 'out' / 'pred' / 'img' / 'im1.png'),
                         cv2.IMREAD_UNCHANGED)
    assert written.shape == (48, 48) and written.dtype == np.uint8
    assert (tmp_path / 'out' / 'vis' / 'img.png').is_file()
    # two groups, SISMs per group
    two = inferencer([images, images], sisms=[sisms, sisms])
    assert len(two['predictions']) == 2
    with pytest.raises(ValueError, match='one entry per group'):
        inferencer([images, images], sisms=sisms)
    with pytest.raises(ValueError, match='group 0 is empty'):
        inferencer([[]])
    with pytest.raises(ValueError, match='no sisms given'):
        inferencer(images)
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='holds no image'):
        inferencer(str(empty), sisms=sisms)


def write_clip(folder, frames):
    folder.mkdir(parents=True)
    for t, frame in enumerate(frames):
        cv2.imwrite(str(folder / f'{t:05d}.png'), frame)
    return str(folder)


def test_video_inferencer_with_a_mask_clicks_or_a_box(tmp_path):
    img, mask = square_scene()
    frames = [np.roll(img, 2 * t, axis=1) for t in range(4)]
    clip = write_clip(tmp_path / 'clip', frames)
    inferencer = VideoPropagationInferencer(COPY, show_progress=False)
    out = inferencer(clip, first_mask=mask, out_dir=str(tmp_path / 'out'))
    masks = out['predictions'][0]['masks']
    assert len(masks) == 4 and all(np.array_equal(m, mask) for m in masks)
    written = read_id_png(str(tmp_path / 'out' / 'pred' / 'clip' /
                              '00003.png'))
    np.testing.assert_array_equal(written, mask)
    assert (tmp_path / 'out' / 'vis' / 'clip.gif').is_file()
    for prompt in (dict(points=[[35, 27], [30, 20]]),
                   dict(box=(15, 10, 40, 35))):
        found = inferencer(frames, **prompt)['predictions'][0]['masks'][0]
        iou = (found & mask).sum() / (found | mask).sum()
        assert iou > 0.8, prompt
    with pytest.raises(ValueError, match='exactly one of'):
        inferencer(clip)
    with pytest.raises(ValueError, match='exactly one of'):
        inferencer(clip, first_mask=mask, box=(1, 1, 5, 5))
    with pytest.raises(ValueError, match='needs at least 2'):
        inferencer(frames[:1], first_mask=mask)
    with pytest.raises(ValueError, match='outside'):
        inferencer(frames, points=[[500, 5]])
    bad = tmp_path / 'not_a_video.mp4'
    bad.write_bytes(b'not a video')
    with pytest.raises(ValueError, match='no frame could be decoded'):
        inferencer(str(bad), first_mask=mask)


def test_video_file_input(tmp_path):
    img, mask = square_scene((64, 80))
    path = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (80, 64))
    for t in range(3):
        writer.write(np.roll(img, t, axis=1))
    writer.release()
    inferencer = VideoPropagationInferencer(COPY, show_progress=False)
    out = inferencer(path, first_mask=mask, out_dir=str(tmp_path / 'out'))
    assert len(out['predictions'][0]['masks']) == 3
    assert (tmp_path / 'out' / 'pred' / 'clip' / '00002.png').is_file()


def test_prompts_find_the_object():
    img, mask = square_scene()
    for found in (mask_from_box(img, (15, 10, 40, 35)),
                  mask_from_points(img, [[35, 27]])):
        assert found.dtype == np.uint8
        assert (found & mask).sum() / (found | mask).sum() > 0.8
    with pytest.raises(ValueError, match='at least one click'):
        mask_from_points(img, [])
    with pytest.raises(ValueError, match='does not cover'):
        mask_from_box(img, (200, 10, 5, 5))


@pytest.fixture(scope='module')
def adaptis_inferencer():
    options = dict(model=dict(
        backbone=dict(base_channels=8, max_channels=16, num_stages=2),
        instance_head=dict(channels=8, controller=dict(channels=8)),
        test_cfg=dict(max_iters=3, use_flip=False)))
    torch.manual_seed(0)
    return PointInstanceInferencer(ADAPTIS, cfg_options=options,
                                   show_progress=False)


def test_point_instance_inferencer(adaptis_inferencer, tmp_path):
    img = image((40, 52), 4)
    cv2.imwrite(str(tmp_path / 'toy.png'), img)
    clicks = [[5, 6], [30.5, 20]]
    out = adaptis_inferencer(str(tmp_path / 'toy.png'), points=clicks,
                             out_dir=str(tmp_path / 'out'))
    prediction = out['predictions'][0]
    assert prediction['instance_ids'].shape == (40, 52)
    assert prediction['point_probs'].shape == (2, 40, 52)
    np.testing.assert_allclose(prediction['points'], clicks, atol=1e-4)
    with open(tmp_path / 'out' / 'pred' / 'panoptic.json') as f:
        index = json.load(f)
    (entry, ) = index['annotations']
    assert entry['file_name'] == 'toy.png'
    assert (tmp_path / 'out' / 'pred' / 'panoptic' / 'toy.png').is_file()
    assert (tmp_path / 'out' / 'pred' / 'toy_point1.png').is_file()
    assert (tmp_path / 'out' / 'vis' / 'toy.png').is_file()
    with pytest.raises(ValueError, match='outside'):
        adaptis_inferencer(img, points=[[52, 3]])
    with pytest.raises(ValueError, match='one \\(K, 2\\) entry per image'):
        adaptis_inferencer([img, img], points=clicks)


def test_a_click_on_background_gets_an_empty_mask():
    from mmcorr.apis.inferencers.instance import clear_background_clicks
    semantic = np.zeros((10, 12), np.int64)
    semantic[2:6, 3:9] = 1  # a thing class (one stuff class: 0)
    probs = np.full((2, 10, 12), 0.9, np.float32)
    prediction = dict(semantic=semantic, points=np.array([[4., 3.], [0, 9]]),
                      point_probs=probs, point_masks=probs > 0.5)
    assert clear_background_clicks(prediction, num_stuff=1) == [1]
    assert prediction['point_masks'][0].all()
    assert not prediction['point_masks'][1].any()
    assert not prediction['point_probs'][1].any()
    assert clear_background_clicks(dict(semantic=semantic), 1) == []


def test_segmentation_inferencer_on_an_alignment_config(tmp_path):
    inferencer = SegmentationInferencer(SFNET)
    img = image((50, 70), 5)
    out = inferencer(img, out_dir=str(tmp_path / 'out'))
    assert out['predictions'].shape == (50, 70)
    assert os.listdir(tmp_path / 'out' / 'vis')
    grey = tmp_path / 'grey.png'  # read as colour, as cv2 reads it
    cv2.imwrite(str(grey), img[..., 0])
    assert inferencer(str(grey))['predictions'].shape == (50, 70)
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'\x89PNG not really')
    with pytest.raises(ValueError, match='could not decode'):
        inferencer(str(corrupt))
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8'):
        inferencer(img[..., :2])


def test_segmentation_checkpoint_meta_names_the_classes(tmp_path):
    """A runner's checkpoint carries the dataset's whole metainfo
    (label_map...): the visualizer gets its classes and palette."""
    plain = SegmentationInferencer(SFNET)
    classes = [f'shape{i}' for i in range(8)]
    palette = [[20 * i, 20 * i, 20 * i] for i in range(8)]
    meta = dict(dataset_meta=dict(classes=classes, palette=palette,
                                  label_map=None, reduce_zero_label=False))
    checkpoint = str(tmp_path / 'sfnet.pth')
    torch.save(dict(state_dict=plain.model.state_dict(), meta=meta),
               checkpoint)
    inferencer = SegmentationInferencer(SFNET, checkpoint)
    assert list(inferencer.visualizer.dataset_meta['classes']) == classes
    out = inferencer(image((30, 40), 7), out_dir=str(tmp_path / 'out'))
    assert out['predictions'].shape == (30, 40)


def test_another_tasks_config_is_refused():
    with pytest.raises(TypeError, match='CoSaliencyInferencer needs'):
        CoSaliencyInferencer(IDENTITY)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        CorrespondenceInferencer('configs/no/such.py')


def test_fused_conv_bn_gives_the_same_answers(tmp_path):
    cfg = Config.fromfile(FPN)
    img = image((40, 40), 6)
    torch.manual_seed(0)
    plain = SegmentationInferencer(cfg)
    for module in plain.model.modules():  # BN statistics worth fusing
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    checkpoint = str(tmp_path / 'fpn.pth')
    torch.save(dict(state_dict=plain.model.state_dict()), checkpoint)
    plain = SegmentationInferencer(cfg, checkpoint)
    fused = SegmentationInferencer(cfg, checkpoint, fuse_conv_bn=True)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                   for m in fused.model.backbone.modules())
    # mmseg's inferencer returns the data sample itself here
    a = plain(img, return_datasamples=True)
    b = fused(img, return_datasamples=True)
    np.testing.assert_allclose(a.seg_logits.data, b.seg_logits.data,
                               rtol=0, atol=1e-5)
