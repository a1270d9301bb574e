# Copyright (c) mmcorr contributors. All rights reserved.
"""mmcorr.ops.coordinates: the pixel frame, normalised coordinates,
homographies and point transfer, checked against grid_sample, cv2 and
brute force."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmcorr.ops import flow_warp, identity_grid
from mmcorr.ops.coordinates import (POINT_SAMPLINGS, apply_homography,
                                    base_grid, denormalize_coords,
                                    flip_homography, flow_to_grid,
                                    flow_to_pixels, normalize_coords,
                                    resize_homography, transfer_points,
                                    translation_homography)

SIZES = [(5, 9), (1, 7), (6, 1), (1, 1), (32, 20)]


def lattice(height, width):
    """``[H, W, 2]`` float64 ``(x, y)`` of every pixel."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    return np.stack([xs, ys], -1)


# ------------------------------------------------ normalised coordinates
@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('align_corners', [True, False])
def test_round_trip_numpy_and_torch(size, align_corners):
    rng = np.random.default_rng(0)
    points = rng.uniform(-3, 12, (40, 2))
    norm = normalize_coords(points, size, align_corners)
    assert isinstance(norm, np.ndarray) and norm.dtype == np.float64
    assert norm.shape == points.shape
    np.testing.assert_allclose(
        denormalize_coords(norm, size, align_corners), points, atol=1e-12)
    np.testing.assert_allclose(
        normalize_coords(
            denormalize_coords(norm, size, align_corners), size,
            align_corners),
        norm,
        atol=1e-12)
    for dtype, atol in ((torch.float64, 1e-12), (torch.float32, 1e-5)):
        tensor = torch.from_numpy(points).to(dtype)
        tnorm = normalize_coords(tensor, size, align_corners)
        assert isinstance(tnorm, torch.Tensor) and tnorm.dtype == dtype
        np.testing.assert_allclose(tnorm.double().numpy(), norm, atol=atol)
        back = denormalize_coords(tnorm, size, align_corners)
        assert back.dtype == dtype
        np.testing.assert_allclose(back.double().numpy(), points, atol=atol)


def test_normalize_known_values():
    size = (5, 9)  # H, W
    true = normalize_coords(np.array([[0., 0.], [8., 4.], [4., 2.]]), size)
    np.testing.assert_allclose(true, [[-1, -1], [1, 1], [0, 0]])
    edges = np.array([[-0.5, -0.5], [8.5, 4.5], [0., 0.], [4., 2.]])
    false = normalize_coords(edges, size, align_corners=False)
    np.testing.assert_allclose(
        false, [[-1, -1], [1, 1], [-1 + 1 / 9, -1 + 1 / 5], [0, 0]])
    # extra leading dimensions are fine
    grid = normalize_coords(lattice(*size), size)
    assert grid.shape == (5, 9, 2)
    np.testing.assert_allclose(grid[0, :, 0], np.linspace(-1, 1, 9))


def test_one_pixel_sides():
    """A one-pixel side has a single centre: 0 in both meanings (the module
    docstring; align_corners=True would divide by zero)."""
    zero = np.zeros((1, 2))
    for align_corners in (True, False):
        np.testing.assert_array_equal(
            normalize_coords(zero, (1, 1), align_corners), [[0, 0]])
        np.testing.assert_array_equal(
            denormalize_coords(zero, (1, 1), align_corners), zero)
        # a one-pixel axis next to a longer one
        np.testing.assert_allclose(
            normalize_coords(np.array([[4.0, 0.0]]), (1, 5), align_corners),
            [[1 if align_corners else 0.8, 0]])
        # finite, never a division by zero
        assert np.isfinite(
            normalize_coords(np.array([[3., 2.]]), (1, 1),
                             align_corners)).all()


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('align_corners', [True, False])
def test_base_grid_is_every_pixels_normalised_position(size, align_corners):
    like = torch.zeros((), dtype=torch.float64)
    grid = base_grid(*size, like, align_corners)
    pixels = torch.from_numpy(lattice(*size))
    torch.testing.assert_close(
        grid[0],
        normalize_coords(pixels, size, align_corners),
        atol=1e-12,
        rtol=0)
    torch.testing.assert_close(
        denormalize_coords(grid[0], size, align_corners),
        pixels,
        atol=1e-12,
        rtol=0)


