# Copyright (c) mmcorr contributors. All rights reserved.
"""Folders of images as inferencer inputs (a group, a clip's frames)."""
import os
from typing import List

#: File extensions read as images, in any case.
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff',
                    '.webp')


def is_image_folder(path) -> bool:
    """``path`` is a ``str`` / ``os.PathLike`` naming a folder."""
    return isinstance(path, (str, os.PathLike)) and \
        os.path.isdir(os.fspath(path))


def image_files(folder, what: str = 'the folder') -> List[str]:
    """The image files of ``folder``, sorted by name.

    Raises:
        FileNotFoundError: no such folder.
        ValueError: it holds no image.
    """
    path = os.fspath(folder)
    if not os.path.isdir(path):
        raise FileNotFoundError(f'{what} {path!r} is not a folder')
    names = sorted(n for n in os.listdir(path)
                   if n.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise ValueError(f'{what} {path!r} holds no image '
                         f'({", ".join(IMAGE_EXTENSIONS)})')
    return [os.path.join(path, n) for n in names]
