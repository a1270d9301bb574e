# The official MAST test as released: every far frame's labels sampled at the
# LAST far frame's offset (zlai0/MAST#17, never fixed upstream) and far
# windows sampled with grid_sample's default align_corners=False (a
# half-pixel shift). For reproducing published numbers with the official
# checkpoint.
_base_ = ['./mast_r18_davis2017-val-480p.py']
model = dict(
    memory_reader=dict(
        far_labels_at_last_offset=True, far_window_align_corners=False))
test_evaluator = dict(output_dir='work_dirs/davis_results_official_legacy')
