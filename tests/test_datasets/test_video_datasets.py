# Copyright (c) mmcorr contributors. All rights reserved.
"""Video clip and DAVIS datasets: items, MAST's clip sampling, errors."""
import os
import os.path as osp

import numpy as np
import pytest
from video_fixtures import write_davis, write_frame_videos

from mmcorr.datasets import (DAVISVideoDataset, VideoClipDataset,
                             YouTubeVOSClipDataset)
from mmcorr.datasets.video import VideoLayoutError, sample_clips


def test_sample_clips_is_mast_s_split():
    assert sample_clips(10, 2, 2) == [[0, 2], [4, 6]]  # 8 left over
    assert sample_clips(10, 2, 5) == [[0, 5]]
    assert sample_clips(7, 2, 8) == []
    assert sample_clips(6, 3, 1, start=1) == [[1, 2, 3]]
    with pytest.raises(ValueError, match='>= 1'):
        sample_clips(5, 0, 1)


def test_youtube_vos_clips(tmp_path):
    write_frame_videos(str(tmp_path / 'train_all_frames' / 'JPEGImages'))
    data = YouTubeVOSClipDataset(data_root=str(tmp_path), intervals=(2, ),
                                 interval_probs=(1.0, ), pipeline=[])
    items = [data.get_data_info(i) for i in range(len(data))]
    # v0: 12 frames -> [0,2],[4,6],[8,10]; v1: 9 frames -> [0,2],[4,6]
    assert [(i['video'], i['frame_ids']) for i in items] == [
        ('v0', [0, 2]), ('v0', [4, 6]), ('v0', [8, 10]), ('v1', [0, 2]),
        ('v1', [4, 6])
    ]
    assert items[1]['views'][1]['img_path'].endswith(
        osp.join('v0', '00006.jpg'))


def test_interval_draws_follow_the_probabilities(tmp_path):
    folder = tmp_path / 'frames'
    for i in range(300):
        os.makedirs(folder / f'v{i:03d}')
        for t in range(16):
            (folder / f'v{i:03d}' / f'{t:05d}.jpg').touch()
    data = VideoClipDataset(data_prefix=dict(img_path=str(folder)),
                            pipeline=[], seed=3)
    first_gap = {}
    for i in range(len(data)):
        info = data.get_data_info(i)
        first_gap.setdefault(info['video'], np.diff(info['frame_ids'])[0])
    counts = np.bincount(list(first_gap.values()), minlength=9)[[2, 5, 8]]
    assert counts.sum() == 300
    np.testing.assert_allclose(counts / 300, [0.4, 0.4, 0.2], atol=0.08)
    again = VideoClipDataset(data_prefix=dict(img_path=str(folder)),
                             pipeline=[], seed=3)
    assert len(again) == len(data)  # seeded: the same clips


def test_davis_sequences(tmp_path):
    write_davis(str(tmp_path))
    data = DAVISVideoDataset(data_root=str(tmp_path), pipeline=[])
    assert len(data) == 2
    info = data.get_data_info(0)
    assert info['video'] == 'bear' and info['frame_ids'] == list(range(6))
    assert all('seg_map_path' in v for v in info['views'])
    short = DAVISVideoDataset(data_root=str(tmp_path), pipeline=[],
                              sequences=['cows'], max_frames=3)
    assert len(short.get_data_info(0)['views']) == 3


def test_layout_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match='video frame folders'):
        VideoClipDataset(data_prefix=dict(img_path=str(tmp_path / 'no')),
                         pipeline=[])
    with pytest.raises(VideoLayoutError, match='ImageSets/2017/val.txt'):
        DAVISVideoDataset(data_root=str(tmp_path), pipeline=[])
    write_davis(str(tmp_path))
    os.remove(tmp_path / 'Annotations' / '480p' / 'bear' / '00000.png')
    with pytest.raises(VideoLayoutError, match='first frame 00000.jpg has '
                       'no annotation'):
        DAVISVideoDataset(data_root=str(tmp_path), pipeline=[])
    with pytest.raises(ValueError, match='probabilities sum to 1'):
        VideoClipDataset(interval_probs=(0.5, 0.2, 0.2), pipeline=[],
                         lazy_init=True)


def test_frame_range_splits_a_video(tmp_path):
    write_frame_videos(str(tmp_path / 'f'), videos=(('v', 20), ))
    data = VideoClipDataset(data_prefix=dict(img_path=str(tmp_path / 'f')),
                            intervals=(2, ), interval_probs=(1.0, ),
                            frame_range=(10, 16), pipeline=[])
    # frames 10, 12, 14 inside [10, 16): one pair, 14 left over
    assert [data.get_data_info(i)['frame_ids']
            for i in range(len(data))] == [[10, 12]]


def test_load_object_id_map(tmp_path):
    from PIL import Image

    from mmcorr.datasets.transforms import LoadObjectIdMap
    from mmcorr.fileio import UnreadableFileError, write_id_png
    ids = np.zeros((6, 8), np.uint8)
    ids[2:4, 3:6] = 2
    write_id_png(str(tmp_path / 'a.png'), ids)
    out = LoadObjectIdMap()(dict(seg_map_path=str(tmp_path / 'a.png')))
    assert np.array_equal(out['gt_seg_map'], ids)
    Image.new('RGB', (8, 6)).save(tmp_path / 'rgb.png')
    with pytest.raises(UnreadableFileError, match="rgb.png: a 'RGB' image"):
        LoadObjectIdMap()(dict(seg_map_path=str(tmp_path / 'rgb.png')))
    from mmcorr.datasets.load_errors import LabelSizeError
    with pytest.raises(LabelSizeError):
        LoadObjectIdMap()(dict(seg_map_path=str(tmp_path / 'a.png'),
                               ori_shape=(5, 8), img_path='x.jpg'))


def test_clip_hue_shift_is_the_same_in_every_frame():
    import cv2

    from mmcorr.datasets.transforms import ClipHueShift
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (8, 10, 3), dtype=np.uint8)
    results = dict(views=[dict(img=frame.copy()), dict(img=frame.copy())])
    np.random.seed(3)
    out = ClipHueShift(hue_delta=60)(results)
    a, b = out['views'][0]['img'], out['views'][1]['img']
    assert np.array_equal(a, b) and not np.array_equal(a, frame)
    # luminance-like value channel kept
    value = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)[..., 2].astype(int)
    shifted = cv2.cvtColor(a, cv2.COLOR_BGR2HSV)[..., 2].astype(int)
    assert np.abs(value - shifted).max() <= 2
    with pytest.raises(ValueError, match='view 0 needs a loaded'):
        ClipHueShift()(dict(views=[dict(img=None)]))


def test_grey_frame_is_read_as_colour_without_chroma(tmp_path):
    """A grey frame file loads as 3 equal channels (a = b = 0 in Lab), so a
    clip mixing grey and colour frames still propagates."""
    import cv2

    from mmcorr.datasets.transforms import LoadCheckedImage
    grey = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5
    cv2.imwrite(str(tmp_path / 'g.png'), grey)
    out = LoadCheckedImage()(dict(img_path=str(tmp_path / 'g.png')))
    assert out['img'].shape == (6, 8, 3)
    assert (out['img'] == grey[..., None]).all()
