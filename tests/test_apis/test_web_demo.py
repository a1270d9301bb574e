# Copyright (c) mmcorr contributors. All rights reserved.
"""The browser demo: its JSON API on baseline models, and the page in a
real headless browser (Debian's chromium through Selenium): upload an
image, click, get a mask of the image's size; bad uploads give a message
in the page. Without chromium the browser cases skip, unless
MMCORR_REQUIRE_BROWSER is set (CI sets it)."""
import base64
import json
import os
import os.path as osp
import shutil
import threading
import urllib.error
import urllib.request

import cv2
import numpy as np
import pytest

from mmcorr.apis.web_demo import DemoModels, encode_png, serve
from paths import REPO

IDENTITY = osp.join(REPO, 'configs/sfnet_corr/'
                    'identity-baseline_photo-objects-160x160.py')
COPY = osp.join(REPO, 'configs/mast/first-mask-copy_photo-videos-96x128.py')
SISM_BASELINE = osp.join(REPO, 'configs/icnet/'
                         'sism-baseline_photo-groups-128x128.py')
ADAPTIS = osp.join(REPO, 'configs/adaptis/'
                   'adaptis_toy-unet_1xb8-800it_toy-v2-64px.py')
TINY_ADAPTIS = {'model.backbone.base_channels': 8,
                'model.backbone.max_channels': 16,
                'model.backbone.num_stages': 2,
                'model.instance_head.channels': 8,
                'model.instance_head.controller.channels': 8,
                'model.test_cfg.max_iters': 3,
                'model.test_cfg.use_flip': False}


@pytest.fixture(scope='module')
def server():
    models = DemoModels(dict(correspondence=(IDENTITY, None, {}),
                             video=(COPY, None, {}),
                             instances=(ADAPTIS, None, TINY_ADAPTIS)))
    httpd = serve(models, port=0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield 'http://%s:%d' % httpd.server_address[:2]
    httpd.shutdown()
    httpd.server_close()


def post(url, path, body):
    request = urllib.request.Request(
        url + path, json.dumps(body).encode(),
        {'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def png_shape(url):
    data = base64.b64decode(url.split(',', 1)[1])
    return cv2.imdecode(np.frombuffer(data, np.uint8),
                        cv2.IMREAD_UNCHANGED).shape


def scene(shape=(48, 64)):
    image = np.full((*shape, 3), 80, np.uint8)
    image[10:30, 20:40] = (20, 30, 220)
    return image


def video_url(tmp_path, frames):
    path = str(tmp_path / 'clip.avi')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             frames[0].shape[1::-1])
    for frame in frames:
        writer.write(frame)
    writer.release()
    with open(path, 'rb') as f:
        return 'data:video/x-msvideo;base64,' + base64.b64encode(
            f.read()).decode()


def test_api_answers_every_task(server, tmp_path):
    image = scene()
    status, answer = post(server, '/api/correspondence', dict(
        source=encode_png(image), target=encode_png(image),
        points=[[10, 12]]))
    assert status == 200
    np.testing.assert_allclose(answer['points'], [[10, 12]], atol=0.6)
    status, answer = post(server, '/api/instances', dict(
        image=encode_png(image), points=[[30, 20], [5, 5]]))
    assert status == 200 and len(answer['masks']) == 2
    assert png_shape(answer['masks'][0]) == (48, 64)
    frames = [np.roll(image, t, axis=1) for t in range(3)]
    url = video_url(tmp_path, frames)
    status, answer = post(server, '/api/video/first_frame', dict(video=url))
    assert status == 200 and answer['frames'] == 3
    assert (answer['height'], answer['width']) == (48, 64)
    status, answer = post(server, '/api/video',
                          dict(video=url, box=[15, 5, 30, 30]))
    assert status == 200 and answer['gif'].startswith('data:image/gif')


def test_api_bad_input_is_a_message(server, tmp_path):
    cases = [
        ('/api/instances', dict(image='data:image/png;base64,'
                                + base64.b64encode(b'text').decode()),
         'not an image'),
        ('/api/instances', dict(), 'no file was uploaded'),
        ('/api/video/first_frame',
         dict(video=video_url(tmp_path, [scene()])), 'needs at least 2'),
        ('/api/cosaliency', dict(images=[encode_png(scene())]),
         'no model is loaded'),
        ('/api/video', dict(video=video_url(tmp_path, [scene()] * 2)),
         'click the object'),
    ]
    for path, body, message in cases:
        status, answer = post(server, path, body)
        assert status == 400 and message in answer['error'], (path, answer)


def test_cosaliency_takes_uploaded_sisms():
    """The SISMs used directly as the maps: the uploaded ones come back,
    resized to their images; without them a model with no sism_model
    says what to upload."""
    from mmcorr.apis.web_demo import BadRequest, cosaliency
    models = DemoModels(dict(cosaliency=(SISM_BASELINE, None, {})))
    images = [scene(), scene()[:, ::-1].copy()]
    sisms = [np.zeros((24, 32), np.uint8), np.zeros((48, 64), np.uint8)]
    sisms[0][5:15, 10:20] = 255
    sisms[1][10:30, 24:44] = 255
    answer = cosaliency(models, dict(images=[encode_png(i) for i in images],
                                     sisms=[encode_png(m) for m in sisms]))
    maps = [cv2.imdecode(np.frombuffer(base64.b64decode(
        url.split(',', 1)[1]), np.uint8), cv2.IMREAD_GRAYSCALE)
        for url in answer['maps']]
    assert [m.shape for m in maps] == [(48, 64)] * 2
    # the baseline's 128 x 128 network size resamples them: equal but
    # for the squares' edges
    for got, square in zip(maps, [(10, 30, 20, 40), (10, 30, 24, 44)]):
        y0, y1, x0, x1 = square
        assert (got[y0 + 2:y1 - 2, x0 + 2:x1 - 2] == 255).all()
        outside = np.ones_like(got, bool)
        outside[y0 - 2:y1 + 2, x0 - 2:x1 + 2] = False
        assert (got[outside] == 0).all()
    with pytest.raises(BadRequest, match='1 saliency maps for 2 images'):
        cosaliency(models, dict(images=[encode_png(i) for i in images],
                                sisms=[encode_png(sisms[0])]))
    with pytest.raises(ValueError, match='no sisms given'):
        cosaliency(models, dict(images=[encode_png(i) for i in images]))


def chromium():
    found = shutil.which('chromium') and shutil.which('chromedriver')
    if not found:
        if os.environ.get('MMCORR_REQUIRE_BROWSER'):
            pytest.fail('chromium and chromedriver are needed (apt install '
                        'chromium chromium-driver)')
        pytest.skip('no chromium / chromedriver on this machine')
    webdriver = pytest.importorskip('selenium.webdriver')
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which('chromium')
    for flag in ('--headless=new', '--no-sandbox', '--disable-gpu',
                 '--disable-dev-shm-usage', '--window-size=1200,900'):
        options.add_argument(flag)
    service = webdriver.ChromeService(shutil.which('chromedriver'))
    return webdriver.Chrome(options=options, service=service)


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def test_click_an_object_in_the_browser(server, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    path = str(tmp_path / 'objects.png')
    cv2.imwrite(path, scene((60, 90)))
    bad = tmp_path / 'not_an_image.png'
    bad.write_text('hello')
    browser.get(server)
    browser.find_element(By.CSS_SELECTOR, 'button[data-tab=instances]').click()
    # a bad upload: a readable message in the page
    browser.find_element(By.ID, 'instances-file').send_keys(str(bad))
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, 'instances-error').text)
    assert 'not an image' in browser.find_element(
        By.ID, 'instances-error').text
    # a real image, one click
    browser.find_element(By.ID, 'instances-file').send_keys(path)
    canvas = browser.find_element(By.ID, 'instances-canvas')
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script('return arguments[0].width', canvas) == 90)
    ActionChains(browser).move_to_element_with_offset(
        canvas, 5, 0).click().perform()
    assert browser.execute_script(
        'return instanceCanvas.points.length') == 1
    browser.find_element(By.ID, 'instances-run').click()
    mask = WebDriverWait(browser, 120).until(
        lambda d: d.find_elements(By.ID, 'instances-mask-0'))[0]
    assert png_shape(mask.get_attribute('src')) == (60, 90)
    assert not browser.find_element(By.ID, 'instances-error').text


