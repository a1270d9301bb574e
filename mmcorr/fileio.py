# Copyright (c) mmcorr contributors. All rights reserved.
"""Every file mmcorr reads or writes besides configs and checkpoints:
images, id maps (DAVIS-indexed PNGs, instance-id PNGs, COCO panoptic PNGs)
and videos. Bytes go through mmengine's fileio backends, so ``s3://`` or
``http://`` data roots work as local paths do (videos, which OpenCV
decodes from a file, are fetched to a temporary one).

Errors name the file: a missing one raises ``FileNotFoundError``; one that
exists but is not what it should be (corrupt, truncated, another format or
mode) raises :class:`UnreadableFileError`, a ``ValueError``.
"""
import io
import json
import os
import os.path as osp
import tempfile
from typing import Dict, List, Optional, Sequence

import cv2
import mmcv
import numpy as np
from mmengine import fileio
from PIL import Image, UnidentifiedImageError

__all__ = [
    'UnreadableFileError', 'read_bytes', 'read_image', 'write_image',
    'davis_palette', 'read_id_png', 'write_id_png', 'read_instance_png',
    'read_panoptic_png', 'rgb2id', 'id2rgb', 'read_video',
    'write_correspondence', 'write_saliency_maps', 'write_propagated_masks',
    'write_panoptic', 'panoptic_categories', 'PREDICTION_WRITERS',
    'IMAGE_EXTENSIONS', 'image_files', 'read_frames'
]


class UnreadableFileError(ValueError):
    """A file that exists but cannot be read as what it should be; the
    message starts with the file."""


def read_bytes(path, what: str = 'file', backend_args=None) -> bytes:
    """The bytes of ``path`` (any mmengine fileio backend).

    Raises:
        FileNotFoundError: ``'<what> <path> does not exist'``.
    """
    path = os.fspath(path)
    try:
        return fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as error:
        raise FileNotFoundError(f'{what} {path!r} does not exist') from error


def read_image(path, flag: str = 'color', backend: Optional[str] = None,
               backend_args: Optional[dict] = None) -> np.ndarray:
    """Read and decode one image file (mmcv's decoders; ``flag`` and
    ``backend`` as ``mmcv.imfrombytes``): BGR uint8 for ``'color'``.

    Raises:
        FileNotFoundError: a missing file.
        UnreadableFileError: bytes that do not decode as an image.
    """
    content = read_bytes(path, 'image file', backend_args)
    try:
        img = mmcv.imfrombytes(content, flag=flag, backend=backend)
    except Exception as error:  # decoders raise many types
        raise UnreadableFileError(
            f'could not decode {os.fspath(path)!r} ({error}): the file is '
            'corrupt, truncated or not an image') from error
    if img is None or img.size == 0:
        raise UnreadableFileError(
            f'could not decode {os.fspath(path)!r}: the file is corrupt, '
            'truncated or not an image')
    return img


def write_image(path, image: np.ndarray) -> str:
    """Encode ``image`` by the file's extension (cv2: BGR, grey, 16-bit
    PNG) and write it, creating the folder; returns the path.

    Raises:
        OSError: the image cannot be encoded or written.
    """
    path = os.fspath(path)
    ok, data = cv2.imencode(osp.splitext(path)[1] or '.png', image)
    if not ok:
        raise OSError(f'could not encode {path!r}')
    if '://' not in path:
        os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    fileio.put(data.tobytes(), path)
    return path


def _pil(path, what: str) -> Image.Image:
    content = read_bytes(path, what)
    try:
        image = Image.open(io.BytesIO(content))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise UnreadableFileError(f'{os.fspath(path)}: not a readable image '
                                  f'({error})') from error
    return image


def davis_palette() -> List[int]:
    """The DAVIS (PASCAL VOC) palette: 256 RGB triplets, flat, for PIL."""
    palette = []
    for index in range(256):
        red = green = blue = 0
        value = index
        for bit in range(8):
            red |= ((value >> 0) & 1) << (7 - bit)
            green |= ((value >> 1) & 1) << (7 - bit)
            blue |= ((value >> 2) & 1) << (7 - bit)
            value >>= 3
        palette += [red, green, blue]
    return palette


