# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS inference: greedy instance assembly and the panoptic merge
(saic-vul/adaptis ``adaptis/inference/adaptis_sampling.py``).

- :func:`proposal_peaks`: the candidate points, local maxima of the
  (blurred) proposal map found level by level from 0.99 down, each peak's
  basin flood-filled so that it yields one point (the official Cython
  ``find_local_maxima``, vectorised).
- :func:`assemble_from_proposals`: candidates in that order; one is skipped
  when its pixel is already taken; its mask (probability > ``thresh1``) is
  rejected when smaller than 10 pixels or when ``thresh2`` of it is taken
  already; otherwise it is accepted and its pixels taken. Candidates go
  through the instance head a batch at a time (the order of acceptance,
  hence the result, is that of the one-by-one loop).
- :func:`assemble_randomly`: the variant without proposals: a few random
  untaken pixels per round, the one whose mask is most confident kept when
  enough of it is new.
- :func:`connected_components`: the baseline without the instance head:
  every 8-connected component of the predicted thing pixels is an
  instance.
- :func:`panoptic_merge`: stuff from the semantic head, things from the
  accepted instances (per-pixel argmax against the stuff probability).
- :func:`crop_offsets`, :func:`stitch_crops`: images larger than a crop
  processed in overlapping crops, semantic maps averaged and instances of
  neighbouring crops joined by IoU on the overlaps.