def test_one_frame_video_says_so_in_the_page(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    path = tmp_path / 'one_frame.avi'
    path.write_bytes(base64.b64decode(
        video_url(tmp_path, [scene()]).split(',', 1)[1]))
    browser.get(server)
    browser.find_element(By.CSS_SELECTOR, 'button[data-tab=video]').click()
    browser.find_element(By.ID, 'video-file').send_keys(str(path))
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, 'video-error').text)
    text = browser.find_element(By.ID, 'video-error').text
    assert 'needs at least 2' in text and 'Traceback' not in text


@pytest.fixture(scope='module')
def cosaliency_server():
    httpd = serve(DemoModels(dict(cosaliency=(SISM_BASELINE, None, {}))),
                  port=0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield 'http://%s:%d' % httpd.server_address[:2]
    httpd.shutdown()
    httpd.server_close()


def test_group_with_its_saliency_maps_in_the_browser(cosaliency_server,
                                                     browser, tmp_path):
    """Maps are matched to images by name; a missing one is a message."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    images, maps = [], []
    for name in ('a', 'b'):
        images.append(str(tmp_path / f'{name}.png'))
        cv2.imwrite(images[-1], scene())
        (tmp_path / 'maps').mkdir(exist_ok=True)
        maps.append(str(tmp_path / 'maps' / f'{name}.png'))
        cv2.imwrite(maps[-1], np.full((48, 64), 200, np.uint8))
    browser.get(cosaliency_server)
    browser.find_element(By.CSS_SELECTOR,
                         'button[data-tab=cosaliency]').click()
    browser.find_element(By.ID, 'cosaliency-images').send_keys(
        '\n'.join(images))
    browser.find_element(By.ID, 'cosaliency-sisms').send_keys(maps[0])
    browser.find_element(By.ID, 'cosaliency-run').click()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_element(By.ID, 'cosaliency-error').text)
    assert 'no saliency map named as b.png' in browser.find_element(
        By.ID, 'cosaliency-error').text
    browser.find_element(By.ID, 'cosaliency-sisms').clear()
    browser.find_element(By.ID, 'cosaliency-sisms').send_keys(
        '\n'.join(maps))
    browser.find_element(By.ID, 'cosaliency-run').click()
    WebDriverWait(browser, 120).until(
        lambda d: d.find_elements(By.ID, 'cosaliency-picture'))
    assert not browser.find_element(By.ID, 'cosaliency-error').text
