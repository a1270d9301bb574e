# Copyright (c) mmcorr contributors. All rights reserved.
"""Co-saliency (CoSOD) image groups in the public folder layouts.

A co-saliency *group* is a folder of images that share a common salient
object. Every public release (COCO9213, CoCA, CoSal2015, CoSOD3k...) has the
layout::

    <data_root>/<img folder>/<group>/<image>.<jpg|png>
    <data_root>/<gt folder>/<group>/<image stem>.png       # grey 0/255
    <sism folder>/<group>/<image stem>.png                   # optional

The datasets here are IMAGE-level: one item is one image (a one-view sample)
and the group travels as shared keys (``group``, ``group_id``). A
:class:`~mmcorr.datasets.samplers.GroupBatchSampler` makes every batch one
group's chunk and :func:`~mmcorr.datasets.collate.group_views_collate` merges
the batch into one :class:`~mmcorr.structures.MultiViewDataSample` with a
view per image::

    train_dataloader = dict(
        batch_size=10,  # images per group chunk (ICNet: 10)
        num_workers=4,
        sampler=dict(type='DefaultSampler', shuffle=True),
        batch_sampler=dict(type='GroupBatchSampler'),
        collate_fn=dict(type='mmcorr.group_views_collate'),
        dataset=dict(type='COCO9213Dataset', data_root='data/COCO9213-os',
                     sism_root='data/EGNet-SISMs/COCO9213',
                     pipeline=...))
    test_dataloader = dict(
        batch_size=1,  # required by mmengine; whole groups are the batches
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_sampler=dict(type='GroupBatchSampler', whole_group=True),
        collate_fn=dict(type='mmcorr.group_views_collate'),
        dataset=dict(type='CoCADataset', data_root='data/CoCA',
                     sism_root='data/EGNet-SISMs/CoCA', test_mode=True,
                     pipeline=...))

(``'mmcorr.'`` is needed in ``collate_fn``: mmengine looks collate
functions up in its root registry, which does not search mmcorr's.)
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.dataset import BaseDataset, force_full_init

from mmcorr.registry import DATASETS
from .load_errors import ClearLoadErrorsMixin, check_dir

#: Files of a folder listing that are never data (OS clutter).
_CLUTTER = ('thumbs.db', 'desktop.ini')
_PREFIX_KEYS = ('img_path', 'seg_map_path', 'sism_path')


class CoSODLayoutError(ValueError):
    """The folders do not have a co-saliency release's layout."""


def _listdir(path: str) -> List[str]:
    """Sorted entries of ``path`` without hidden files and OS clutter."""
    return sorted(n for n in os.listdir(path)
                  if not n.startswith('.') and n.lower() not in _CLUTTER)


