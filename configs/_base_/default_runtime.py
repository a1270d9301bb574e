# Task-neutral runtime: every config inherits it, segmentation through
# segmentation_runtime.py (which swaps in mmseg's visualiser).
default_scope = 'mmcorr'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # tools/train.py switches to gloo when CUDA is absent
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
# mmengine's plain visualiser (what the Runner builds when none is given)
visualizer = dict(
    type='Visualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
# Saves the random states (per rank) and syncs buffers at each checkpoint so
# that --resume continues exactly; tools/train.py adds it to any config that
# lacks it (a config's own custom_hooks list replaces this one).
custom_hooks = [dict(type='mmcorr.ExactResumeHook')]
