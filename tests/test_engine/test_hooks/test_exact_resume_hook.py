# Copyright (c) mmcorr contributors. All rights reserved.
"""add_exact_resume_hook: the ExactResumeHook is added to a config once."""


def test_exact_resume_hook_is_added_once():
    from mmengine.config import Config

    from mmcorr.engine import add_exact_resume_hook
    cfg = Config(dict(custom_hooks=[dict(type='EMAHook')]))
    add_exact_resume_hook(cfg)
    add_exact_resume_hook(cfg)
    assert [h['type'] for h in cfg.custom_hooks] == [
        'EMAHook', 'mmcorr.ExactResumeHook']
    cfg = Config(dict(custom_hooks=[dict(type='ExactResumeHook')]))
    add_exact_resume_hook(cfg)
    assert len(cfg.custom_hooks) == 1
