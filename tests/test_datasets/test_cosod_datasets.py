# Copyright (c) mmcorr contributors. All rights reserved.
"""Co-saliency group datasets on tiny releases in the public layouts."""
import os
import os.path as osp
import pickle

import cv2
import numpy as np
import pytest
from cosod_fixtures import GROUPS, LAYOUTS, num_images, write_release
from mmengine.dataset import Compose

from mmcorr.datasets import (COCO9213Dataset, CoCADataset, CoSal2015Dataset,
                             CoSOD3kDataset, CoSODGroupDataset,
                             SampleLoadError)
from mmcorr.datasets.cosod import CoSODLayoutError
from mmcorr.registry import DATASETS

CLASSES = {
    'COCO9213': COCO9213Dataset,
    'CoCA': CoCADataset,
    'CoSal2015': CoSal2015Dataset,
    'CoSOD3k': CoSOD3kDataset,
}
EXPECTED_ORDER = [(g, stem) for g in sorted(GROUPS)
                  for stem, _, _ in sorted(GROUPS[g],
                                           key=lambda x: x[0] + x[1])]


@pytest.fixture
def coco(tmp_path):
    root, sisms = str(tmp_path / 'COCO9213'), str(tmp_path / 'SISMs' / 'C')
    write_release(root, 'COCO9213', sism_root=sisms)
    return root, sisms


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
def test_default_layouts(tmp_path, layout):
    root = str(tmp_path / layout)
    folders = write_release(root, layout)
    dataset = CLASSES[layout](data_root=root)
    assert len(dataset) == num_images()
    assert dataset.metainfo['groups'] == tuple(sorted(GROUPS))
    order = [(dataset[i]['group'], dataset[i]['image_name'])
             for i in range(len(dataset))]
    assert order == EXPECTED_ORDER
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        assert set(info) == {'views', 'group', 'group_id', 'image_name',
                             'category', 'category_id', 'sample_idx'}
        (view, ) = info['views']
        assert set(view) == {'img_path', 'seg_map_path'}  # no SISMs
        assert view['img_path'].startswith(folders['img'] + os.sep)
        assert view['seg_map_path'] == osp.join(
            folders['gt'], info['group'], info['image_name'] + '.png')
        assert osp.isfile(view['img_path'])
        assert info['group_id'] == sorted(GROUPS).index(info['group'])
        assert info['category'] == info['group']
        assert info['category_id'] == info['group_id']
    built = DATASETS.build(dict(type=f'{CLASSES[layout].__name__}',
                                data_root=root))
    assert len(built) == len(dataset)


def test_sism_root_outside_data_root_and_group_indices(coco):
    root, sisms = coco
    dataset = COCO9213Dataset(data_root=root, sism_root=sisms)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        assert info['views'][0]['sism_path'] == osp.join(
            sisms, info['group'], info['image_name'] + '.png')
    assert dataset.group_indices() == {0: [0, 1, 2], 1: [3, 4], 2: [5, 6, 7]}
    # subsets keep the group ids; group_indices follows the data list
    subset = dataset.get_subset([3, 4, 7])
    assert subset.group_indices() == {1: [0, 1], 2: [2]}
    lazy = COCO9213Dataset(data_root=root, lazy_init=True, indices=[0, 5])
    assert lazy.group_indices() == {0: [0], 2: [1]}


def test_data_prefix_overrides(tmp_path):
    # GCoNet-style: <root>/images/CoCA/<group>, <root>/gts/CoCA/<group>,
    # SISMs relative to data_root
    root = str(tmp_path)
    write_release(str(tmp_path / 'tmp'), 'CoCA')
    os.renames(str(tmp_path / 'tmp' / 'image'),
               str(tmp_path / 'images' / 'CoCA'))
    os.renames(str(tmp_path / 'tmp' / 'binary'),
               str(tmp_path / 'gts' / 'CoCA'))
    write_release(str(tmp_path / 'tmp2'), 'CoCA',
                  sism_root=str(tmp_path / 'sisms' / 'CoCA'))
    dataset = CoCADataset(
        data_root=root,
        data_prefix=dict(img_path='images/CoCA', seg_map_path='gts/CoCA',
                         sism_path='sisms/CoCA'))
    assert len(dataset) == num_images()
    view = dataset.get_data_info(0)['views'][0]
    assert view['img_path'].startswith(osp.join(root, 'images', 'CoCA'))
    assert view['sism_path'].startswith(osp.join(root, 'sisms', 'CoCA'))


def test_test_mode_without_ground_truth(tmp_path):
    root = str(tmp_path / 'CoSOD3k')
    write_release(root, 'CoSOD3k')
    os.rename(osp.join(root, 'GroundTruth'), osp.join(root, 'elsewhere'))
    with pytest.raises(FileNotFoundError, match='GroundTruth'):
        CoSOD3kDataset(data_root=root, test_mode=True)
    dataset = CoSOD3kDataset(data_root=root, test_mode=True,
                             data_prefix=dict(seg_map_path=None))
    assert len(dataset) == num_images()
    assert all(set(dataset.get_data_info(i)['views'][0]) == {'img_path'}
               for i in range(len(dataset)))