def read_id_png(path, allow_grey: bool = False) -> np.ndarray:
    """An indexed (palette) PNG of object ids -> ``(H, W)`` uint8.

    Args:
        path: The file.
        allow_grey: Also take single-channel grey PNGs (``'L'``) as ids.

    Raises:
        FileNotFoundError: a missing file.
        UnreadableFileError: not an image, or not an indexed PNG.
    """
    image = _pil(path, 'id PNG')
    allowed = ('P', 'L') if allow_grey else ('P', )
    if image.mode not in allowed:
        raise UnreadableFileError(
            f'{os.fspath(path)}: a {image.mode!r} image, not an indexed '
            '(palette) PNG of object ids; write masks with a palette (mmcorr '
            'writes the DAVIS one)' + ('' if allow_grey else
                                       ', or pass allow_grey / --allow-grey '
                                       'for grey id PNGs'))
    return np.array(image)


def write_id_png(path, ids: np.ndarray) -> str:
    """Write ``(H, W)`` ids (0..255) as an indexed PNG, DAVIS palette."""
    path = os.fspath(path)
    ids = np.asarray(ids)
    if ids.ndim != 2 or ids.min(initial=0) < 0 or ids.max(initial=0) > 255:
        raise ValueError(f'{path}: ids must be (H, W) in 0..255, got shape '
                         f'{ids.shape}')
    image = Image.fromarray(ids.astype(np.uint8), mode='P')
    image.putpalette(davis_palette())
    buffer = io.BytesIO()
    image.save(buffer, format='PNG')
    if '://' not in path:
        os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    fileio.put(buffer.getvalue(), path)
    return path


def read_instance_png(path, num_objects: Optional[int] = None
                      ) -> np.ndarray:
    """An instance-id PNG (8- or 16-bit grey) -> ``(H, W)`` int32.

    Args:
        path: The file.
        num_objects (int, optional): Objects the file should hold (AdaptIS'
            toy names carry it: ``{index}_{n}_im.png``); an 8-bit file
            cannot hold more than 255 and is refused then.

    Raises:
        FileNotFoundError: a missing file.
        UnreadableFileError: a corrupt file, a colour (3-channel) rendering,
            or an 8-bit file where 16 bits are needed.
    """
    path = os.fspath(path)
    data = np.frombuffer(read_bytes(path, 'instance-id PNG'), np.uint8)
    ids = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if ids is None:
        raise UnreadableFileError(f'{path}: not a readable image (corrupt or '
                                  'truncated)')
    if ids.ndim != 2:
        raise UnreadableFileError(
            f'{path}: instance ids must be one channel (8- or 16-bit grey), '
            f'got {ids.shape[2]} channels (a colour rendering of the masks?)')
    if num_objects is not None and num_objects > 255 and \
            ids.dtype == np.uint8:
        raise UnreadableFileError(
            f'{path}: {num_objects} objects need a 16-bit PNG, the file is '
            '8-bit (ids above 255 were lost)')
    return ids.astype(np.int32)


def rgb2id(color: np.ndarray) -> np.ndarray:
    """COCO panoptic colours ``(..., 3)`` -> ids ``R + 256 G + 256^2 B``."""
    color = np.asarray(color, np.uint32)
    return color[..., 0] + 256 * color[..., 1] + 256 * 256 * color[..., 2]


