# Copyright (c) mmcorr contributors. All rights reserved.
"""The browser demo's back end: a JSON API around the inferencers, served
with the standard library (``demo/web_demo.py`` starts it).

Every request carries its images (and videos) as data URLs; every answer
is JSON: pictures as PNG / GIF data URLs, points as pixel lists, and on bad
input ``{"error": "<a readable message>"}`` with HTTP 400.

==============================  =============================================
``POST /api/correspondence``    ``source``, ``target`` (images), ``points``
                                (``[[x, y], ...]`` on the source) ->
                                ``points`` on the target, ``picture``
``POST /api/cosaliency``        ``images`` (a group), optionally
                                ``sisms`` (a grey saliency map per image,
                                else the model's ``sism_model`` makes
                                them) -> ``maps`` (one grey PNG per
                                image), ``picture``
``POST /api/video/first_frame`` ``video`` -> ``frame`` (PNG), ``frames``,
                                ``width``, ``height``
``POST /api/video``             ``video`` and ``points`` (clicks on the
                                object in the first frame) or ``box``
                                (``[x, y, w, h]``) -> ``gif``, ``strip``
``POST /api/instances``         ``image``, ``points`` -> ``masks`` (one PNG
                                per click), ``picture``, ``panoptic``,
                                ``width``, ``height``
==============================  =============================================
"""
import base64
import binascii
import json
import os
import os.path as osp
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, Optional, Tuple

import cv2
import numpy as np

#: The task of each API route and its inferencer's class name.
TASKS = dict(correspondence='CorrespondenceInferencer',
             cosaliency='CoSaliencyInferencer',
             video='VideoPropagationInferencer',
             instances='PointInstanceInferencer')


class BadRequest(ValueError):
    """An input the demo cannot use: answered with HTTP 400 and the
    message."""


def decode_data_url(value, what: str) -> bytes:
    """A ``data:...;base64,...`` URL (or bare base64) -> its bytes."""
    if not isinstance(value, str) or not value:
        raise BadRequest(f'{what}: no file was uploaded')
    payload = value.split(',', 1)[1] if value.startswith('data:') else value
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest(f'{what}: the upload is not valid base64 data')


def decode_image(value, what: str, grey: bool = False) -> np.ndarray:
    """An uploaded image -> ``(H, W, 3)`` uint8 BGR (``(H, W)`` with
    ``grey``)."""
    data = np.frombuffer(decode_data_url(value, what), np.uint8)
    flags = cv2.IMREAD_GRAYSCALE if grey else cv2.IMREAD_COLOR
    image = cv2.imdecode(data, flags) if data.size else None
    if image is None:
        raise BadRequest(f'{what} is not an image OpenCV can read (PNG, '
                         'JPEG, BMP, TIFF, WebP)')
    return image


def encode_png(image: np.ndarray, rgb: bool = False) -> str:
    """An image (BGR, or RGB with ``rgb``; or grey) -> a PNG data URL."""
    if rgb and image.ndim == 3:
        image = image[..., ::-1]
    ok, data = cv2.imencode('.png', np.ascontiguousarray(image))
    if not ok:
        raise RuntimeError('could not encode a PNG')
    return 'data:image/png;base64,' + base64.b64encode(data).decode()