@pytest.mark.parametrize('serialize', [True, False])
def test_pipeline_sees_views_and_serialisation(coco, serialize):
    root, sisms = coco
    seen = []

    def probe(results):
        seen.append(results)
        return results

    dataset = COCO9213Dataset(data_root=root, sism_root=sisms,
                              pipeline=[probe], serialize_data=serialize)
    out = dataset[4]
    assert isinstance(dataset.pipeline, Compose)
    assert out['views'][0]['img_path'].endswith(osp.join('bird', 'b2.jpg'))
    assert out['group'] == 'bird' and out['sample_idx'] == 4
    # items are copies: a transform changing one does not change the next
    out['views'][0]['img_path'] = 'changed'
    assert dataset[4]['views'][0]['img_path'] != 'changed'
    assert pickle.loads(pickle.dumps(dataset.get_data_info(4))) == \
        dataset.get_data_info(4)


def _dataset(root, sisms=None, **kwargs):
    return COCO9213Dataset(data_root=root, sism_root=sisms, **kwargs)


def test_missing_ground_truth_and_sism_are_named(coco):
    root, sisms = coco
    os.remove(osp.join(root, 'gt', 'bird', 'b2.png'))
    with pytest.raises(FileNotFoundError) as info:
        _dataset(root)
    assert osp.join(root, 'gt', 'bird', 'b2.png') in str(info.value)
    os.remove(osp.join(sisms, 'car', 'c_3.png'))
    cv2.imwrite(osp.join(root, 'gt', 'bird', 'b2.png'),
                np.zeros((24, 16), np.uint8))
    with pytest.raises(FileNotFoundError) as info:
        _dataset(root, sisms)
    assert osp.join(sisms, 'car', 'c_3.png') in str(info.value)
    assert 'SISM' in str(info.value)


def test_missing_group_folder_in_ground_truth(coco):
    root, _ = coco
    os.rename(osp.join(root, 'gt', 'car'), osp.join(root, 'gt_car'))
    with pytest.raises(FileNotFoundError, match=r"group 'car'"):
        _dataset(root)


def test_layout_errors(coco):
    root, _ = coco
    # extra ground truth without an image
    extra = osp.join(root, 'gt', 'apple', 'apple_999.png')
    cv2.imwrite(extra, np.zeros((4, 4), np.uint8))
    with pytest.raises(CoSODLayoutError, match='apple_999.png'):
        _dataset(root)
    os.remove(extra)
    # an extra ground-truth group folder
    os.makedirs(osp.join(root, 'gt', 'zebra'))
    with pytest.raises(CoSODLayoutError, match='zebra'):
        _dataset(root)
    os.rmdir(osp.join(root, 'gt', 'zebra'))
    # a group folder without images
    os.makedirs(osp.join(root, 'img', 'empty'))
    os.makedirs(osp.join(root, 'gt', 'empty'))
    with pytest.raises(CoSODLayoutError, match='has no images'):
        _dataset(root)
    os.rmdir(osp.join(root, 'img', 'empty'))
    os.rmdir(osp.join(root, 'gt', 'empty'))
    # a file that is no image, and hidden files that are skipped
    open(osp.join(root, 'img', 'bird', '.DS_Store'), 'w').close()
    notes = osp.join(root, 'img', 'bird', 'notes.txt')
    open(notes, 'w').close()
    with pytest.raises(CoSODLayoutError, match='notes.txt'):
        _dataset(root)
    os.remove(notes)
    assert len(_dataset(root)) == num_images()
    # two images with one stem
    cv2.imwrite(osp.join(root, 'img', 'bird', 'b1.jpg'),
                np.zeros((16, 20, 3), np.uint8))
    with pytest.raises(CoSODLayoutError, match='one stem'):
        _dataset(root)
    os.remove(osp.join(root, 'img', 'bird', 'b1.jpg'))
    # images next to the group folders
    stray = osp.join(root, 'img', 'loose.jpg')
    cv2.imwrite(stray, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(CoSODLayoutError, match='loose.jpg'):
        _dataset(root)


def test_empty_and_missing_folders(tmp_path):
    root = tmp_path / 'CoCA'
    (root / 'image').mkdir(parents=True)
    (root / 'binary').mkdir()
    with pytest.raises(CoSODLayoutError, match='empty'):
        CoCADataset(data_root=str(root))
    with pytest.raises(FileNotFoundError, match='data root'):
        CoCADataset(data_root=str(tmp_path / 'nowhere'))
    with pytest.raises(FileNotFoundError, match='image folder'):
        CoCADataset(data_root=str(root), data_prefix=dict(img_path='Image'))
    with pytest.raises(FileNotFoundError, match='SISM folder'):
        CoCADataset(data_root=str(root), sism_root=str(tmp_path / 'no'))


def test_argument_errors(coco):
    root, sisms = coco
    with pytest.raises(ValueError, match='not both'):
        _dataset(root, sisms, data_prefix=dict(sism_path='x'))
    with pytest.raises(KeyError, match='unknown data_prefix'):
        _dataset(root, data_prefix=dict(image='img'))
    with pytest.raises(ValueError, match='ann_file'):
        _dataset(root, ann_file='list.txt')
    assert CoSODGroupDataset.DEFAULT_PREFIX['img_path'] == 'img'


def test_files_lost_after_listing_are_named_at_load(coco):
    root, sisms = coco
    pipeline = [dict(type='ForEachView', transforms=[
        dict(type='LoadCheckedImage'), dict(type='LoadBinaryMask'),
        dict(type='LoadSaliencyMap')])]
    dataset = _dataset(root, sisms, pipeline=pipeline)
    assert dataset[0]['views'][0]['sism'].shape == (20, 24)
    lost = dataset.get_data_info(1)['views'][0]['sism_path']
    os.remove(lost)
    with pytest.raises(SampleLoadError, match=lost):
        dataset[1]