@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('align_corners', [True, False])
def test_normalised_pixels_read_those_pixels(size, align_corners):
    """grid_sample with the same align_corners at the normalised pixel
    positions returns the pixels themselves."""
    gen = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, *size, generator=gen, dtype=torch.float64)
    grid = normalize_coords(
        torch.from_numpy(lattice(*size)), size, align_corners)[None]
    out = F.grid_sample(
        image,
        grid,
        mode='bilinear',
        padding_mode='zeros',
        align_corners=align_corners)
    torch.testing.assert_close(out, image, atol=1e-12, rtol=0)


# ------------------------------------------------------------ base grid
@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_base_grid_is_identity_grid_for_align_corners(size, dtype):
    like = torch.zeros((), dtype=dtype)
    grid = base_grid(*size, like, align_corners=True)
    assert grid.shape == (1, *size, 2) and grid.dtype == dtype
    expected = identity_grid(*size, like)
    atol = 1e-6 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(grid, expected, atol=atol, rtol=0)


@pytest.mark.parametrize('size', SIZES)
def test_base_grid_pixel_centres(size):
    like = torch.zeros((), dtype=torch.float64)
    grid = base_grid(*size, like, align_corners=False)
    height, width = size
    xs = (2 * torch.arange(width, dtype=torch.float64) + 1) / width - 1
    ys = (2 * torch.arange(height, dtype=torch.float64) + 1) / height - 1
    torch.testing.assert_close(grid[0, ..., 0], xs.expand(height, width))
    torch.testing.assert_close(grid[0, ..., 1], ys[:,
                                                   None].expand(height, width))
    # the identity of grid_sample(align_corners=False)
    image = torch.rand(1, 2, *size, dtype=torch.float64)
    out = F.grid_sample(image, grid, align_corners=False)
    torch.testing.assert_close(out, image, atol=1e-12, rtol=0)


def test_base_grid_validation():
    like = torch.zeros(())
    with pytest.raises(ValueError, match='height'):
        base_grid(0, 4, like)
    with pytest.raises(ValueError, match='width'):
        base_grid(4, 2.0, like)
    with pytest.raises(TypeError, match='floating-point'):
        base_grid(4, 4, torch.zeros((), dtype=torch.int64))


# ---------------------------------------------------------- flow to grid
@pytest.mark.parametrize('convention,align_corners',
                         [('pixel', False), ('pixel', True),
                          ('sfnet_legacy', True), ('sfnet_legacy', False),
                          ('alignseg_legacy', False),
                          ('alignseg_legacy', True)])
@pytest.mark.parametrize('out_size', [(6, 8), (11, 5), (1, 4)])
def test_flow_to_grid_reproduces_flow_warp(convention, align_corners,
                                           out_size):
    gen = torch.Generator().manual_seed(3)
    feat = torch.rand(2, 3, 7, 9, generator=gen, dtype=torch.float64)
    flow = torch.randn(2, 2, *out_size, generator=gen, dtype=torch.float64) * 2
    grid = flow_to_grid(flow, feat.shape[-2:], convention, align_corners)
    assert grid.shape == (2, *out_size, 2) and grid.dtype == flow.dtype
    expected = flow_warp(feat, flow, convention, align_corners=align_corners)
    got = F.grid_sample(
        feat,
        grid,
        mode='bilinear',
        padding_mode='zeros',
        align_corners=align_corners)
    torch.testing.assert_close(got, expected, atol=1e-12, rtol=0)


@pytest.mark.parametrize('size', SIZES)
def test_flow_to_grid_zero_pixel_flow_is_the_base_grid(size):
    """Zero flow is the base grid, except that a one-pixel side reads pixel
    0 with align_corners=True (F.interpolate's corner-aligned resize)."""
    flow = torch.zeros(1, 2, *size, dtype=torch.float64)
    for align_corners in (True, False):
        expected = base_grid(*size, flow, align_corners).clone()
        if align_corners:
            for axis, side in ((0, size[1]), (1, size[0])):
                if side == 1:
                    expected[..., axis] = -1
        torch.testing.assert_close(
            flow_to_grid(flow, size, 'pixel', align_corners),
            expected,
            atol=1e-12,
            rtol=0)


def test_pixel_flow_onto_one_pixel_reads_like_interpolate():
    feat = torch.randn(1, 3, 5, 7, dtype=torch.float64)
    for size in ((1, 1), (1, 4), (3, 1)):
        out = flow_warp(
            feat,
            torch.zeros(1, 2, *size, dtype=torch.float64),
            'pixel',
            align_corners=True)
        torch.testing.assert_close(
            out,
            F.interpolate(
                feat, size=size, mode='bilinear', align_corners=True),
            atol=1e-12,
            rtol=0)


