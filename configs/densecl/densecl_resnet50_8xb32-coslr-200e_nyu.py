# DenseCL (Wang et al., CVPR 2021), ResNet-50, on the NYU unlabeled images: mmpretrain's recipe
# as it is (MoCo v2 views, dense and global contrastive heads, 65536 negatives, SGD 0.03, 200
# epochs) on this project's data (_base_/models/densecl_resnet50.py).
_base_ = ['../_base_/models/densecl_resnet50.py']

# k-NN top-1 on object crops of the labeled splits, before training and every 5 epochs
custom_hooks = [_base_.nyu_knn_probe]
