# Copyright (c) mmcorr contributors. All rights reserved.
"""Registered visualizers, one per task: a prediction (the plain arrays of
:mod:`mmcorr.structures.predictions`) drawn over its images.

Images come in as mmcorr reads them (BGR uint8, in view order); pictures
go out RGB uint8, mmengine's convention (``Visualizer.show``,
``add_image``). ``add_datasample`` takes a predicted data sample, so the
same visualizers serve the inferencers and ``tools/test.py --show-dir``.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from mmengine.visualization import Visualizer

from mmcorr.registry import VISUALIZERS
from mmcorr.structures import predictions as to_arrays
from mmcorr.structures.correspondence_result import warp_image
from .matches import draw_matches, top_matches
from .video import overlay_ids, overlay_strip, save_gif

__all__ = [
    'MultiViewVisualizer', 'CorrespondenceVisualizer',
    'CoSaliencyVisualizer', 'VideoPropagationVisualizer',
    'PointInstanceVisualizer'
]


def _rgb(bgr: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(bgr[..., ::-1])


def _pad_to(image: np.ndarray, height: int, width: int) -> np.ndarray:
    out = np.zeros((height, width, 3), np.uint8)
    out[:image.shape[0], :image.shape[1]] = image
    return out


def _stack_rows(rows: Sequence[np.ndarray]) -> np.ndarray:
    """BGR pictures one above the other, padded to the widest."""
    width = max(r.shape[1] for r in rows)
    return np.vstack([_pad_to(r, r.shape[0], width) for r in rows])


def _side_by_side(images: Sequence[np.ndarray]) -> np.ndarray:
    height = max(i.shape[0] for i in images)
    return np.hstack([_pad_to(i, height, i.shape[1]) for i in images])


class MultiViewVisualizer(Visualizer):
    """Base: ``draw_prediction(images, prediction)`` -> an RGB picture.

    Args:
        name (str): The instance name (mmengine's ``ManagerMixin``).
        alpha (float): Opacity of drawn masks and maps.
        Other arguments: mmengine's ``Visualizer``.
    """

    #: The ``MultiViewModel.task`` whose predictions this draws.
    task = ''

    def __init__(self, name: str = 'visualizer', alpha: float = 0.5,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if not 0 <= alpha <= 1:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        self.alpha = alpha

    def prediction_from_sample(self, sample) -> dict:
        """A predicted data sample -> the prediction dict drawn."""
        raise NotImplementedError

    def draw_prediction(self, images: List[np.ndarray],
                        prediction: dict) -> np.ndarray:
        """BGR images of one sample and its prediction -> RGB picture."""
        raise NotImplementedError

    def save(self, picture: np.ndarray, out_dir: str, name: str
             ) -> List[str]:
        """Write the picture as ``out_dir/name.png``; the files written."""
        os.makedirs(out_dir, exist_ok=True)
        path = osp.join(out_dir, f'{name}.png')
        if not cv2.imwrite(path, picture[..., ::-1]):
            raise OSError(f'could not write {path!r}')
        return [path]

    def add_datasample(self,
                       name: str,
                       image,
                       data_sample=None,
                       draw_gt: bool = False,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0) -> None:
        """Draw a predicted sample over ``image`` (one BGR array or the
        list of its views'); shown, written to ``out_file`` (``.png``),
        or sent to the visualizer's backends."""
        images = list(image) if isinstance(image, (list, tuple)) else \
            [image]
        picture = self.draw_prediction(
            images, self.prediction_from_sample(data_sample))
        if show:
            self.show(picture, win_name=name, wait_time=wait_time)
        if out_file is not None:
            stem = osp.splitext(osp.basename(out_file))[0]
            self.save(picture, osp.dirname(out_file) or '.', stem)
        else:
            self.add_image(name, picture, step)


@VISUALIZERS.register_module()
class CorrespondenceVisualizer(MultiViewVisualizer):
    """Matches of a pair as lines (the given points, else the
    ``num_matches`` most confident of a regular sampling of the source),
    over the source and the target warped into its frame.

    Prediction: ``correspondence`` (:class:`CorrespondenceResult`), and
    optionally ``points`` / ``transferred`` (``(K, 2)`` pixels).
    """
    task = 'correspondence'

    def __init__(self, name: str = 'visualizer', num_matches: int = 40,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.num_matches = num_matches

    def prediction_from_sample(self, sample) -> dict:
        return dict(correspondence=to_arrays.correspondence_result(sample))

    def draw_prediction(self, images, prediction) -> np.ndarray:
        source, target = images
        result = prediction['correspondence']
        if prediction.get('points') is not None:
            src_pts = np.asarray(prediction['points'], np.float64)
            tgt_pts = np.asarray(prediction['transferred'], np.float64)
        else:
            src_pts, tgt_pts, _ = top_matches(result, self.num_matches)
        lines = draw_matches(source, target, src_pts, tgt_pts)
        warped = warp_image(result, target, image_of='target')
        blend = cv2.addWeighted(source, 1 - self.alpha, warped, self.alpha, 0)
        return _rgb(_stack_rows([lines, _side_by_side([source, warped,
                                                       blend])]))


@VISUALIZERS.register_module()
class CoSaliencyVisualizer(MultiViewVisualizer):
    """Each image of a group with its co-saliency map in red over it
    (opacity ``alpha`` at saliency 1), ``columns`` a row, each tile
    ``tile_height`` pixels high.

    Prediction: ``maps`` (per image ``(H, W)`` float in ``[0, 1]``).
    """
    task = 'cosaliency'

    def __init__(self, name: str = 'visualizer', columns: int = 6,
                 tile_height: int = 160, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.columns = columns
        self.tile_height = tile_height

    def prediction_from_sample(self, sample) -> dict:
        return dict(maps=to_arrays.saliency_maps(sample))

    def overlay(self, image: np.ndarray, saliency: np.ndarray) -> np.ndarray:
        """``(H, W, 3)`` BGR with the map as red over it."""
        weight = self.alpha * saliency[..., None].astype(np.float32)
        red = np.array([0, 0, 255], np.float32)
        out = image.astype(np.float32) * (1 - weight) + red * weight
        return np.clip(np.round(out), 0, 255).astype(np.uint8)

    def draw_prediction(self, images, prediction) -> np.ndarray:
        tiles = []
        for image, saliency in zip(images, prediction['maps']):
            tile = self.overlay(image, saliency)
            scale = self.tile_height / tile.shape[0]
            tiles.append(cv2.resize(
                tile, (max(1, round(tile.shape[1] * scale)),
                       self.tile_height), interpolation=cv2.INTER_AREA))
        rows = [_side_by_side(tiles[i:i + self.columns])
                for i in range(0, len(tiles), self.columns)]
        return _rgb(_stack_rows(rows))


@VISUALIZERS.register_module()
class VideoPropagationVisualizer(MultiViewVisualizer):
    """Propagated object masks over the frames: a strip of every
    ``every``-th frame (``columns`` a row); :meth:`save` also writes the
    whole clip as ``name.gif`` (``gif_fps``).

    Prediction: ``masks`` (per frame ``(H, W)`` uint8 ids).
    """
    task = 'video'

    def __init__(self, name: str = 'visualizer', every: int = 4,
                 columns: int = 6, gif_fps: float = 8, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.every, self.columns, self.gif_fps = every, columns, gif_fps
        self._frames: Optional[List[np.ndarray]] = None

    def prediction_from_sample(self, sample) -> dict:
        return dict(masks=to_arrays.propagated_ids(sample))

    def draw_prediction(self, images, prediction) -> np.ndarray:
        masks = prediction['masks']
        self._frames = [overlay_ids(f, m, self.alpha)
                        for f, m in zip(images, masks)]
        every = max(1, min(self.every, len(images) // 2 or 1))
        return _rgb(overlay_strip(images, masks, every, self.columns,
                                  self.alpha))

    def save(self, picture, out_dir, name) -> List[str]:
        files = super().save(picture, out_dir, name)
        if self._frames:
            path = osp.join(out_dir, f'{name}.gif')
            save_gif(self._frames, path, self.gif_fps)
            files.append(path)
        return files


@VISUALIZERS.register_module()
class PointInstanceVisualizer(MultiViewVisualizer):
    """Point-driven instances: the panoptic result (each instance in its
    colour) and, with clicks, each click's mask in its colour with the
    clicked points drawn.

    Prediction: ``instance_ids`` ``(H, W)``; optionally ``point_masks``
    ``(K, H, W)`` and ``points`` ``(K, 2)``.
    """
    task = 'instances'

    def prediction_from_sample(self, sample) -> dict:
        return to_arrays.instance_prediction(sample)

    def draw_prediction(self, images, prediction) -> np.ndarray:
        image = images[0]
        ids = np.asarray(prediction['instance_ids'])
        panels = [overlay_ids(image, np.clip(ids, 0, 255), self.alpha)]
        if prediction.get('point_masks') is not None and \
                len(prediction['point_masks']):
            clicks = np.zeros(image.shape[:2], np.int64)
            for k, mask in enumerate(prediction['point_masks']):
                clicks[mask & (clicks == 0)] = k + 1
            panel = overlay_ids(image, np.clip(clicks, 0, 255), self.alpha)
            for x, y in np.asarray(prediction['points']):
                centre = (int(round(x)), int(round(y)))
                cv2.circle(panel, centre, 4, (255, 255, 255), -1,
                           cv2.LINE_AA)
                cv2.circle(panel, centre, 4, (0, 0, 0), 1, cv2.LINE_AA)
            panels.append(panel)
        return _rgb(_side_by_side(panels))


#: The visualizer of each task, for inferencers and the visualization hook.
TASK_VISUALIZERS: Dict[str, str] = {
    cls.task: cls.__name__
    for cls in (CorrespondenceVisualizer, CoSaliencyVisualizer,
                VideoPropagationVisualizer, PointInstanceVisualizer)
}