def test_flow_to_pixels_is_the_identity_for_pixel_flows():
    flow = torch.randn(2, 2, 6, 9, dtype=torch.float64)
    for align_corners in (True, False):
        torch.testing.assert_close(
            flow_to_pixels(flow, (3, 4), 'pixel', align_corners),
            flow,
            atol=1e-12,
            rtol=0)


def test_flow_to_pixels_of_legacy_flows_matches_the_warp():
    """Warping a ramp by a legacy flow reads the ramp where flow_to_pixels
    says (in output pixels, mapped back to the input's)."""
    height, width = 6, 9
    ramp = torch.arange(width, dtype=torch.float64).expand(1, 1, height, width)
    flow = torch.full((1, 2, height, width), 1.5, dtype=torch.float64)
    for convention in ('sfnet_legacy', 'alignseg_legacy'):
        align = convention == 'sfnet_legacy'
        read = flow_warp(ramp, flow, convention, padding_mode='border')[0, 0]
        pixels = flow_to_pixels(flow, (height, width), convention, align)
        expected = torch.arange(width, dtype=torch.float64) + pixels[0, 0]
        inside = (expected > 0) & (expected < width - 1)
        torch.testing.assert_close(
            read[inside], expected[inside], atol=1e-9, rtol=0)


def test_flow_to_grid_legacy_units():
    flow = torch.zeros(1, 2, 5, 7, dtype=torch.float64)
    # legacy: flow normalised by the output (sfnet) or the input (alignseg)
    flow[:, 0] = 4.0
    base = identity_grid(5, 7, flow)
    sfnet = flow_to_grid(flow, (10, 20), 'sfnet_legacy', True)
    alignseg = flow_to_grid(flow, (10, 20), 'alignseg_legacy', False)
    torch.testing.assert_close(sfnet[..., 0], base[..., 0] + 4 / 7)
    torch.testing.assert_close(alignseg[..., 0], base[..., 0] + 4 / 20)
    torch.testing.assert_close(sfnet[..., 1], base[..., 1])


# ----------------------------------------------------------- homographies
def test_apply_homography_perspective_matches_brute_force():
    matrix = np.array([[1.2, 0.1, 3.0], [-0.2, 0.9, -1.5], [1e-3, -2e-3, 1.1]])
    rng = np.random.default_rng(0)
    points = rng.uniform(-20, 80, (30, 2))
    expected = []
    for x, y in points:
        u = matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2]
        v = matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2]
        w = matrix[2, 0] * x + matrix[2, 1] * y + matrix[2, 2]
        expected.append((u / w, v / w))
    got = apply_homography(matrix, points)
    assert isinstance(got, np.ndarray) and got.shape == (30, 2)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    tgot = apply_homography(torch.from_numpy(matrix), torch.from_numpy(points))
    assert isinstance(tgot, torch.Tensor) and tgot.dtype == torch.float64
    np.testing.assert_allclose(tgot.numpy(), expected, rtol=1e-12, atol=1e-12)
    # cv2 agrees
    np.testing.assert_allclose(
        cv2.perspectiveTransform(points[None], matrix)[0],
        expected,
        rtol=1e-10,
        atol=1e-10)
    # composition: H2 @ H1 is H1 then H2; the inverse undoes it
    other = translation_homography(2.5, -1) @ resize_homography((9, 9),
                                                                (4, 13))
    np.testing.assert_allclose(
        apply_homography(other @ matrix, points),
        apply_homography(other, apply_homography(matrix, points)),
        atol=1e-9)
    np.testing.assert_allclose(
        apply_homography(np.linalg.inv(matrix), got), points, atol=1e-9)


def test_apply_homography_validation():
    with pytest.raises(ValueError, match='3 x 3'):
        apply_homography(np.eye(2), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r'\[K, 2\]'):
        apply_homography(np.eye(3), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r'\[K, 2\]'):
        apply_homography(np.eye(3), np.zeros(2))


def ramp(height, width):
    """A smooth float32 image, linear in x and y (3 channels)."""
    points = lattice(height, width)
    planes = [
        3 * points[..., 0] + 5 * points[..., 1] + 7,
        -2 * points[..., 0] + 0.5 * points[..., 1],
        points[..., 0] - points[..., 1]
    ]
    return np.stack(planes, -1).astype(np.float32)


