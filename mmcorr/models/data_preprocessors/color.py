# Copyright (c) mmcorr contributors. All rights reserved.
"""Colour-space conversion on the device."""
import torch
from torch import Tensor

#: sRGB (D65) -> CIE XYZ, rows X, Y, Z.
_RGB_TO_XYZ = ((0.412453, 0.357580, 0.180423),
               (0.212671, 0.715160, 0.072169),
               (0.019334, 0.119193, 0.950227))
#: The D65 white point.
_WHITE = (0.950456, 1.0, 1.088754)
_EPSILON = 0.008856


def rgb_to_lab(rgb: Tensor) -> Tensor:
    """sRGB ``[..., 3, H, W]`` in ``0..255`` -> CIE L*a*b* (D65).

    ``L`` in ``[0, 100]``, ``a`` and ``b`` about ``[-128, 127]``: the
    formulas and constants of OpenCV's ``cvtColor(..., COLOR_RGB2Lab)`` on
    float images in ``[0, 1]`` (gamma-expanded sRGB, then XYZ, then Lab).
    """
    if rgb.shape[-3] != 3:
        raise ValueError(f'rgb_to_lab needs 3 channels at dim -3, got shape '
                         f'{tuple(rgb.shape)}')
    c = rgb / 255.0
    linear = torch.where(c > 0.04045, ((c + 0.055) / 1.055).pow(2.4),
                         c / 12.92)
    matrix = rgb.new_tensor(_RGB_TO_XYZ) / rgb.new_tensor(_WHITE)[:, None]
    xyz = torch.einsum('ij,...jhw->...ihw', matrix, linear)
    f = torch.where(xyz > _EPSILON, xyz.clamp_min(_EPSILON).pow(1 / 3),
                    7.787 * xyz + 16 / 116)
    fx, fy, fz = f.unbind(-3)
    y = xyz.select(-3, 1)
    lightness = torch.where(y > _EPSILON, 116 * fy - 16, 903.3 * y)
    return torch.stack((lightness, 500 * (fx - fy), 200 * (fy - fz)), -3)


def lab_to_rgb(lab: Tensor) -> Tensor:
    """CIE L*a*b* (D65) ``[..., 3, H, W]`` -> sRGB in ``0..255``, the
    inverse of :func:`rgb_to_lab` (OpenCV's ``COLOR_Lab2RGB`` formulas),
    clamped to the sRGB gamut; differentiable inside it."""
    if lab.shape[-3] != 3:
        raise ValueError(f'lab_to_rgb needs 3 channels at dim -3, got shape '
                         f'{tuple(lab.shape)}')
    lightness, a, b = lab.unbind(-3)
    fy = (lightness + 16) / 116
    f = torch.stack((fy + a / 500, fy, fy - b / 200), -3)
    xyz = torch.where(f > 6 / 29, f.pow(3), (f - 16 / 116) / 7.787)
    y_linear = torch.where(lightness > 903.3 * _EPSILON, fy.pow(3),
                           lightness / 903.3)
    xyz = torch.stack((xyz.select(-3, 0), y_linear, xyz.select(-3, 2)), -3)
    matrix = torch.linalg.inv(
        lab.new_tensor(_RGB_TO_XYZ) / lab.new_tensor(_WHITE)[:, None])
    linear = torch.einsum('ij,...jhw->...ihw', matrix, xyz).clamp(0, 1)
    c = torch.where(linear > 0.0031308,
                    1.055 * linear.clamp_min(0.0031308).pow(1 / 2.4) - 0.055,
                    12.92 * linear)
    return c * 255.0