Points are ``(x, y)`` pixels here (the official code's are ``(row,
col)``).
"""
import math
from collections import deque
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'proposal_peaks', 'assemble_from_proposals', 'assemble_randomly',
    'panoptic_merge', 'connected_components', 'flip_points',
    'resolve_test_cfg', 'crop_offsets', 'stitch_crops', 'CropResult',
    'PROPOSAL_DEFAULTS', 'RANDOM_DEFAULTS'
]

#: The official defaults of ``predict_instances_with_proposals``.
PROPOSAL_DEFAULTS = dict(
    thresh1=0.4,
    thresh2=0.4,
    ithresh=0.6,
    fl_prob=0.35,
    fl_eps=0.003,
    fl_blur=5,
    fl_step=0.025,
    cut_radius=-1,
    max_iters=500)
#: The official defaults of ``predict_instances_random``.
RANDOM_DEFAULTS = dict(
    thresh1=0.5,
    thresh2=0.6,
    ithresh=0.5,
    num_candidates=5,
    num_iters=40,
    cut_radius=-1)

#: The baseline: connected components of the thing pixels.
COMPONENT_DEFAULTS = dict(threshold=0.5, min_area=10)
SAMPLER_DEFAULTS = dict(proposals=PROPOSAL_DEFAULTS, random=RANDOM_DEFAULTS,
                        components=COMPONENT_DEFAULTS)

_NEIGHBOURS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0),
               (1, 1)]
#: ``MaskFn(points [K, 2] (x, y)) -> [K, H, W]`` instance probabilities.
MaskFn = Callable[[np.ndarray], np.ndarray]


def _levels(prob_thresh: float, step: float) -> np.ndarray:
    """The official sweep ``0.99, 0.99 - step, ... > prob_thresh`` in
    float32 steps (as the Cython loop's ``float`` counter)."""
    levels, level = [], np.float32(0.99)
    while level > np.float32(prob_thresh):
        levels.append(level)
        level = np.float32(level - np.float32(step))
    return np.asarray(levels, np.float32)


def _is_local_max(score: np.ndarray, prob_thresh: float) -> np.ndarray:
    """Pixels no lower than any in-image 8-neighbour, all of which reach
    ``prob_thresh``."""
    height, width = score.shape
    padded = np.pad(score, 1, constant_values=np.nan)
    ok = np.ones_like(score, dtype=bool)
    for dy, dx in _NEIGHBOURS:
        other = padded[1 + dy:1 + dy + height, 1 + dx:1 + dx + width]
        inside = ~np.isnan(other)
        ok &= ~inside | ((other >= np.float32(prob_thresh)) & (score >= other))
    return ok


def _flood_basin(score: np.ndarray, colours: np.ndarray, y: int, x: int,
                 colour: int, eps: float) -> None:
    """Colour the pixels reachable from ``(y, x)`` through 8-neighbours no
    higher than the current pixel + ``eps`` (the official ``bfs_cc``)."""
    height, width = score.shape
    eps = np.float32(eps)
    colours[y, x] = colour
    queue = deque([(y, x)])
    while queue:
        cy, cx = queue.popleft()
        ceiling = score[cy, cx] + eps
        for dy, dx in _NEIGHBOURS:
            ny, nx = cy + dy, cx + dx
            if 0 <= ny < height and 0 <= nx < width and \
                    colours[ny, nx] == -1 and ceiling > score[ny, nx]:
                colours[ny, nx] = colour
                queue.append((ny, nx))


def proposal_peaks(score: np.ndarray,
                   prob_thresh: float = 0.35,
                   eps: float = 0.003,
                   step: float = 0.025) -> np.ndarray:
    """Candidate points of a proposal map, strongest level first.

    Args:
        score (np.ndarray): ``[H, W]`` proposal scores in ``[0, 1]``.
        prob_thresh (float): Lowest level; neighbours below it disqualify.
        eps (float): Flood-fill tolerance of a peak's basin.
        step (float): Level step.

    Returns:
        np.ndarray: ``[N, 2]`` int64 ``(x, y)`` peaks, in the official
        order (level by level from 0.99 down, raster order within a level;
        a peak inside an earlier peak's basin is dropped).
    """
    score = np.ascontiguousarray(score, dtype=np.float32)
    levels = _levels(prob_thresh, step)
    if len(levels) == 0:
        return np.zeros((0, 2), np.int64)
    ys, xs = np.nonzero(_is_local_max(score, prob_thresh) &
                        (score >= levels[-1]))
    values = score[ys, xs]
    # the first level (index into the descending sweep) each peak reaches
    first = np.searchsorted(-levels, -values, side='left')
    order = np.lexsort((xs, ys, first))
    colours = np.full(score.shape, -1, dtype=np.int32)
    peaks = []
    for i in order:
        y, x = int(ys[i]), int(xs[i])
        if colours[y, x] != -1:
            continue
        peaks.append((x, y))
        _flood_basin(score, colours, y, x, len(peaks) - 1, eps)
    return np.asarray(peaks, np.int64).reshape(-1, 2)


def _cut(prob: np.ndarray, point, radius: int) -> np.ndarray:
    """Zero ``prob`` outside the square of half-side ``radius`` around
    ``point`` (x, y) (official ``cut_prob_with_radius``)."""
    x, y = int(point[0]), int(point[1])
    keep = np.zeros_like(prob)
    keep[max(y - radius, 0):y + radius, max(x - radius, 0):x + radius] = 1
    return prob * keep


def assemble_from_proposals(mask_fn: MaskFn,
                            proposal_map: np.ndarray,
                            things_prob: np.ndarray,
                            thresh1: float = 0.4,
                            thresh2: float = 0.4,
                            ithresh: float = 0.6,
                            fl_prob: float = 0.35,
                            fl_eps: float = 0.003,
                            fl_blur: int = 5,
                            fl_step: float = 0.025,
                            cut_radius: int = -1,
                            max_iters: int = 500,
                            batch_size: int = 2,
                            min_area: int = 10
                            ) -> Tuple[List[np.ndarray], np.ndarray]:
    """Greedy assembly from proposal peaks.

    Args:
        mask_fn: Instance probabilities ``[K, H, W]`` of ``[K, 2]`` points.
        proposal_map (np.ndarray): ``[H, W]`` proposal scores
            (``sigmoid^2``, flip-averaged by the caller).
        things_prob (np.ndarray): ``[H, W]`` probability of any thing
            class; proposals where it is below ``ithresh`` are zeroed.
        thresh1 .. max_iters: The official parameters (module docstring;
            ``max_iters`` counts candidates, as the official loop does).
        batch_size (int): Candidates per instance-head pass. Candidates
            computed in a batch may be taken by an earlier one of the same
            batch (wasted work); 2 was fastest on a 2-core CPU (64 x 64
            toy images, ``benchmarks/adaptis_inference.py``), a GPU
            favours more.
        min_area (int): Smallest accepted mask, pixels (official 10).

    Returns:
        tuple: The accepted probability maps (``[H, W]`` each, in order)
        and the candidate peaks ``[N, 2]`` (x, y).
    """
    score = np.where(things_prob < ithresh, 0,
                     proposal_map).astype(np.float32)
    if fl_blur > 1:
        score = cv2.blur(score, (fl_blur, fl_blur))
    peaks = proposal_peaks(score, fl_prob, fl_eps, fl_step)[:max_iters]
    taken = np.zeros(score.shape, bool)
    masks: List[np.ndarray] = []
    start = 0
    while start < len(peaks):
        # the next candidates whose pixel is free now (later ones may be
        # taken by the time they come up: checked again below)
        batch = [i for i in range(start, len(peaks))
                 if not taken[peaks[i][1], peaks[i][0]]][:batch_size]
        if not batch:
            break
        probs = mask_fn(peaks[batch])
        for i, prob in zip(batch, probs):
            x, y = peaks[i]
            if taken[y, x]:
                continue
            if cut_radius > 0:
                prob = _cut(prob, (x, y), cut_radius)
            mask = prob > thresh1
            area = int(mask.sum())
            if area < min_area or taken[mask].sum() / area >= thresh2:
                continue
            masks.append(prob)
            taken |= mask
        start = batch[-1] + 1
    return masks, peaks


def _confidence(prob: np.ndarray, thresh: float = 0.2) -> float:
    """Mean probability over the pixels above ``thresh`` (0 if none)."""
    mask = prob > thresh
    return float(prob[mask].mean()) if mask.any() else 0.0


def assemble_randomly(mask_fn: MaskFn,
                      things_prob: np.ndarray,
                      rng: np.random.Generator,
                      thresh1: float = 0.5,
                      thresh2: float = 0.6,
                      ithresh: float = 0.5,
                      num_candidates: int = 5,
                      num_iters: int = 40,
                      cut_radius: int = -1) -> List[np.ndarray]:
    """Greedy assembly without proposals (official
    ``predict_instances_random``): each round draws ``num_candidates``
    distinct untaken thing pixels, keeps the point whose mask is most
    confident and accepts its mask (``> thresh1``) if at least ``thresh2``
    of it is untaken. An empty mask is rejected (the official code divides
    by its zero area).

    Returns:
        list: The accepted probability maps ``[H, W]``.
    """
    free = things_prob >= ithresh
    masks: List[np.ndarray] = []
    for _ in range(num_iters):
        ys, xs = np.nonzero(free)
        if len(ys) == 0:
            break
        pick = rng.choice(len(ys), min(num_candidates, len(ys)),
                          replace=False)
        points = np.stack((xs[pick], ys[pick]), axis=1)
        probs = mask_fn(points)
        best = int(np.argmax([_confidence(p) for p in probs]))
        prob = probs[best]
        if cut_radius > 0:
            prob = _cut(prob, points[best], cut_radius)
        mask = prob > thresh1
        area = int(mask.sum())
        if area == 0 or free[mask].sum() / area < thresh2:
            continue
        free &= ~mask
        masks.append(prob)
    return masks


def connected_components(things_prob: np.ndarray,
                         threshold: float = 0.5,
                         min_area: int = 10) -> List[np.ndarray]:
    """Instances as the 8-connected components of ``things_prob >
    threshold`` (components under ``min_area`` pixels dropped); each
    returned as a 0/1 float map ``[H, W]`` (for :func:`panoptic_merge`)."""
    from skimage.measure import label
    components = label(things_prob > threshold, connectivity=2)
    masks = []
    for index in range(1, int(components.max()) + 1):
        mask = components == index
        if mask.sum() >= min_area:
            masks.append(mask.astype(np.float32))
    return masks


def panoptic_merge(instance_probs: Sequence[np.ndarray],
                   things_prob: np.ndarray,
                   stuff_prob: np.ndarray,
                   thresh1: float = 0.4,
                   stuff_prob_mult: float = 1.0,
                   min_things_prob: float = 0.0,
                   min_stuff_prob: float = 0.0) -> Dict[str, np.ndarray]:
    """Instances and stuff into one panoptic result (official
    ``get_panoptic_segmentation``, one crop).

    Args:
        instance_probs: ``M`` accepted maps ``[H, W]``.
        things_prob (np.ndarray): ``[T, H, W]`` semantic probabilities of
            the thing classes.
        stuff_prob (np.ndarray): ``[S, H, W]`` of the stuff classes (the
            semantic head's first ``S`` channels).
        thresh1 (float): Mask threshold for an instance's class vote.
        stuff_prob_mult (float): Weight of "no thing" against instances.
        min_things_prob (float): Pixels whose best instance probability is
            below it get no instance.
        min_stuff_prob (float): Pixels whose best stuff probability is
            below it get semantic label -1.

    Returns:
        dict: ``instance_ids`` ``[H, W]`` int64 (0 none, ``1..M``, the
        accepted instances that keep pixels, in order of acceptance);
        ``instance_labels`` ``[M]`` semantic class of each instance
        (``S + t``); ``instance_scores`` ``[M]`` its mean probability
        inside its ``thresh1`` mask (the confidence mask AP ranks by); ``semantic`` ``[H, W]`` int64 argmax over stuff and
        things (-1 unlabelled).
    """
    not_thing = stuff_prob_mult * (1 - things_prob.sum(axis=0))
    layers = np.stack([not_thing, *instance_probs])
    instance_ids = layers.argmax(axis=0).astype(np.int64)
    if len(instance_probs):
        instance_ids[layers[1:].max(axis=0) < min_things_prob] = 0
    labels, scores = [], []
    for prob in instance_probs:
        mask = prob > thresh1
        votes = things_prob[:, mask].mean(axis=1) if mask.any() else \
            np.zeros(len(things_prob))
        labels.append(len(stuff_prob) + int(np.argmax(votes)))
        scores.append(float(prob[mask].mean()) if mask.any() else 0.0)
    semantic = np.concatenate((stuff_prob, things_prob)).argmax(axis=0)
    semantic = semantic.astype(np.int64)
    semantic[stuff_prob.max(axis=0) < min_stuff_prob] = -1
    # instances left without a pixel by the argmax are dropped (the
    # official COCO conversion skips empty segments); ids stay 1..M
    kept = np.unique(instance_ids[instance_ids > 0])
    renumber = np.zeros(len(layers), np.int64)
    renumber[kept] = np.arange(1, len(kept) + 1)
    return dict(
        instance_ids=renumber[instance_ids],
        instance_labels=np.asarray(labels, np.int64).reshape(-1)[kept - 1],
        instance_scores=np.asarray(scores, np.float64).reshape(-1)[kept - 1],
        semantic=semantic)


def flip_points(points: np.ndarray, width: int,
                legacy_flip_column: bool = False) -> np.ndarray:
    """``(x, y)`` points of an image of ``width`` in its mirror image:
    ``x -> W - 1 - x``; the official code uses ``W - x``
    (``legacy_flip_column=True``), one pixel off (``x = W`` then reads the
    last column, as RoIAlign clamps)."""
    flipped = np.array(points, dtype=np.float64, copy=True)
    flipped[:, 0] = (width if legacy_flip_column else width - 1) - \
        flipped[:, 0]
    return flipped


def resolve_test_cfg(test_cfg: Optional[dict]) -> dict:
    """Test settings with the official defaults of the chosen sampler; a
    config may hold every sampler's settings, the chosen one's are used."""
    cfg = dict(test_cfg or {})
    cfg.pop('num_stuff_classes', None)  # read by the model
    sampler = cfg.pop('sampler', 'proposals')
    if sampler not in SAMPLER_DEFAULTS:
        raise ValueError("test_cfg['sampler'] must be one of "
                         f"{sorted(SAMPLER_DEFAULTS)}, got {sampler!r}")
    resolved = dict(
        sampler=sampler,
        use_flip=cfg.pop('use_flip', True),
        legacy_flip_column=cfg.pop('legacy_flip_column', False),
        seed=cfg.pop('seed', 0),
        batch_size=cfg.pop('batch_size', 2),
        crop_size=_crop_size(cfg.pop('crop_size', None)),
        min_overlap=cfg.pop('min_overlap', 0.2))
    merge_keys = ('stuff_prob_mult', 'min_things_prob', 'min_stuff_prob')
    unknown = set(cfg) - set(merge_keys).union(*SAMPLER_DEFAULTS.values())
    if unknown:
        raise ValueError(f'unknown AdaptIS test_cfg keys {sorted(unknown)}')
    resolved['merge'] = {k: cfg[k] for k in merge_keys if k in cfg}
    resolved['sampling'] = {
        k: cfg.get(k, v)
        for k, v in SAMPLER_DEFAULTS[sampler].items()
    }
    return resolved


#: One crop's outputs: ``(dy, dx)`` of its top-left corner, its ``M``
#: instance maps ``[h, w]``, thing and stuff probabilities ``[T, h, w]``,
#: ``[S, h, w]``.
CropResult = Tuple[Tuple[int, int], Sequence[np.ndarray], np.ndarray,
                   np.ndarray]


def crop_offsets(length: int, crop: int,
                 min_overlap: float = 0.2) -> Tuple[List[int], float]:
    """Offsets of overlapping crops along one axis (the official
    ``get_offsets``): the fewest crops of ``crop`` pixels that overlap by
    at least ``min_overlap`` of a crop, spread evenly, the last one flush
    with the end. Returns the offsets and the overlap (a fraction of
    ``crop``); an axis no longer than a crop gives ``[0], 1.0``. With
    ``min_overlap=0`` and a length that is a multiple of ``crop`` the
    crops do not overlap, and :func:`stitch_crops` cannot join instances
    across them (as in the official code)."""
    if crop < 1 or not 0 <= min_overlap < 1:
        raise ValueError(f'crop must be >= 1 and min_overlap in [0, 1), got '
                         f'{crop} and {min_overlap}')
    if length <= crop:
        return [0], 1.0
    count = max(2, math.ceil((length / crop - min_overlap) /
                             (1 - min_overlap)))
    overlap = (count - length / crop) / (count - 1)
    step = crop - int(crop * overlap)
    offsets = [0]
    for _ in range(1, count):
        offsets.append(min(offsets[-1] + step, length - crop))
    return offsets, overlap


def _crop_size(crop_size) -> Optional[Tuple[int, int]]:
    """``test_cfg['crop_size']``: ``None``, an int or ``(h, w)``."""
    if crop_size is None:
        return None
    if isinstance(crop_size, int):
        crop_size = (crop_size, crop_size)
    if len(crop_size) != 2 or not all(isinstance(c, int) and c > 0
                                      for c in crop_size):
        raise ValueError("test_cfg['crop_size'] must be None, an int or "
                         f'(h, w) of positive ints, got {crop_size!r}')
    return tuple(crop_size)


def stitch_crops(size: Tuple[int, int], crop_size: Tuple[int, int],
                 overlap_pixels: Tuple[int, int],
                 crops: Sequence[CropResult],
                 min_prob: float = 0.4):
    """Join per-crop results into whole-image ones (the official
    ``get_panoptic_segmentation`` with ``crop_size``).

    Crops come in row-major order. Semantic probabilities are averaged
    over the crops covering a pixel. In each crop a pixel is owned by its
    most probable instance map when that probability exceeds ``min_prob``
    (the sampler's ``thresh1``; the official code gives every pixel to
    its arg-max, so the first instance of a crop owns its background and
    joins whatever instance owned the background of the crop before: a
    deviation, tested); an instance joins an earlier one when,
    in the crop's top overlap (``overlap_pixels[0]`` rows, crops below the
    first row), their owned regions have IoU above 0.5, else in its left
    overlap (``overlap_pixels[1]`` columns) above 0.3; otherwise it is a
    new instance. A joined instance's map is the mean of its crops' maps
    where they cover it.

    Returns:
        tuple: the instance maps ``[H, W]`` (whole image), thing and stuff
        probabilities ``[T, H, W]``, ``[S, H, W]``.
    """
    height, width = size
    rows, cols = overlap_pixels
    (_, _, things0, stuff0) = crops[0]
    things = np.zeros((len(things0), height, width), np.float32)
    stuff = np.zeros((len(stuff0), height, width), np.float32)
    counts = np.zeros((height, width), np.float32)
    sums, covers = [], []
    owner_of = np.zeros((height, width), np.int32)  # 0: none, k: sums[k-1]
    for (dy, dx), masks, crop_things, crop_stuff in crops:
        win = (slice(dy, dy + crop_size[0]), slice(dx, dx + crop_size[1]))
        things[:, win[0], win[1]] += crop_things
        stuff[:, win[0], win[1]] += crop_stuff
        counts[win] += 1
        if not len(masks):
            continue
        owners = np.argmax(np.stack(masks), axis=0)
        occupied = owner_of[win]  # a view: joins update it as they go
        top_labels = np.unique(occupied[:rows]) if dy > 0 else []
        left_labels = np.unique(occupied[:, :cols]) if dx > 0 else []
        for i, mask in enumerate(masks):
            owned = (owners == i) & (mask > min_prob)
            label = _overlap_match(owned[:rows], occupied[:rows],
                                   top_labels, 0.5) or \
                _overlap_match(owned[:, :cols], occupied[:, :cols],
                               left_labels, 0.3)
            if label is None:
                sums.append(np.zeros((height, width), np.float32))
                covers.append(np.zeros((height, width), np.float32))
                label = len(sums)
            sums[label - 1][win] += mask
            covers[label - 1][win] += 1
            occupied[owned] = label
    things /= counts
    stuff /= counts
    maps = [total / np.maximum(cover, 1) for total, cover in zip(sums,
                                                                 covers)]
    return maps, things, stuff


def _overlap_match(owned: np.ndarray, occupied: np.ndarray,
                   labels: Sequence[int], min_iou: float) -> Optional[int]:
    """The first earlier instance (of ``labels``, ``0`` = none skipped)
    whose region in the overlap has IoU above ``min_iou`` with ``owned``."""
    for label in labels:
        if label == 0:
            continue
        other = occupied == label
        union = np.logical_or(owned, other).sum()
        if union and np.logical_and(owned, other).sum() / union > min_iou:
            return int(label)
    return None