def ramp_at(points):
    x, y = points[..., 0], points[..., 1]
    return np.stack([3 * x + 5 * y + 7, -2 * x + 0.5 * y, x - y], -1)


@pytest.mark.parametrize('src,dst,interpolation', [
    ((9, 13), (20, 29), cv2.INTER_LINEAR),
    ((9, 13), (4, 6), cv2.INTER_LINEAR),
    ((12, 16), (6, 8), cv2.INTER_AREA),
    ((10, 10), (17, 5), cv2.INTER_LINEAR),
])
def test_resize_homography_is_cv2_resize_geometry(src, dst, interpolation):
    """Resized value at pixel x' = the ramp at the mapped position
    inverse(H) x' (wherever that lies inside the original image)."""
    image = ramp(*src)
    resized = cv2.resize(image, dst[::-1], interpolation=interpolation)
    assert resized.shape[:2] == dst
    matrix = resize_homography(src, dst)
    assert matrix.dtype == np.float64 and matrix.shape == (3, 3)
    out = lattice(*dst).reshape(-1, 2)
    mapped = apply_homography(np.linalg.inv(matrix), out)
    inside = ((mapped >= 0) & (mapped <= np.array(src[::-1]) - 1)).all(1)
    assert inside.sum() >= 0.5 * len(out)
    np.testing.assert_allclose(
        resized.reshape(-1, 3)[inside], ramp_at(mapped[inside]), atol=1e-3)
    # the formula of the docstring
    np.testing.assert_allclose(
        mapped[:, 0], (out[:, 0] + 0.5) * src[1] / dst[1] - 0.5, atol=1e-12)


def test_resize_homography_identity_and_inverse():
    np.testing.assert_array_equal(resize_homography((7, 5), (7, 5)), np.eye(3))
    np.testing.assert_allclose(
        resize_homography((30, 40), (9, 11)) @ resize_homography((9, 11),
                                                                 (30, 40)),
        np.eye(3),
        atol=1e-12)
    # pixel edges stay aligned: -0.5 and W - 0.5 map to -0.5 and W' - 0.5
    edges = apply_homography(
        resize_homography((30, 40), (9, 11)),
        np.array([[-0.5, -0.5], [39.5, 29.5]]))
    np.testing.assert_allclose(edges, [[-0.5, -0.5], [10.5, 8.5]])


@pytest.mark.parametrize('direction,code', [('horizontal', 1), ('vertical', 0),
                                            ('diagonal', -1)])
def test_flip_homography_is_the_flip(direction, code):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (6, 9), dtype=np.uint8)
    flipped = cv2.flip(image, code)
    matrix = flip_homography(image.shape, direction)
    points = lattice(6, 9).reshape(-1, 2)
    moved = np.round(apply_homography(matrix, points)).astype(int)
    np.testing.assert_array_equal(
        flipped[moved[:, 1], moved[:, 0]], image[points[:, 1].astype(int),
                                                 points[:, 0].astype(int)])
    np.testing.assert_allclose(matrix @ matrix, np.eye(3))  # an involution
    with pytest.raises(ValueError, match='flip direction'):
        flip_homography((6, 9), 'sideways')


def test_translation_homography_is_the_padding():
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    left, top = 3, 2
    padded = cv2.copyMakeBorder(image, top, 4, left, 1, cv2.BORDER_CONSTANT)
    points = lattice(5, 7).reshape(-1, 2)
    moved = apply_homography(translation_homography(left, top),
                             points).astype(int)
    np.testing.assert_array_equal(
        padded[moved[:, 1], moved[:, 0]], image[points[:, 1].astype(int),
                                                points[:, 0].astype(int)])
    # a crop is a negative translation
    crop = padded[1:, 2:]
    moved = apply_homography(
        translation_homography(left - 2, top - 1), points).astype(int)
    np.testing.assert_array_equal(crop[moved[:, 1], moved[:, 0]],
                                  image.reshape(-1))


