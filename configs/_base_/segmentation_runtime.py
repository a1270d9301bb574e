# The runtime of the segmentation configs: default_runtime.py with mmseg's
# segmentation visualiser, which the SegVisualizationHook of their schedules'
# default_hooks draws with.
_base_ = './default_runtime.py'
visualizer = dict(type='SegLocalVisualizer')