@DATASETS.register_module()
class CoSODGroupDataset(ClearLoadErrorsMixin, BaseDataset):
    """Images of co-saliency groups, one item per image.

    Layout (folder names in ``data_prefix``; subclasses set the defaults of
    the public releases)::

        <data_root>/<data_prefix['img_path']>/<group>/<name>.jpg|.png|...
        <data_root>/<data_prefix['seg_map_path']>/<group>/<name>.png
        <sism folder>/<group>/<name>.png

    Images are matched to their ground truth and SISM (single-image saliency
    map) by group folder and file stem. Groups are sorted by name (their
    index is ``group_id``) and images by file name, so the order is the same
    on every machine.

    Each data info is ``dict(views=[dict(img_path, seg_map_path,
    sism_path)], group, group_id, image_name, category, category_id)``:
    ``category`` / ``category_id`` repeat ``group`` / ``group_id`` so that
    :class:`~mmcorr.datasets.transforms.PackMultiViewInputs`' default
    ``meta_keys`` carry the group into the data sample; ``seg_map_path`` is
    absent without a ground-truth folder and ``sism_path`` without SISMs.
    :attr:`metainfo` ``groups`` lists the group names (index = group id).

    Typical pipeline::

        [dict(type='ForEachView', transforms=[
            dict(type='LoadCheckedImage'),
            dict(type='LoadBinaryMask'),
            dict(type='LoadSaliencyMap'),
            dict(type='RecordedResize', scale=(224, 224), keep_ratio=False),
            dict(type='RecordedRandomFlip', prob=0.5)]),
         dict(type='PackMultiViewInputs', extra_inputs=('sism', ))]

    Args:
        data_root (str): The release's folder.
        data_prefix (dict): Folders, relative to ``data_root`` (or
            absolute): ``img_path`` (images), ``seg_map_path`` (ground truth;
            ``None``: no ground truth, e.g. to predict in ``test_mode``),
            ``sism_path`` (SISMs; ``None``: none, the model makes its own).
            Keys left out keep the class defaults (:attr:`DEFAULT_PREFIX`).
        sism_root (str, optional): The SISM folder given as a path of its
            own (absolute, or relative to the working directory, not to
            ``data_root``), e.g. ICNet's separately downloaded
            ``EGNet-SISMs/<dataset>``. Do not give both this and
            ``data_prefix['sism_path']``.
        img_suffixes (Sequence[str]): Image file extensions (any case).
        seg_map_suffix (str): Ground-truth extension.
        sism_suffix (str): SISM extension.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments
            (``pipeline``, ``test_mode``, ``indices``, ``serialize_data``,
            ``lazy_init``...). ``ann_file`` is not used: the folders are the
            annotation.

    Raises:
        FileNotFoundError: for a missing folder, or an image without its
            ground truth or SISM (naming the expected file).
        CoSODLayoutError: (a ``ValueError``) for an empty dataset, a group
            folder without images, a file that is no image, two images with
            one stem in a group, or ground truth without an image.
    """
    #: Folder names of this release, relative to ``data_root``.
    DEFAULT_PREFIX = dict(img_path='img', seg_map_path='gt', sism_path=None)
    #: Where the data come from (for error messages).
    DATA_HINT = ''
    NAME = 'co-saliency'

    def __init__(self,
                 data_root: str = '',
                 data_prefix: Optional[dict] = None,
                 sism_root: Optional[str] = None,
                 img_suffixes: Sequence[str] = ('.jpg', '.jpeg', '.png',
                                                '.bmp'),
                 seg_map_suffix: str = '.png',
                 sism_suffix: str = '.png',
                 ann_file: str = '',
                 **kwargs):
        prefix = dict(self.DEFAULT_PREFIX)
        unknown = set(data_prefix or {}) - set(_PREFIX_KEYS)
        if unknown:
            raise KeyError(f'{type(self).__name__}: unknown data_prefix '
                           f'keys {sorted(unknown)}; the keys are '
                           f'{list(_PREFIX_KEYS)}')
        if sism_root is not None and (data_prefix or {}).get('sism_path'):
            raise ValueError(
                f'{type(self).__name__}: give the SISM folder once, as '
                f'sism_root={sism_root!r} or as data_prefix[\'sism_path\']='
                f'{data_prefix["sism_path"]!r}, not both')
        prefix.update(data_prefix or {})
        if prefix.get('img_path') is None:
            raise ValueError(f'{type(self).__name__}: data_prefix needs '
                             "'img_path' (the image folder)")
        if ann_file:
            raise ValueError(
                f'{type(self).__name__} reads the group folders, not an '
                f'annotation file: drop ann_file={ann_file!r}')
        self.sism_root = sism_root
        self.img_suffixes = tuple(s.lower() for s in img_suffixes)
        self.seg_map_suffix = seg_map_suffix
        self.sism_suffix = sism_suffix
        # mmengine joins every prefix with data_root and needs strings
        super().__init__(
            data_root=data_root,
            data_prefix={k: v for k, v in prefix.items() if v is not None},
            **kwargs)

    # ------------------------------------------------------------ reading
    def _folder(self, key: str) -> Optional[str]:
        if key == 'sism_path' and self.sism_root is not None:
            return self.sism_root
        return self.data_prefix.get(key)

    def load_data_list(self) -> List[dict]:
        hint = self.DATA_HINT
        if self.data_root:
            check_dir(self.data_root, f'{self.NAME} data root', hint)
        img_dir = self._folder('img_path')
        gt_dir = self._folder('seg_map_path')
        sism_dir = self._folder('sism_path')
        check_dir(img_dir, f'{self.NAME} image folder',
                  'Set data_prefix=dict(img_path=...) to the folder that '
                  'holds one sub-folder per group. ' + hint)
        if gt_dir is not None:
            check_dir(gt_dir, f'{self.NAME} ground-truth folder',
                      "Set data_prefix=dict(seg_map_path=...), or None to "
                      'read images only (test_mode=True). ' + hint)
        if sism_dir is not None:
            check_dir(sism_dir, 'SISM folder',
                      'Set sism_root= (or data_prefix=dict(sism_path=...)) '
                      'to the folder of single-image saliency maps, or None '
                      'to let the model compute them.')

        groups = self._groups(img_dir)
        if gt_dir is not None:
            self._refuse_extra_groups(gt_dir, img_dir, groups)
        data_list = []
        for group_id, group in enumerate(groups):
            images = self._group_images(img_dir, group)
            gt_names = self._stems(gt_dir, group, self.seg_map_suffix,
                                   images, 'ground truth')
            sism_names = self._stems(sism_dir, group, self.sism_suffix,
                                     images, 'SISM')
            for stem, file_name in images:
                view = dict(img_path=osp.join(img_dir, group, file_name))
                if gt_names is not None:
                    view['seg_map_path'] = osp.join(gt_dir, group,
                                                    gt_names[stem])
                if sism_names is not None:
                    view['sism_path'] = osp.join(sism_dir, group,
                                                 sism_names[stem])
                data_list.append(
                    dict(views=[view], group=group, group_id=group_id,
                         image_name=stem, category=group,
                         category_id=group_id))
        self._metainfo['groups'] = tuple(groups)
        return data_list

    def _groups(self, img_dir: str) -> List[str]:
        entries = _listdir(img_dir)
        files = [n for n in entries if not osp.isdir(osp.join(img_dir, n))]
        if files:
            raise CoSODLayoutError(
                f'{self.NAME} image folder {img_dir!r} holds files '
                f'{files[:5]} next to the group folders: images must lie '
                'in one sub-folder per group (<img folder>/<group>/<image>)'
                '; move them into a group folder or remove them')
        if not entries:
            raise CoSODLayoutError(
                f'{self.NAME} image folder {img_dir!r} has no group folders '
                '(the dataset is empty): it must hold one sub-folder of '
                'images per group. ' + self.DATA_HINT)
        return entries

    def _group_images(self, img_dir: str,
                      group: str) -> List[Tuple[str, str]]:
        """``(stem, file name)`` of the group's images, sorted by name."""
        folder = osp.join(img_dir, group)
        names = _listdir(folder)
        others = [n for n in names
                  if osp.splitext(n)[1].lower() not in self.img_suffixes]
        if others:
            raise CoSODLayoutError(
                f'group folder {folder!r} holds {others[:5]}, which are not '
                f'images ({", ".join(self.img_suffixes)}): remove them, or '
                'pass img_suffixes= with their extension')
        if not names:
            raise CoSODLayoutError(
                f'group folder {folder!r} has no images: every group needs '
                'at least one; remove the empty folder')
        images, seen = [], {}
        for name in names:
            stem = osp.splitext(name)[0]
            if stem in seen:
                raise CoSODLayoutError(
                    f'group folder {folder!r} holds {seen[stem]!r} and '
                    f'{name!r}: images are matched to their ground truth by '
                    'stem, so one stem must name one image; remove one')
            seen[stem] = name
            images.append((stem, name))
        return images

    def _stems(self, root: Optional[str], group: str, suffix: str,
               images: List[Tuple[str, str]],
               what: str) -> Optional[Dict[str, str]]:
        """``{stem: file name}`` of the group's maps in ``root``; every
        image must have one (ground truth must not have more)."""
        if root is None:
            return None
        folder = osp.join(root, group)
        fix = (f'the {what} of <img folder>/{group}/<name>.<ext> must be '
               f'{folder}/<name>{suffix}')
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'{what} folder {folder!r} of group {group!r} does not exist'
                f': {fix} (is the {what} folder right?)')
        found = {}
        for name in _listdir(folder):
            stem, ext = osp.splitext(name)
            if ext.lower() == suffix.lower():
                found[stem] = name
        wanted = {stem for stem, _ in images}
        missing = sorted(wanted - set(found))
        if missing:
            paths = [osp.join(folder, m + suffix) for m in missing[:5]]
            raise FileNotFoundError(
                f'{what} missing for {len(missing)} image(s) of group '
                f'{group!r}: {paths} do not exist; {fix}')
        if what == 'ground truth':
            extra = sorted(set(_listdir(folder)) -
                           {found[s] for s in wanted})
            if extra:
                raise CoSODLayoutError(
                    f'ground-truth folder {folder!r} holds {extra[:5]} '
                    f'without an image in {group!r}: every ground-truth '
                    f'file must be <image stem>{suffix} of an image of the '
                    'group; remove the extra files (or restore their '
                    'images)')
        return {stem: found[stem] for stem in wanted}

    def _refuse_extra_groups(self, gt_dir: str, img_dir: str,
                             groups: List[str]) -> None:
        extra = sorted(set(_listdir(gt_dir)) - set(groups))
        if extra:
            raise CoSODLayoutError(
                f'ground-truth folder {gt_dir!r} holds {extra[:5]}, which '
                f'are not group folders of the images in {img_dir!r}: '
                'remove them, or restore the images of those groups')

    # -------------------------------------------------------------- groups
    @force_full_init
    def group_indices(self) -> Dict[int, List[int]]:
        """``{group_id: [dataset indices of its images]}``, in dataset
        order (after ``indices`` / ``get_subset``; groups left without an
        image are absent). Used by
        :class:`~mmcorr.datasets.samplers.GroupBatchSampler`."""
        out: Dict[int, List[int]] = {}
        for index in range(len(self)):
            out.setdefault(self.get_data_info(index)['group_id'],
                           []).append(index)
        return out


