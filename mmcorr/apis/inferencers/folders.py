# Copyright (c) mmcorr contributors. All rights reserved.
"""Folders of images as inferencer inputs (a group, a clip's frames)."""
import os

from mmcorr.fileio import IMAGE_EXTENSIONS, image_files

__all__ = ['IMAGE_EXTENSIONS', 'image_files', 'is_image_folder']


def is_image_folder(path) -> bool:
    """``path`` is a ``str`` / ``os.PathLike`` naming a folder."""
    return isinstance(path, (str, os.PathLike)) and \
        os.path.isdir(os.fspath(path))