# --------------------------------------------------------- point transfer
def random_grid(height, width, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(
        height, width, 2, generator=gen, dtype=torch.float64) * 2.2 - 1.1


def test_transfer_points_nearest_is_the_sfnet_evaluation():
    """SFNet's evaluation: upsample the grid to the image size
    (align_corners=True), read it at the rounded point, denormalise."""
    grid = random_grid(20, 20)
    size, other = (57, 83), (41, 29)
    up = F.interpolate(
        grid.permute(2, 0, 1)[None],
        size=size,
        mode='bilinear',
        align_corners=True)[0]
    up = up.permute(1, 2, 0).numpy()
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 1, (60, 2)) * [size[1] - 1, size[0] - 1]
    points[:6] = [[0, 0], [82, 56], [2.5, 3.5], [1.5, 0.5], [81.6, 55.5],
                  [40.49, 20.51]]  # corners, ties (half to even)
    idx = np.round(points).astype(int)
    g = up[idx[:, 1], idx[:, 0]]
    expected = (g + 1) / 2 * [other[1] - 1, other[0] - 1]
    got = transfer_points(grid, torch.from_numpy(points), size, other,
                          'nearest')
    assert got.dtype == torch.float64 and got.shape == (60, 2)
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-10)
    # points outside the image read the nearest border pixel
    outside = torch.tensor([[-4.0, 3.2], [90.0, 70.0]])
    clamped = torch.tensor([[0.0, 3.0], [82.0, 56.0]])
    torch.testing.assert_close(
        transfer_points(grid, outside, size, other, 'nearest'),
        transfer_points(grid, clamped, size, other, 'nearest'))


def test_transfer_points_bilinear_is_grid_sample_at_the_point():
    grid = random_grid(12, 15, seed=1).float()  # any float dtype
    size, other = (48, 60), (33, 71)
    rng = np.random.default_rng(1)
    # inside and around the image (the border value outside)
    points = torch.from_numpy(
        rng.uniform(-0.1, 1.1, (50, 2)) * [size[1] - 1, size[0] - 1])
    query = normalize_coords(points, size, True)
    read = F.grid_sample(
        grid.double().permute(2, 0, 1)[None],
        query[None, None],
        mode='bilinear',
        padding_mode='border',
        align_corners=True)
    expected = denormalize_coords(read[0, :, 0].t(), other, True)
    got = transfer_points(grid, points, size, other)
    torch.testing.assert_close(got, expected, atol=1e-10, rtol=0)
    # by hand, at one point: cell position x (Wf - 1) / (W - 1)
    x, y = 13.3, 27.8
    u, v = x * 14 / 59, y * 11 / 47
    u0, v0 = int(u), int(v)
    du, dv = u - u0, v - v0
    g = grid.double().numpy()
    value = (
        g[v0, u0] * (1 - du) * (1 - dv) + g[v0, u0 + 1] * du * (1 - dv) +
        g[v0 + 1, u0] * (1 - du) * dv + g[v0 + 1, u0 + 1] * du * dv)
    one = transfer_points(grid, torch.tensor([[x, y]], dtype=torch.float64),
                          size, other)
    np.testing.assert_allclose(
        one[0].numpy(), (value + 1) / 2 * [70, 32], atol=1e-9)
    # at integer pixels both samplings agree
    pixels = torch.tensor([[0.0, 0.0], [7.0, 9.0], [59.0, 47.0]])
    torch.testing.assert_close(
        transfer_points(grid, pixels, size, other, 'bilinear'),
        transfer_points(grid, pixels, size, other, 'nearest'))


def test_transfer_points_identity_grid():
    size = (21, 34)
    grid = identity_grid(7, 9, torch.zeros((), dtype=torch.float64))[0]
    points = torch.tensor([[0.0, 0.0], [33.0, 20.0], [12.25, 7.75]],
                          dtype=torch.float64)
    torch.testing.assert_close(
        transfer_points(grid, points, size, size), points)
    # to an image of another size: the align_corners=True scaling
    other = (11, 68)
    expected = points * torch.tensor([67 / 33, 10 / 20], dtype=torch.float64)
    torch.testing.assert_close(
        transfer_points(grid, points, size, other), expected)


def test_transfer_points_validation():
    grid = torch.zeros(4, 4, 2)
    points = torch.zeros(3, 2)
    assert POINT_SAMPLINGS == ('bilinear', 'nearest')
    with pytest.raises(ValueError, match='sampling must be one of'):
        transfer_points(grid, points, (8, 8), (8, 8), 'bicubic')
    with pytest.raises(ValueError, match=r'\[Hf, Wf, 2\]'):
        transfer_points(grid[None], points, (8, 8), (8, 8))
    with pytest.raises(ValueError, match=r'\[Hf, Wf, 2\]'):
        transfer_points(torch.zeros(4, 4, 3), points, (8, 8), (8, 8))
