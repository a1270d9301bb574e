# Copyright (c) mmcorr contributors. All rights reserved.
"""propagate_masks, the overlays, the video demo and the reconstruction
tool, on a tiny generated clip."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from video_fixtures import moving_squares

from mmcorr.apis import init_model, propagate_masks, read_video
from mmcorr.evaluation import read_id_png, write_id_png
from mmcorr.visualization import overlay_ids, overlay_strip, save_gif

TINY = dict(model=dict(backbone=dict(stage_channels=(8, 16, 16, 16)),
                       key_channels=8, test_cfg=dict(window_size=5),
                       train_cfg=dict(window_size=5)))
CONFIG = 'configs/mast/mast_r18_davis2017-val-480p.py'


@pytest.fixture(scope='module')
def tiny_model():
    return init_model(CONFIG, None, cfg_options=TINY)


def test_propagate_masks_api(tiny_model):
    frames, masks = moving_squares(5, size=(32, 48))
    out = propagate_masks(tiny_model, frames, masks[0])
    assert len(out) == 5 and out[3].shape == (32, 48)
    assert out[3].dtype == np.uint8 and np.array_equal(out[0], masks[0])
    assert set(np.unique(out[4])) <= {0, 1, 2}
    with pytest.raises(ValueError, match='share one size'):
        propagate_masks(tiny_model, [frames[0], frames[1][:, :40]],
                        masks[0])
    with pytest.raises(ValueError, match='first mask is'):
        propagate_masks(tiny_model, frames, masks[0][:, :40])
    with pytest.raises(ValueError, match='needs at least 2'):
        propagate_masks(tiny_model, [], masks[0])
    with pytest.raises(ValueError, match='needs at least 2'):
        propagate_masks(tiny_model, frames[:1], masks[0])
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8 BGR'):
        propagate_masks(tiny_model, [frames[0][..., 0], frames[1]],
                        masks[0])


def test_propagate_masks_takes_a_video_file_or_a_frame_folder(tiny_model,
                                                             tmp_path):
    """A path is a video or a folder, never iterated as a string."""
    frames, masks = moving_squares(4, size=(32, 48))
    folder = tmp_path / 'frames'
    folder.mkdir()
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / f'{i:05d}.png'), frame)
    from_arrays = propagate_masks(tiny_model, frames, masks[0])
    from_folder = propagate_masks(tiny_model, str(folder), masks[0])
    assert all(np.array_equal(a, b) for a, b in zip(from_arrays,
                                                    from_folder))
    video = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (48, 32))
    for frame in frames:
        writer.write(frame)
    writer.release()
    out = propagate_masks(tiny_model, video, masks[0])
    assert len(out) == 4 and out[0].shape == (32, 48)
    with pytest.raises(FileNotFoundError, match='neither a video file nor '
                       'a folder'):
        propagate_masks(tiny_model, str(tmp_path / 'x.mp4'), masks[0])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='holds no image'):
        propagate_masks(tiny_model, str(tmp_path / 'empty'), masks[0])


def test_overlays():
    frames, masks = moving_squares(7, size=(32, 48))
    tile = overlay_ids(frames[0], masks[0])
    assert tile.shape == frames[0].shape
    background = masks[0] == 0
    inner = cv2.erode(background.astype(np.uint8), np.ones((3, 3))) > 0
    assert np.array_equal(tile[inner], frames[0][inner])
    assert not np.array_equal(tile[masks[0] == 1], frames[0][masks[0] == 1])
    strip = overlay_strip(frames, masks, every=2, columns=3)
    assert strip.shape == (2 * 32, 3 * 48, 3)  # frames 0, 2, 4 | 6, -, -
    with pytest.raises(ValueError, match='7 frames for 6 masks'):
        overlay_strip(frames, masks[:6])


def test_video_demo_and_gif(tmp_path, run_tool):
    frames, masks = moving_squares(6, size=(32, 48))
    folder = tmp_path / 'frames'
    folder.mkdir()
    for t, frame in enumerate(frames):
        cv2.imwrite(str(folder / f'{t:05d}.jpg'), frame)
    write_id_png(str(tmp_path / 'first.png'), masks[0])
    config = tmp_path / 'tiny.py'
    config.write_text(f"_base_ = [{osp.abspath(CONFIG)!r}]\n"
                      f"model = {TINY['model']!r}\n")
    out = tmp_path / 'out'
    run_tool(['demo/video_propagation_demo.py', str(config), 'none',
              '--frames-dir', str(folder), '--first-mask',
              str(tmp_path / 'first.png'), '--out-dir', str(out), '--gif',
              '--every', '2'])
    assert read_id_png(str(out / 'masks' / '00005.png')).shape == (32, 48)
    assert cv2.imread(str(out / 'strip.jpg')).shape[1] == 6 * 48
    assert (out / 'propagation.gif').stat().st_size > 0
    proc = run_tool(['demo/video_propagation_demo.py', str(config), 'none',
                     '--frames-dir', str(tmp_path / 'nothing'),
                     '--first-mask', 'x.png', '--out-dir', str(out)],
                    check=False)
    assert proc.returncode == 2 and 'is not a folder' in proc.stderr

    json_out = tmp_path / 'rec.json'
    run_tool(['tools/analysis_tools/eval_reconstruction.py', str(config),
              'none', '--frames-dir', str(folder), '--gaps', '2',
              '--out', str(json_out)])
    result = json.loads(json_out.read_text())
    assert result['pairs'] == 4 and result['model_mae_lab'] > 0
    assert result['copy_mae_lab'] > 0


def test_read_video_and_gif(tmp_path):
    frames, _ = moving_squares(4, size=(32, 48))
    path = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (48, 32))
    for frame in frames:
        writer.write(frame)
    writer.release()
    read = read_video(path)
    assert len(read) == 4 and read[0].shape == (32, 48, 3)
    assert len(read_video(path, max_frames=2)) == 2
    assert len(read_video(path, step=2)) == 2
    with pytest.raises(FileNotFoundError):
        read_video(str(tmp_path / 'none.avi'))
    save_gif(read, str(tmp_path / 'a.gif'))
    assert (tmp_path / 'a.gif').stat().st_size > 0
