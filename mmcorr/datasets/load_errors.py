# Copyright (c) mmcorr contributors. All rights reserved.
"""Clear errors for missing data roots and unreadable samples.

Shared by every mmcorr dataset, whatever it holds (single images, pairs,
groups, clips): the data info of a sample lists its files under keys ending in
``_path`` (or ``_paths`` for lists), and a failure while loading names them.
The loading transforms check that a label map or mask has its image's size
(:func:`check_label_size`), which would otherwise train without a word and
fail much later, in the metric, naming no file.
"""
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence


class SampleLoadError(RuntimeError):
    """A sample's files could not be read or decoded."""


class LabelSizeError(SampleLoadError, ValueError):
    """A label map or mask whose size differs from its image's."""


def check_label_size(label_shape: Sequence[int],
                     image_shape: Optional[Sequence[int]], label_path: str,
                     image_path: Optional[str]) -> None:
    """Raise :class:`LabelSizeError` unless a label map has its image's size.

    Args:
        label_shape: Shape of the decoded label map, ``(H, W[, C])``.
        image_shape: ``(H, W[, C])`` of its image as read from the file (not
            resized); ``None`` (no image loaded yet) skips the check.
        label_path (str): The label map's file, for the message.
        image_path (str, optional): The image's file, for the message.
    """
    if image_shape is None:
        return
    label_hw, image_hw = tuple(label_shape[:2]), tuple(image_shape[:2])
    if label_hw != image_hw:
        raise LabelSizeError(
            f'label map {label_path!r} is {_hw(label_hw)} (H x W) but its '
            f'image {image_path!r} is {_hw(image_hw)}: a label map must have '
            'the size of its image (is it the label of another image, or '
            'resized?)')


def _hw(shape: Sequence[int]) -> str:
    return 'x'.join(str(int(v)) for v in shape)


def sample_files(data_info: Dict[str, Any]) -> List[str]:
    """Every file path listed in a sample's data info."""
    files = []
    for key, value in data_info.items():
        if key.endswith('_path') and isinstance(value, str):
            files.append(value)
        elif key.endswith('_paths') and isinstance(value, (list, tuple)):
            files.extend(v for v in value if isinstance(v, str))
        elif key == 'views' and isinstance(value, (list, tuple)):
            for view in value:
                files.extend(sample_files(view))
    return files


def check_dir(path: str, what: str, hint: str = '') -> None:
    """Raise ``FileNotFoundError`` naming ``what`` if ``path`` is no folder."""
    if not osp.isdir(path):
        raise FileNotFoundError(
            f'{what} {path!r} does not exist or is not a folder.'
            + (f' {hint}' if hint else ''))


class ClearLoadErrorsMixin:
    """Re-raise a failure in ``prepare_data`` naming the sample and its files.

    Put it before the mmengine/mmseg dataset class in the bases.
    """

    def prepare_data(self, idx: int) -> Any:
        try:
            return super().prepare_data(idx)
        except SampleLoadError:
            raise
        except Exception as error:
            info = self.get_data_info(idx)
            files = sample_files(info)
            missing = [f for f in files if not osp.isfile(f)]
            if missing:
                reason = f'missing file(s): {missing}'
            else:
                reason = (f'{type(error).__name__}: {error}. One of {files} '
                          'may be corrupt, truncated or not an image')
            raise SampleLoadError(
                f'{type(self).__name__} could not load sample {idx}: '
                f'{reason}') from error