def _points(value, what: str = 'points') -> Optional[np.ndarray]:
    if value is None:
        return None
    try:
        points = np.asarray(value, np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise BadRequest(f'{what} must be a list of [x, y] pixels')
    return points


class DemoModels:
    """The inferencers of the demo, built on first use (one lock each).

    Args:
        models (dict): ``task -> (config, checkpoint or None, cfg_options)``.
        device (str): Where the models run.
    """

    def __init__(self, models: Dict[str, Tuple[str, Optional[str], dict]],
                 device: str = 'cpu') -> None:
        unknown = set(models) - set(TASKS)
        if unknown:
            raise KeyError(f'unknown demo tasks {sorted(unknown)}; the '
                           f'tasks are {sorted(TASKS)}')
        self.models, self.device = models, device
        self._built: Dict[str, object] = {}
        self._lock = threading.Lock()

    def __call__(self, task: str):
        if task not in self.models:
            raise BadRequest(f'no model is loaded for {task!r}: start the '
                             f'demo with --model {task}=CONFIG:CHECKPOINT')
        with self._lock:
            if task not in self._built:
                from mmcorr import apis
                config, checkpoint, options = self.models[task]
                cls = getattr(apis, TASKS[task])
                self._built[task] = cls(config, checkpoint, self.device,
                                        options or None,
                                        show_progress=False)
            return self._built[task]


def correspondence(models: DemoModels, request: dict) -> dict:
    source = decode_image(request.get('source'), 'the source image')
    target = decode_image(request.get('target'), 'the target image')
    points = _points(request.get('points'))
    inferencer = models('correspondence')
    out = inferencer((source, target), points=points)
    prediction = out['predictions'][0]
    answer = dict(picture=encode_png(out['visualization'][0], rgb=True))
    if points is not None and len(points):
        answer['points'] = np.round(prediction['transferred'], 2).tolist()
    return answer


def cosaliency(models: DemoModels, request: dict) -> dict:
    uploads = request.get('images')
    if not isinstance(uploads, list) or not uploads:
        raise BadRequest('the group is empty: upload at least one image')
    images = [decode_image(u, f'image {i + 1}')
              for i, u in enumerate(uploads)]
    sisms = _group_sisms(request.get('sisms'), images)
    out = models('cosaliency')([images], sisms=sisms)
    maps = out['predictions'][0]['maps']
    return dict(maps=[encode_png(np.round(m * 255).astype(np.uint8))
                      for m in maps],
                picture=encode_png(out['visualization'][0], rgb=True))


def _group_sisms(uploads, images: list) -> Optional[list]:
    """The uploaded single-image saliency maps (grey, one per image in the
    group's order), resized to their images; ``None`` when none came."""
    if uploads is None or uploads == []:
        return None
    if not isinstance(uploads, list) or len(uploads) != len(images):
        count = len(uploads) if isinstance(uploads, list) else 'no list of'
        raise BadRequest(f'{count} saliency maps for {len(images)} images: '
                         'upload one per image, or none')
    sisms = []
    for i, (upload, image) in enumerate(zip(uploads, images)):
        sism = decode_image(upload, f'saliency map {i + 1}', grey=True)
        height, width = image.shape[:2]
        if sism.shape != (height, width):
            sism = cv2.resize(sism, (width, height),
                              interpolation=cv2.INTER_LINEAR)
        sisms.append(sism)
    return sisms


def decode_video(value, max_frames: int = 120) -> list:
    """An uploaded video -> its frames (BGR), at most ``max_frames``."""
    from .inferencers.video import read_video
    data = decode_data_url(value, 'the video')
    with tempfile.TemporaryDirectory() as folder:
        path = osp.join(folder, 'upload')
        with open(path, 'wb') as f:
            f.write(data)
        try:
            frames = read_video(path, max_frames)
        except ValueError:
            raise BadRequest('the upload is not a video OpenCV can decode '
                             '(MP4, AVI, WebM, GIF...)')
    if len(frames) < 2:
        raise BadRequest(f'the video has {len(frames)} frame: propagation '
                         'needs at least 2')
    return frames


def video_first_frame(models: DemoModels, request: dict) -> dict:
    frames = decode_video(request.get('video'))
    height, width = frames[0].shape[:2]
    return dict(frame=encode_png(frames[0]), frames=len(frames),
                width=width, height=height)


def video(models: DemoModels, request: dict) -> dict:
    frames = decode_video(request.get('video'))
    points, box = _points(request.get('points')), request.get('box')
    if box is not None:
        prompt = dict(box=[float(v) for v in box])
    elif points is not None and len(points):
        prompt = dict(points=points)
    else:
        raise BadRequest('click the object in the first frame (or draw a '
                         'box) before propagating')
    inferencer = models('video')
    out = inferencer([frames], **prompt)
    masks = out['predictions'][0]['masks']
    with tempfile.TemporaryDirectory() as folder:
        files = inferencer.visualizer.save(out['visualization'][0], folder,
                                           'clip')
        gif = next(f for f in files if f.endswith('.gif'))
        with open(gif, 'rb') as f:
            gif_url = 'data:image/gif;base64,' + base64.b64encode(
                f.read()).decode()
    return dict(gif=gif_url, strip=encode_png(out['visualization'][0],
                                              rgb=True),
                frames=len(masks))


def instances(models: DemoModels, request: dict) -> dict:
    image = decode_image(request.get('image'), 'the image')
    points = _points(request.get('points'))
    out = models('instances')(image, points=points if points is not None
                              and len(points) else None)
    prediction = out['predictions'][0]
    masks = prediction.get('point_masks')
    height, width = image.shape[:2]
    from mmcorr.visualization import overlay_ids
    ids = np.clip(prediction['instance_ids'], 0, 255)
    return dict(
        masks=[] if masks is None else
        [encode_png(m.astype(np.uint8) * 255) for m in masks],
        empty=[] if masks is None else [int(not m.any()) for m in masks],
        picture=encode_png(out['visualization'][0], rgb=True),
        panoptic=encode_png(overlay_ids(image, ids)),
        width=width, height=height)


ROUTES: Dict[str, Callable[[DemoModels, dict], dict]] = {
    '/api/correspondence': correspondence,
    '/api/cosaliency': cosaliency,
    '/api/video/first_frame': video_first_frame,
    '/api/video': video,
    '/api/instances': instances,
}

#: The page: demo/web_demo.html next to the script, else this package's.
PAGE = osp.join(osp.dirname(__file__), 'web_demo.html')


def make_handler(models: DemoModels, page: str = PAGE):
    """The request handler class serving ``page`` and :data:`ROUTES`."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):  # quiet by default
            if os.environ.get('MMCORR_WEB_DEMO_LOG'):
                super().log_message(fmt, *args)

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header('Content-Type', kind)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: dict) -> None:
            self._send(status, json.dumps(value).encode(),
                       'application/json')

        def do_GET(self):
            if self.path in ('/', '/index.html'):
                with open(page, 'rb') as f:
                    self._send(200, f.read(), 'text/html; charset=utf-8')
            else:
                self._json(404, dict(error=f'no page {self.path}'))

        def do_POST(self):
            route = ROUTES.get(self.path)
            if route is None:
                return self._json(404, dict(error=f'no API {self.path}'))
            try:
                length = int(self.headers.get('Content-Length') or 0)
                request = json.loads(self.rfile.read(length) or b'{}')
                if not isinstance(request, dict):
                    raise BadRequest('the request must be a JSON object')
                self._json(200, route(models, request))
            except json.JSONDecodeError:
                self._json(400, dict(error='the request is not JSON'))
            except (BadRequest, ValueError, FileNotFoundError,
                    TypeError) as error:
                self._json(400, dict(error=str(error)))
            except Exception as error:  # a model failure: say it, no trace
                self._json(500, dict(error=f'{type(error).__name__}: '
                                     f'{error}'))

    return Handler


def serve(models: DemoModels, host: str = '127.0.0.1', port: int = 7860,
          page: str = PAGE) -> ThreadingHTTPServer:
    """A server (not yet serving: call ``serve_forever``)."""
    return ThreadingHTTPServer((host, port), make_handler(models, page))
