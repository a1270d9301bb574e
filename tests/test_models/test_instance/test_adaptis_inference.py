# Copyright (c) mmcorr contributors. All rights reserved.
"""AdaptIS inference: peaks against the official loop, the greedy
assembly's batching, the panoptic merge by hand."""
import math
from collections import deque

import numpy as np
import pytest

from mmcorr.models.instance.adaptis_inference import (
    assemble_from_proposals, assemble_randomly, crop_offsets, flip_points,
    panoptic_merge, proposal_peaks, resolve_test_cfg, stitch_crops)

NEIGHBOURS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0),
              (1, 1)]


def official_loop(prob_map, prob_thresh, eps, step):
    """The official Cython ``find_local_maxima``, written out as plain
    loops: returns (row, col) peaks."""
    h, w = prob_map.shape
    colours = np.full((h, w), -1)
    peaks = []
    level = np.float32(0.99)
    while level > np.float32(prob_thresh):
        for i in range(h):
            for j in range(w):
                if colours[i, j] != -1 or prob_map[i, j] < level:
                    continue
                good = True
                for di, dj in NEIGHBOURS:
                    ni, nj = i + di, j + dj
                    if 0 <= ni < h and 0 <= nj < w:
                        u = prob_map[ni, nj]
                        if u < prob_thresh or prob_map[i, j] < u:
                            good = False
                            break
                if good:
                    peaks.append((i, j))
                    colour = len(peaks) - 1
                    colours[i, j] = colour
                    queue = deque([(i, j)])
                    while queue:
                        x, y = queue.popleft()
                        for di, dj in NEIGHBOURS:
                            nx, ny = x + di, y + dj
                            if 0 <= nx < h and 0 <= ny < w and \
                                    colours[nx, ny] == -1 and \
                                    prob_map[x, y] + np.float32(eps) > \
                                    prob_map[nx, ny]:
                                colours[nx, ny] = colour
                                queue.append((nx, ny))
        level = np.float32(level - np.float32(step))
    return peaks


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_peaks_equal_the_official_loop(seed):
    rng = np.random.default_rng(seed)
    coarse = rng.random((5, 6)).astype(np.float32)
    score = np.kron(coarse, np.ones((4, 4), np.float32))  # plateaus
    score += 0.01 * rng.random(score.shape).astype(np.float32)
    score = (score / score.max() * 0.98).astype(np.float32)
    ours = proposal_peaks(score, prob_thresh=0.1, eps=0.003, step=0.025)
    theirs = official_loop(score, 0.1, 0.003, 0.025)
    assert [(y, x) for x, y in ours.tolist()] == theirs
    assert len(theirs) > 1


def blobs():
    """Two square objects; masks of a point = its square."""
    size = (20, 24)
    squares = [(2, 9, 3, 10), (10, 18, 12, 22)]  # y0, y1, x0, x1

    def mask_fn(points):
        out = np.zeros((len(points), *size), np.float32)
        for k, (x, y) in enumerate(points):
            for y0, y1, x0, x1 in squares:
                if y0 <= y < y1 and x0 <= x < x1:
                    out[k, y0:y1, x0:x1] = 0.9
        return out

    things = np.zeros(size, np.float32)
    proposals = np.zeros(size, np.float32)
    for y0, y1, x0, x1 in squares:
        things[y0:y1, x0:x1] = 1
        cy, cx = (y0 + y1) // 2, (x0 + x1) // 2
        yy, xx = np.mgrid[:size[0], :size[1]]
        bump = np.exp(-((yy - cy)**2 + (xx - cx)**2) / 8.0)
        proposals = np.maximum(proposals, 0.95 * bump * things)
    return mask_fn, proposals.astype(np.float32), things


@pytest.mark.parametrize('batch_size', [1, 3, 16])
def test_greedy_assembly_finds_each_object_once(batch_size):
    mask_fn, proposals, things = blobs()
    masks, peaks = assemble_from_proposals(
        mask_fn, proposals, things, ithresh=0.3, fl_prob=0.1, fl_blur=1,
        batch_size=batch_size)
    assert len(masks) == 2 and len(peaks) >= 2
    assert not ((masks[0] > 0.4) & (masks[1] > 0.4)).any()


def test_random_assembly_is_seeded():
    mask_fn, _, things = blobs()
    runs = [assemble_randomly(mask_fn, things, np.random.default_rng(3),
                              thresh1=0.4) for _ in range(2)]
    assert len(runs[0]) == 2
    assert all(np.array_equal(a, b) for a, b in zip(*runs))


def test_panoptic_merge_by_hand():
    things = np.array([[[0.9, 0.8, 0.1]]], np.float32)  # [T=1, 1, 3]
    stuff = 1 - things
    inst = [np.array([[0.7, 0.2, 0.0]], np.float32),
            np.array([[0.1, 0.9, 0.0]], np.float32)]
    out = panoptic_merge(inst, things, stuff, thresh1=0.4)
    # not-thing = 1 - things = [0.1, 0.2, 0.9]
    assert out['instance_ids'].tolist() == [[1, 2, 0]]
    assert out['instance_labels'].tolist() == [1, 1]
    assert out['semantic'].tolist() == [[1, 1, 0]]
    out = panoptic_merge(inst, things, stuff, min_things_prob=0.8)
    # instance 1 keeps no pixel: dropped, instance 2 renumbered to 1
    assert out['instance_ids'].tolist() == [[0, 1, 0]]
    assert out['instance_labels'].tolist() == [1]
    empty = panoptic_merge([], things, stuff)
    assert empty['instance_ids'].tolist() == [[0, 0, 0]]


