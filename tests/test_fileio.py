# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr.fileio: round trips of every format, errors that name the file,
frames from a folder or a video, and an http:// data root."""
import functools
import http.server
import threading

import cv2
import numpy as np
import pytest

from mmcorr import fileio


def test_round_trips(tmp_path):
    image = np.random.default_rng(0).integers(0, 256, (6, 9, 3), np.uint8)
    path = fileio.write_image(str(tmp_path / 'sub' / 'a.png'), image)
    np.testing.assert_array_equal(fileio.read_image(path), image)
    ids = np.zeros((5, 7), np.uint8)
    ids[1:3, 2:5] = 3
    fileio.write_id_png(str(tmp_path / 'ids.png'), ids)
    np.testing.assert_array_equal(fileio.read_id_png(str(tmp_path /
                                                         'ids.png')), ids)
    instances = np.arange(35, dtype=np.uint16).reshape(5, 7) * 300
    fileio.write_image(str(tmp_path / 'inst.png'), instances)
    np.testing.assert_array_equal(
        fileio.read_instance_png(str(tmp_path / 'inst.png')), instances)
    segments = np.array([[0, 70000], [257, 3]])
    fileio.write_image(str(tmp_path / 'pan.png'),
                       fileio.id2rgb(segments)[..., ::-1])
    np.testing.assert_array_equal(
        fileio.read_panoptic_png(str(tmp_path / 'pan.png')), segments)


def test_errors_name_the_file(tmp_path):
    missing = str(tmp_path / 'missing.png')
    for read in (fileio.read_image, fileio.read_id_png,
                 fileio.read_instance_png, fileio.read_panoptic_png,
                 fileio.read_video):
        with pytest.raises(FileNotFoundError, match='missing.png'):
            read(missing)
    corrupt = tmp_path / 'corrupt.png'
    corrupt.write_bytes(b'\x89PNG not really')
    for read in (fileio.read_image, fileio.read_id_png,
                 fileio.read_instance_png, fileio.read_panoptic_png,
                 fileio.read_video):
        with pytest.raises(fileio.UnreadableFileError, match='corrupt.png'):
            read(str(corrupt))
    colour = str(tmp_path / 'colour.png')
    cv2.imwrite(colour, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(fileio.UnreadableFileError, match='indexed'):
        fileio.read_id_png(colour)
    with pytest.raises(fileio.UnreadableFileError, match='one channel'):
        fileio.read_instance_png(colour)


def test_frames_from_a_folder_and_a_video(tmp_path):
    frames = [np.full((16, 24, 3), 40 * t, np.uint8) for t in range(5)]
    for t, frame in enumerate(frames):
        fileio.write_image(str(tmp_path / 'clip' / f'{t:05d}.png'), frame)
    got = fileio.read_frames(str(tmp_path / 'clip'), max_frames=2, step=2)
    assert len(got) == 2
    np.testing.assert_array_equal(got[1], frames[2])
    path = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (24, 16))
    for frame in frames:
        writer.write(frame)
    writer.release()
    assert len(fileio.read_video(path, step=2)) == 3
    with pytest.raises(FileNotFoundError, match='is not a folder'):
        fileio.read_frames(str(tmp_path / 'nothing'))


def test_an_http_data_root(tmp_path):
    """Reads go through mmengine's backends: an http:// root works as a
    local one (a video is fetched to a temporary file)."""
    image = np.random.default_rng(1).integers(0, 256, (5, 8, 3), np.uint8)
    fileio.write_image(str(tmp_path / 'a.png'), image)
    ids = np.eye(4, dtype=np.uint8)
    fileio.write_id_png(str(tmp_path / 'ids.png'), ids)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = 'http://127.0.0.1:%d' % server.server_address[1]
    try:
        np.testing.assert_array_equal(fileio.read_image(f'{root}/a.png'),
                                      image)
        np.testing.assert_array_equal(fileio.read_id_png(f'{root}/ids.png'),
                                      ids)
    finally:
        server.shutdown()
        server.server_close()
