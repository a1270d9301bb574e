# Copyright (c) mmcorr contributors. All rights reserved.
"""The inputs of the ``icnet`` training-step fixture, for its generator
(``tools/misc/train_step_fixtures/icnet.py``) and its test.

- :func:`step_batch`: one group of :data:`GROUP` images at ICNet's fixed
  224 x 224 (the official model cannot run another size: RSCF has ``H*W``
  channels and the side outputs are resized to 224), seeded as the parity
  rule seeds inputs, with SISMs in ``(0, 1)`` and a *soft* ground truth of
  grey levels ``k / 255`` in float32, which is what the official loader
  gives (``Image.convert('L')``, bilinear ``Resize([224, 224])``,
  ``ToTensor``).
- :func:`write_data_files`: one group of four images, three of other sizes
  than 224 (two PNGs and a JPEG whose EXIF orientation tag says "rotate 90
  degrees", which ICNet's PIL loader ignores) and one of 224 x 224 (as
  ICNet's resized release), their 0/255 ground truths and 224 x 224 SISMs
  (as the authors' EGNet release), in ICNet's folder layout, for the
  data-path check.
"""
import os
import os.path as osp
from typing import Dict, Tuple

import numpy as np
import torch
from parity_rule import seeded_tensor
from PIL import Image

#: Images in the training group (the official loop skips groups of one).
GROUP = 2
#: ICNet's input size.
SIZE = 224
#: The data-path group: stem -> (image ``(H, W)``, image file extension);
#: the SISMs are 224 x 224.
DATA_VIEWS: Dict[str, Tuple[Tuple[int, int], str]] = {
    'a': ((200, 300), '.png'),
    'b': ((250, 160), '.png'),
    'c': ((180, 240), '.jpg'),
    'd': ((224, 224), '.png'),
}
DATA_GROUP = 'g0'
#: EXIF orientation of the JPEG views (6: "rotate 90 degrees clockwise").
EXIF_ORIENTATION = 6


def step_batch(num: int = GROUP):
    """``(images [N, 3, 224, 224] float64, SISMs [N, 1, 224, 224] float64,
    ground truth [N, 1, 224, 224] float32)``.

    Images: ``seeded_tensor('train_step.image_group', ..., 'input')``;
    SISMs: ``sigmoid(seeded_tensor('train_step.SISMs', ...))``; ground
    truth: ``clamp(round(255 * (0.5 + seeded_tensor('train_step.gt',
    ...))), 0, 255) / 255`` in float32 (about 31 % zeros, 31 % ones, the
    rest soft levels).
    """
    images = seeded_tensor('train_step.image_group', (num, 3, SIZE, SIZE),
                           'input')
    sisms = torch.sigmoid(
        seeded_tensor('train_step.SISMs', (num, 1, SIZE, SIZE), 'input'))
    grey = (
        255 *
        (0.5 + seeded_tensor('train_step.gt',
                             (num, 1, SIZE, SIZE), 'input'))).round().clamp(
                                 0, 255)
    gt = grey.to(torch.uint8).to(torch.float32) / 255
    return images, sisms, gt


def data_pixels(stem: str):
    """``(image (H, W, 3) uint8 RGB, ground truth (H, W) uint8 0/255,
    SISM (224, 224) uint8)`` of data-path view ``stem``.

    Image: NumPy ``RandomState(crc)`` uniform noise, a smooth ramp added;
    ground truth: an ellipse; SISM: a Gaussian blob.
    """
    (height, width), _ = DATA_VIEWS[stem]
    seed = sum(map(ord, stem))
    rng = np.random.RandomState(seed)
    ramp = np.linspace(0, 120, width)[None, :, None] + \
        np.linspace(0, 60, height)[:, None, None]
    noise = rng.randint(0, 130, (height, width, 3))
    image = np.clip(noise + ramp, 0, 255).astype(np.uint8)
    y, x = np.mgrid[:height, :width]
    inside = ((x - 0.55 * width) / (0.3 * width))**2 + \
        ((y - 0.45 * height) / (0.35 * height))**2 <= 1
    gt = (inside * 255).astype(np.uint8)
    y, x = np.mgrid[:SIZE, :SIZE] / (SIZE - 1.0)
    blob = np.exp(-((x - 0.35)**2 + (y - 0.45)**2) / 0.05)
    sism = np.round(255 * blob)
    return image, gt, sism.astype(np.uint8)


def write_data_files(root: str) -> Dict[str, str]:
    """Write the data-path group under ``root`` as ``img/g0/<stem><ext>``
    (PIL; JPEGs at quality 90 with the EXIF orientation tag
    :data:`EXIF_ORIENTATION`), ``gt/g0/<stem>.png`` and
    ``sism/g0/<stem>.png``; returns ICNet's ``roots`` dict."""
    roots = {k: osp.join(root, k) for k in ('img', 'gt', 'sism')}
    for folder in roots.values():
        os.makedirs(osp.join(folder, DATA_GROUP), exist_ok=True)
    for stem, (_, ext) in DATA_VIEWS.items():
        image, gt, sism = data_pixels(stem)
        path = osp.join(roots['img'], DATA_GROUP, stem + ext)
        if ext == '.jpg':
            exif = Image.Exif()
            exif[0x0112] = EXIF_ORIENTATION
            Image.fromarray(image).save(path, quality=90, exif=exif)
        else:
            Image.fromarray(image).save(path)
        Image.fromarray(gt).save(
            osp.join(roots['gt'], DATA_GROUP, stem + '.png'))
        Image.fromarray(sism).save(
            osp.join(roots['sism'], DATA_GROUP, stem + '.png'))
    return {k: v + '/' for k, v in roots.items()}