def test_flip_points_and_cfg():
    pts = np.array([[0, 5], [9, 1]])
    assert flip_points(pts, 10).tolist() == [[9, 5], [0, 1]]
    assert flip_points(pts, 10, legacy_flip_column=True).tolist() == \
        [[10, 5], [1, 1]]
    cfg = resolve_test_cfg(dict(sampler='random', thresh1=0.3))
    assert cfg['sampling']['thresh1'] == 0.3
    assert cfg['sampling']['num_candidates'] == 5
    with pytest.raises(ValueError, match='sampler'):
        resolve_test_cfg(dict(sampler='grid'))


def test_crop_size_setting():
    assert resolve_test_cfg(dict(crop_size=64))['crop_size'] == (64, 64)
    assert resolve_test_cfg(dict(crop_size=(40, 72)))['crop_size'] == (40,
                                                                       72)
    assert resolve_test_cfg({})['crop_size'] is None
    with pytest.raises(ValueError, match='crop_size'):
        resolve_test_cfg(dict(crop_size=(40, 0)))


def test_cfg_keeps_the_chosen_samplers_settings():
    cfg = resolve_test_cfg(dict(sampler='random', fl_prob=0.1, thresh1=0.3,
                                num_stuff_classes=1))
    assert 'fl_prob' not in cfg['sampling']
    with pytest.raises(ValueError, match='unknown AdaptIS test_cfg'):
        resolve_test_cfg(dict(thresh3=1))


def official_offsets(length, crop_size, min_overlap_ratio=0.2):
    """A transcription of the official ``get_offsets`` (lengths above a
    crop)."""
    n = math.ceil((length / crop_size - min_overlap_ratio) /
                  (1 - min_overlap_ratio))
    overlap_ratio = (n - length / crop_size) / (n - 1)
    overlap_width = int(crop_size * overlap_ratio)
    offsets = [0]
    for _ in range(1, n):
        new_offset = offsets[-1] + crop_size - overlap_width
        if new_offset + crop_size > length:
            new_offset = length - crop_size
        offsets.append(new_offset)
    return offsets, overlap_ratio


@pytest.mark.parametrize('length, crop, overlap', [(2048, 720, 0.2),
                                                   (1024, 400, 0.2),
                                                   (101, 50, 0.3),
                                                   (51, 50, 0.2),
                                                   (300, 64, 0.0)])
def test_crop_offsets_equal_the_official_ones(length, crop, overlap):
    offsets, ratio = crop_offsets(length, crop, overlap)
    assert (offsets, ratio) == official_offsets(length, crop, overlap)
    assert offsets[-1] + crop == length  # the last crop is flush
    assert all(b - a <= crop * (1 - overlap) for a, b in
               zip(offsets, offsets[1:]))
    assert crop_offsets(crop, crop) == ([0], 1.0)
    assert crop_offsets(crop - 1, crop) == ([0], 1.0)


def test_stitched_crops_rebuild_the_whole_image():
    """Instances that cross crop borders, cut into overlapping crops, are
    joined back: the stitched maps equal the whole-image ones, semantic
    maps are the average of their crops (here all equal)."""
    height, width, crop = 40, 56, (24, 32)
    gen = np.random.default_rng(0)
    masks = []
    for y0, y1, x0, x1 in [(2, 30, 4, 20), (5, 15, 25, 50), (20, 38, 30, 54),
                           (32, 39, 2, 12)]:
        mask = np.full((height, width), 0.02, np.float32)
        mask[y0:y1, x0:x1] = 0.6 + 0.3 * gen.random((y1 - y0, x1 - x0))
        masks.append(mask)
    things = gen.random((1, height, width)).astype(np.float32)
    stuff = 1 - things
    ys, y_ratio = crop_offsets(height, crop[0])
    xs, x_ratio = crop_offsets(width, crop[1])
    crops = []
    for dy in ys:
        for dx in xs:
            win = (slice(dy, dy + crop[0]), slice(dx, dx + crop[1]))
            present = [m[win] for m in masks if (m[win] > 0.5).any()]
            crops.append(((dy, dx), present, things[:, win[0], win[1]],
                          stuff[:, win[0], win[1]]))
    maps, got_things, got_stuff = stitch_crops(
        (height, width), crop,
        (int(y_ratio * crop[0]), int(x_ratio * crop[1])), crops)
    assert len(maps) == len(masks)
    for got, want in zip(maps, masks):
        covered = got > 0
        assert np.allclose(got[want > 0.5], want[want > 0.5], atol=1e-6)
        assert covered[want > 0.5].all()
    assert np.allclose(got_things, things, atol=1e-6)
    assert np.allclose(got_stuff, stuff, atol=1e-6)
    # the official ownership (every pixel to its arg-max, background to a
    # crop's first instance) joins unrelated instances through the
    # background
    joined, _, _ = stitch_crops(
        (height, width), crop,
        (int(y_ratio * crop[0]), int(x_ratio * crop[1])), crops,
        min_prob=-1.0)
    assert not all(np.allclose(got[want > 0.5], want[want > 0.5])
                   for got, want in zip(joined, masks))