def id2rgb(ids: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb2id`: ``(..., 3)`` uint8 colours."""
    ids = np.asarray(ids, np.int64)
    return np.stack([ids % 256, ids // 256 % 256, ids // 65536 % 256],
                    -1).astype(np.uint8)


def read_panoptic_png(path) -> np.ndarray:
    """A COCO panoptic PNG -> ``(H, W)`` segment ids.

    Raises:
        FileNotFoundError: a missing file.
        UnreadableFileError: not a PNG, or not RGB.
    """
    image = _pil(path, 'panoptic PNG')
    rgb = np.asarray(image.convert('RGB') if image.mode == 'P' else image,
                     dtype=np.uint32)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise UnreadableFileError(
            f'{os.fspath(path)}: a COCO panoptic PNG is RGB (ids as R + 256 '
            f'G + 256^2 B), got shape {rgb.shape}')
    return rgb2id(rgb)


def read_video(path, max_frames: Optional[int] = None, step: int = 1
               ) -> List[np.ndarray]:
    """Frames of a video file (OpenCV), BGR uint8, every ``step``-th, at
    most ``max_frames``; a remote file is fetched to a temporary one.

    Raises:
        FileNotFoundError: a missing file.
        UnreadableFileError: no frame decodes (not a video, or a codec
            OpenCV lacks).
        ValueError: ``step < 1``.
    """
    path = os.fspath(path)
    if step < 1:
        raise ValueError(f'step must be >= 1, got {step}')
    if '://' in path:
        suffix = osp.splitext(path)[1]
        with tempfile.NamedTemporaryFile(suffix=suffix) as local:
            local.write(read_bytes(path, 'video file'))
            local.flush()
            return read_video(local.name, max_frames, step)
    if not osp.isfile(path):
        raise FileNotFoundError(f'video file {path!r} does not exist')
    capture = cv2.VideoCapture(path)
    frames, index = [], 0
    while max_frames is None or len(frames) < max_frames:
        ok, frame = capture.read()
        if not ok:
            break
        if index % step == 0:
            frames.append(frame)
        index += 1
    capture.release()
    if not frames:
        raise UnreadableFileError(
            f'{path!r}: no frame could be decoded (not a video file, or a '
            'codec OpenCV cannot read)')
    return frames


#: File extensions read as images, in any case.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')


def image_files(folder, what: str = 'the folder') -> List[str]:
    """The image files of a local ``folder``, sorted by name.

    Raises:
        FileNotFoundError: no such folder.
        ValueError: it holds no image.
    """
    path = os.fspath(folder)
    if not osp.isdir(path):
        raise FileNotFoundError(f'{what} {path!r} is not a folder')
    names = sorted(n for n in os.listdir(path)
                   if n.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise ValueError(f'{what} {path!r} holds no image '
                         f'({", ".join(IMAGE_EXTENSIONS)})')
    return [osp.join(path, n) for n in names]


def read_frames(folder, max_frames: Optional[int] = None, step: int = 1
                ) -> List[np.ndarray]:
    """A folder of frames (sorted by name, each read by :func:`read_image`)
    -> BGR uint8 frames, every ``step``-th, at most ``max_frames``; the
    folder counterpart of :func:`read_video`.

    Raises:
        FileNotFoundError: no such folder; ValueError: no image in it.
    """
    if step < 1:
        raise ValueError(f'step must be >= 1, got {step}')
    paths = image_files(folder, 'the frame folder')[::step]
    return [read_image(p) for p in paths[:max_frames]]


# ------------------------------------------------ predictions, by task
# Predictions written in each field's format, for offline scoring and for
# users: one writer per task, shared by the inferencers (``out_dir/pred``)
# and ``tools/test.py --out`` (:class:`~mmcorr.engine.PredictionWriterHook`).
#
# =============  ==============================================================
# task           files under the output folder
# =============  ==============================================================
# correspondence ``<name>.json``: ``source_points`` and ``target_points``
#                (``(x, y)`` pixels of each image) and both image shapes
# cosaliency     ``<group>/<image>.png``: 8-bit maps (the CoSOD benchmarks')
# video          ``<clip>/00000.png ...``: DAVIS-indexed PNGs (the DAVIS
#                results layout ``eval_vos.py`` reads)
# instances      ``panoptic/<image>.png`` + ``panoptic.json`` (COCO panoptic,
#                ``eval_panoptic.py``), ``<image>_point<k>.png`` per click
# =============  ==============================================================


def write_correspondence(out_dir: str, name: str, source_points: np.ndarray,
                         target_points: np.ndarray, source_shape,
                         target_shape) -> str:
    """``out_dir/name.json``: matched ``(K, 2)`` source and target pixels."""
    os.makedirs(out_dir, exist_ok=True)
    path = osp.join(out_dir, f'{name}.json')
    with open(path, 'w') as f:
        json.dump(dict(source_shape=[int(v) for v in source_shape],
                       target_shape=[int(v) for v in target_shape],
                       source_points=np.round(source_points, 3).tolist(),
                       target_points=np.round(target_points, 3).tolist()),
                  f, indent=1)
    return path


def write_saliency_maps(out_dir: str, group: str, names: Sequence[str],
                        maps: Sequence[np.ndarray]) -> List[str]:
    """``out_dir/group/<name>.png`` per image: the ``[0, 1]`` map x 255."""
    paths = []
    for name, saliency in zip(names, maps):
        grey = np.clip(np.round(saliency * 255), 0, 255).astype(np.uint8)
        paths.append(osp.join(out_dir, group, f'{name}.png'))
        write_image(paths[-1], grey)
    return paths


def write_propagated_masks(out_dir: str, clip: str,
                           masks: Sequence[np.ndarray],
                           frame_names: Sequence[str] = ()) -> List[str]:
    """``out_dir/clip/<frame>.png`` (``00000.png``... unless named):
    DAVIS-indexed PNGs of the per-frame ids."""
    names = list(frame_names) or [f'{t:05d}' for t in range(len(masks))]
    paths = [osp.join(out_dir, clip, f'{n}.png') for n in names]
    for path, ids in zip(paths, masks):
        write_id_png(path, ids)
    return paths


def write_panoptic(out_dir: str, name: str, prediction: Dict,
                   num_stuff: int, categories: List[dict]) -> str:
    """COCO panoptic: ``out_dir/panoptic/<name>.png`` (segment ids as RGB)
    and its entry in ``out_dir/panoptic.json`` (kept across calls), plus
    ``out_dir/<name>_point<k>.png`` (0 / 255) per clicked mask."""
    from mmcorr.structures.predictions import panoptic_segments
    ids, segments = panoptic_segments(
        np.asarray(prediction['instance_ids']),
        np.asarray(prediction['semantic']), prediction.get('labels'),
        num_stuff)
    png = f'{name}.png'
    write_image(osp.join(out_dir, 'panoptic', png), id2rgb(ids)[..., ::-1])
    index_file = osp.join(out_dir, 'panoptic.json')
    annotations = []
    if osp.isfile(index_file):
        with open(index_file) as f:
            annotations = json.load(f)['annotations']
    annotations = [a for a in annotations if a['image_id'] != name]
    annotations.append(dict(image_id=name, file_name=png,
                            segments_info=segments))
    with open(index_file, 'w') as f:
        json.dump(dict(annotations=annotations, categories=categories), f)
    masks = prediction.get('point_masks')
    for k, mask in enumerate([] if masks is None else masks):
        write_image(osp.join(out_dir, f'{name}_point{k}.png'),
                 mask.astype(np.uint8) * 255)
    return index_file


def panoptic_categories(dataset_meta: Dict, num_stuff: int) -> List[dict]:
    """COCO-panoptic ``categories`` from a ``dataset_meta`` (class ``i``:
    stuff below ``num_stuff``, a thing from there)."""
    meta = dataset_meta or {}
    names = list(meta.get('stuff_classes', ('background', )[:num_stuff]))
    names += list(meta.get('thing_classes', ('object', )))
    return [dict(id=i, name=n, isthing=int(i >= num_stuff))
            for i, n in enumerate(names)]


#: The writer of each model task.
PREDICTION_WRITERS = dict(correspondence=write_correspondence,
                          cosaliency=write_saliency_maps,
                          video=write_propagated_masks,
                          instances=write_panoptic)
