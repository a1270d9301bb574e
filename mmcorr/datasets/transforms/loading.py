# Copyright (c) mmcorr contributors. All rights reserved.
"""mmseg's segmentation label loading, with a size check.

``LoadCheckedAnnotations`` is mmseg's ``LoadAnnotations`` (same arguments)
that refuses a label map whose size is not its image's. mmcorr's configs use
it; from an mmseg config it is ``type='mmcorr.LoadCheckedAnnotations'``.
"""
from mmseg.datasets.transforms import LoadAnnotations as MMSegLoadAnnotations

from mmcorr.registry import TRANSFORMS
from ..load_errors import check_label_size


@TRANSFORMS.register_module()
class LoadCheckedAnnotations(MMSegLoadAnnotations):
    """mmseg's ``LoadAnnotations`` that refuses a label map of another size
    than its image.

    The label map (``gt_seg_map``, ``(H, W)``) is compared with the image as
    read from its file (``ori_shape``, set by ``LoadImageFromFile``; a
    ``Resize`` between the two does not matter). Without an image loaded
    first there is nothing to compare and the check is skipped.

    Raises:
        LabelSizeError: naming both files and both sizes (a
            ``SampleLoadError``, which mmcorr datasets pass on unchanged).
    """

    def _load_seg_map(self, results: dict) -> None:
        super()._load_seg_map(results)
        check_label_size(results['gt_seg_map'].shape,
                         results.get('ori_shape'), results['seg_map_path'],
                         results.get('img_path'))