@DATASETS.register_module()
class COCO9213Dataset(CoSODGroupDataset):
    """COCO9213, ICNet's training set (9213 COCO images in 65 groups).

    Defaults follow ICNet's ``COCO9213-os.zip`` release (original sizes,
    from the links of https://github.com/blanclist/ICNet)::

        <data_root>/img/<group>/<name>.png
        <data_root>/gt/<group>/<name>.png

    ICNet's resized ``COCO9213.zip`` (224 x 224) is read with
    ``data_prefix=dict(img_path='img_bilinear_224',
    seg_map_path='gt_bilinear_224')`` (the folders its ``train.py`` names).
    The SISMs are a separate download (ICNet's ``EGNet-SISMs``): pass
    ``sism_root='.../EGNet-SISMs/COCO9213'``; none by default.
    """
    DEFAULT_PREFIX = dict(img_path='img', seg_map_path='gt', sism_path=None)
    DATA_HINT = ('COCO9213 is linked from https://github.com/blanclist/ICNet '
                 '(COCO9213-os.zip: img/ and gt/).')
    NAME = 'COCO9213'


@DATASETS.register_module()
class CoCADataset(CoSODGroupDataset):
    """CoCA (80 groups, 1295 images), a co-saliency test set.

    Defaults follow the official release (http://zhaozhang.net/coca.html,
    GICD, ECCV 2020), also read so by GCoNet and eval-co-sod users::

        <data_root>/image/<group>/<name>.jpg
        <data_root>/binary/<group>/<name>.png

    (The release's ``bbox`` and ``instance`` folders are not used.) SISMs:
    ``sism_root=`` (e.g. ICNet's ``EGNet-SISMs/CoCA``); none by default.
    """
    DEFAULT_PREFIX = dict(img_path='image', seg_map_path='binary',
                          sism_path=None)
    DATA_HINT = 'CoCA is at http://zhaozhang.net/coca.html (image/, binary/).'
    NAME = 'CoCA'


