# ICNet trained from scratch on the embedded PhotoGroups benchmark, on a CPU:
# the official network (VGG16 without BN, NMAP / CFM / RSCF, guided decoder,
# soft IoU loss on four side outputs) built for 128 x 128 inputs, groups of 6
# images with their SISMs, random flips. No ImageNet weights (no download).
_base_ = [
    '../_base_/models/icnet_vgg16.py', '../_base_/datasets/photo_groups.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_photo_groups_cpu.py'
]
model = dict(input_size=(128, 128))
