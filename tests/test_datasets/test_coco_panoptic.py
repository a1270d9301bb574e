# Copyright (c) mmcorr contributors. All rights reserved.
"""COCOPanopticDataset and LoadPanopticAnnotations on a tiny COCO-panoptic
folder."""
import cv2
import numpy as np


def test_coco_panoptic_dataset_and_targets(tmp_path):
    """A tiny COCO-panoptic fixture: a stuff region, two things, a crowd
    and VOID."""
    import json

    from PIL import Image

    from mmcorr.datasets import COCOPanopticDataset, LoadPanopticAnnotations
    from mmcorr.evaluation import id2rgb
    ids = np.zeros((6, 8), np.int64)
    ids[:3] = 11  # road (stuff)
    ids[3:, :3] = 21  # car
    ids[3:, 3:5] = 22  # person
    ids[3:, 5:7] = 23  # crowd of cars; column 7 of rows 3-5 is VOID
    (tmp_path / 'pan').mkdir()
    (tmp_path / 'img').mkdir()
    Image.fromarray(id2rgb(ids)).save(tmp_path / 'pan' / 'a.png')
    cv2.imwrite(str(tmp_path / 'img' / 'a.jpg'), np.zeros((6, 8, 3),
                                                         np.uint8))
    segments = [dict(id=11, category_id=7, iscrowd=0),
                dict(id=21, category_id=26, iscrowd=0),
                dict(id=22, category_id=24, iscrowd=0),
                dict(id=23, category_id=26, iscrowd=1)]
    data = dict(images=[dict(id=5, file_name='a.jpg')],
                annotations=[dict(image_id=5, file_name='a.png',
                                  segments_info=segments)],
                categories=[dict(id=24, name='person', isthing=1),
                            dict(id=7, name='road', isthing=0),
                            dict(id=26, name='car', isthing=1)])
    (tmp_path / 'pan.json').write_text(json.dumps(data))
    dataset = COCOPanopticDataset(
        ann_file=str(tmp_path / 'pan.json'),
        data_prefix=dict(img_path=str(tmp_path / 'img'),
                         seg_map_path=str(tmp_path / 'pan')),
        pipeline=[])
    assert dataset.metainfo['classes'] == ('road', 'person', 'car')
    assert dataset.metainfo['stuff_classes'] == ('road', )
    view = dict(dataset[0]['views'][0])
    out = LoadPanopticAnnotations()(view)
    inst, sem = out['gt_instance_ids'], out['gt_seg_map']
    assert sem[0, 0] == 0 and sem[3, 0] == 2 and sem[3, 3] == 1
    assert sem[3, 5] == 255 and sem[3, 7] == 255  # crowd and VOID ignored
    assert inst[3, 0] == 1 and inst[3, 3] == 2 and inst[0, 0] == 0
    assert inst[3, 5] == 0


def test_cityscapes_layout_finds_images_in_city_folders(tmp_path):
    """city_folders=True: leftImg8bit/<split>/<city>/<name> with the city the
    file name's prefix, the panoptic JSON listing bare names (Cityscapes'
    panoptic conversion); the panoptic PNGs in one folder."""
    import json

    from PIL import Image

    from mmcorr.datasets import COCOPanopticDataset, LoadPanopticAnnotations
    from mmcorr.evaluation import id2rgb
    images = tmp_path / 'leftImg8bit' / 'val'
    panoptic = tmp_path / 'gtFine' / 'cityscapes_panoptic_val'
    panoptic.mkdir(parents=True)
    names = ['aachen_000000_000019', 'bremen_000001_000019']
    data = dict(images=[], annotations=[],
                categories=[dict(id=7, name='road', isthing=0),
                            dict(id=26, name='car', isthing=1)])
    for index, name in enumerate(names):
        city = name.split('_')[0]
        (images / city).mkdir(parents=True)
        cv2.imwrite(str(images / city / f'{name}_leftImg8bit.png'),
                    np.full((4, 6, 3), 40 * index, np.uint8))
        ids = np.full((4, 6), 7000, np.int64)
        ids[2:, :3] = 26000 + index
        Image.fromarray(id2rgb(ids)).save(
            panoptic / f'{name}_gtFine_panoptic.png')
        data['images'].append(dict(id=name,
                                   file_name=f'{name}_leftImg8bit.png'))
        data['annotations'].append(dict(
            image_id=name, file_name=f'{name}_gtFine_panoptic.png',
            segments_info=[dict(id=7000, category_id=7, iscrowd=0),
                           dict(id=26000 + index, category_id=26,
                                iscrowd=0)]))
    ann_file = tmp_path / 'cityscapes_panoptic_val.json'
    ann_file.write_text(json.dumps(data))
    dataset = COCOPanopticDataset(
        ann_file=str(ann_file), city_folders=True,
        data_prefix=dict(img_path=str(images),
                         seg_map_path=str(panoptic)),
        pipeline=[])
    assert len(dataset) == 2
    view = dict(dataset[1]['views'][0])
    assert view['img_path'] == str(
        images / 'bremen' / 'bremen_000001_000019_leftImg8bit.png')
    out = LoadPanopticAnnotations()(view)
    assert out['gt_instance_ids'][3, 0] == 1 and out['gt_seg_map'][0, 0] == 0
    flat = COCOPanopticDataset(
        ann_file=str(ann_file), data_prefix=dict(
            img_path=str(images), seg_map_path=str(panoptic)), pipeline=[])
    assert flat[0]['views'][0]['img_path'] == str(
        images / 'aachen_000000_000019_leftImg8bit.png')  # no city folder