@DATASETS.register_module()
class CoSal2015Dataset(CoSODGroupDataset):
    """CoSal2015 (50 groups, 2015 images), a co-saliency test set.

    Defaults follow the release distributed with the CoSOD3k benchmark
    (Fan et al., CVPR 2020; http://dpfan.net/CoSOD3K/)::

        <data_root>/Image/<group>/<name>.jpg
        <data_root>/GroundTruth/<group>/<name>.png

    ICNet's resized test sets use ``data_prefix=dict(
    img_path='img_bilinear_224', seg_map_path='gt_bilinear_224')``. SISMs:
    ``sism_root=`` (e.g. ICNet's ``EGNet-SISMs/CoSal2015``); none by
    default.
    """
    DEFAULT_PREFIX = dict(img_path='Image', seg_map_path='GroundTruth',
                          sism_path=None)
    DATA_HINT = ('CoSal2015 is distributed with the CoSOD3k benchmark '
                 '(http://dpfan.net/CoSOD3K/; Image/, GroundTruth/).')
    NAME = 'CoSal2015'


@DATASETS.register_module()
class CoSOD3kDataset(CoSODGroupDataset):
    """CoSOD3k (160 groups, 3316 images), a co-saliency test set.

    Defaults follow the official release (Fan et al., CVPR 2020,
    http://dpfan.net/CoSOD3K/)::

        <data_root>/Image/<group>/<name>.jpg
        <data_root>/GroundTruth/<group>/<name>.png

    SISMs: ``sism_root=`` (e.g. ICNet's ``EGNet-SISMs/CoSOD3k``); none by
    default.
    """
    DEFAULT_PREFIX = dict(img_path='Image', seg_map_path='GroundTruth',
                          sism_path=None)
    DATA_HINT = ('CoSOD3k is at http://dpfan.net/CoSOD3K/ (Image/, '
                 'GroundTruth/).')
    NAME = 'CoSOD3k'


__all__ = ['CoSODGroupDataset', 'COCO9213Dataset', 'CoCADataset',
           'CoSal2015Dataset', 'CoSOD3kDataset', 'CoSODLayoutError']
