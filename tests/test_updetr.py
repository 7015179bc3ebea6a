"""UP-DETR: patch sampling, shapes and losses, the group mask, matching, and the fine-tune load."""

import os.path as osp

import numpy as np
import pytest
import torch
from conftest import ROOT
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import custom_modules  # noqa: F401

DEMO = osp.join(ROOT, 'configs/updetr/updetr_r18-w32-barlowtwins-pre_1xb8-adamw-2e_nyu-demo.py')
M, N = 4, 20  # patches, queries: groups of 5


def tiny_cfg():
    """The demo UP-DETR with one encoder and two decoder layers, 20 queries, 4 patches."""
    cfg = Config.fromfile(DEMO)
    cfg.model.update(num_queries=N, num_patches=M, test_cfg=dict(max_per_img=N))
    cfg.model.backbone.init_cfg = None
    cfg.model.encoder.num_layers = 1
    # two: the first layer's self-attention mixes only the (zero) query contents
    cfg.model.decoder.num_layers = 2
    return cfg


def build(cfg):
    from mmdet.registry import MODELS

    init_default_scope('mmdet')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def batch(num=2, size=64, patch=32, seed=0):
    from mmdet.structures import DetDataSample

    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(num):
        inputs.append(torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8))
        xy = torch.randint(0, size // 2, (M, 2), generator=g).float()
        wh = torch.randint(8, size // 2, (M, 2), generator=g).float()
        patches = torch.randint(0, 256, (M, patch, patch, 3), generator=g, dtype=torch.uint8)
        s = DetDataSample(metainfo=dict(img_shape=(size, size), ori_shape=(size, size),
                                        scale_factor=(1.0, 1.0),
                                        query_patches=patches.numpy()))  # fmt: skip
        s.gt_instances = InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                      labels=torch.zeros(M, dtype=torch.long))  # fmt: skip
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


@pytest.fixture(scope='module')
def model():
    return build(tiny_cfg())


def test_patches_transform():
    from custom_modules.transforms import RandomQueryPatches

    img = np.random.default_rng(0).integers(0, 256, (50, 90, 3), dtype=np.uint8)
    t = RandomQueryPatches(num_patches=30, min_size=8, patch_size=16, seed=3)
    out = t(dict(img=img, sample_idx=7))
    boxes = out['gt_bboxes'].tensor.numpy()
    assert boxes.shape == (30, 4) and out['query_patches'].shape == (30, 16, 16, 3)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    assert (w >= 8).all() and (h >= 8).all() and (w <= 82).all() and (h <= 42).all()
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 90).all() and (boxes[:, 3] <= 50).all()
    # each patch is its box's crop, resized
    import mmcv

    x1, y1, x2, y2 = boxes[0].astype(int)
    assert np.array_equal(out['query_patches'][0], mmcv.imresize(img[y1:y2, x1:x2], (16, 16)))
    assert (out['gt_bboxes_labels'] == 0).all() and out['img_id'] == 7
    # seeded: the same boxes for the same image, other boxes for another image
    again = t(dict(img=img, sample_idx=7))['gt_bboxes'].tensor
    other = t(dict(img=img, sample_idx=8))['gt_bboxes'].tensor
    assert torch.equal(again, out['gt_bboxes'].tensor) and not torch.equal(other, again)
    # the control: the same targets, crops cut elsewhere
    ctrl = RandomQueryPatches(num_patches=30, min_size=8, patch_size=16, seed=3, mismatch=True)
    ctrl = ctrl(dict(img=img, sample_idx=7))
    assert torch.equal(ctrl['gt_bboxes'].tensor, out['gt_bboxes'].tensor)
    same = [np.array_equal(a, b) for a, b in zip(ctrl['query_patches'], out['query_patches'])]
    assert not any(same)


def test_loss_and_predict_shapes(model):
    model.train()
    data = model.data_preprocessor(batch(), True)
    losses = model(**data, mode='loss')
    for k in ('loss_cls', 'loss_bbox', 'loss_iou', 'loss_feature'):
        assert torch.isfinite(losses[k]) and losses[k] > 0, k
    # normalised features: each matched query's squared distance is in [0, 4]
    assert losses['loss_feature'] <= 4
    loss, _ = model.parse_losses(losses)
    loss.backward()
    assert model.patch2query.weight.grad.abs().sum() > 0
    assert model.bbox_head.feature_align.layers[0].weight.grad.abs().sum() > 0
    # the backbone is frozen (frozen_stages=4) and gets no gradient
    assert all(p.grad is None for p in model.backbone.parameters())
    model.eval()
    with torch.no_grad():
        out = model(**model.data_preprocessor(batch(), False), mode='predict')
    assert out[0].pred_instances.bboxes.shape == (N, 4)
    assert out[0].pred_instances.labels.max() == 0  # one class


def test_group_mask(model):
    mask = model.group_attn_mask()
    assert mask.shape == (N, N)
    group = torch.arange(N) // (N // M)
    assert torch.equal(~mask, group[:, None] == group[None])


def _hidden(model, data):
    img_feats = model.extract_feat(data['inputs'])
    return model.forward_transformer(img_feats, data['data_samples'])['hidden_states'][-1]


def _patch_1_inverted(model):
    """The one-image batch with its patch 1 inverted, and the mask of group 1's queries."""
    changed = model.data_preprocessor(batch(num=1), False)
    qp = changed['data_samples'][0].metainfo['query_patches'].copy()
    qp[1] = 255 - qp[1]
    changed['data_samples'][0].set_metainfo(dict(query_patches=qp))
    return changed, (torch.arange(N) // (N // M)) == 1


def test_mask_blocks_other_groups(model, monkeypatch):
    """Changing patch 1 changes only group 1's outputs; without the mask it leaks."""
    model.eval()
    data = model.data_preprocessor(batch(num=1), False)
    changed, in_group = _patch_1_inverted(model)
    with torch.no_grad():
        a, b = _hidden(model, data)[0], _hidden(model, changed)[0]
        assert not torch.allclose(a[in_group], b[in_group], atol=1e-4)
        torch.testing.assert_close(a[~in_group], b[~in_group], rtol=0, atol=1e-5)
        monkeypatch.setattr(model, 'group_attn_mask', lambda device=None: None)
        a, b = _hidden(model, data)[0], _hidden(model, changed)[0]
        assert not torch.allclose(a[~in_group], b[~in_group], atol=1e-4)


def test_matching_and_feature_loss_on_a_hand_made_case(model):
    """Three patches, five queries: queries 4, 2, 1 predict patches 0, 1, 2 exactly."""
    head = model.bbox_head
    gt_xyxy = torch.tensor([[0.0, 0.0, 20.0, 20.0], [40.0, 40.0, 60.0, 64.0],
                            [10.0, 30.0, 50.0, 40.0]])  # fmt: skip
    gt = InstanceData(bboxes=gt_xyxy, labels=torch.zeros(3, dtype=torch.long))
    cxcywh = torch.cat([(gt_xyxy[:, :2] + gt_xyxy[:, 2:]) / 2, gt_xyxy[:, 2:] - gt_xyxy[:, :2]], 1)
    preds = torch.tensor([[0.9, 0.9, 0.1, 0.1], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                          [0.1, 0.9, 0.1, 0.1], [0.0, 0.0, 0.0, 0.0]])  # fmt: skip
    preds[4], preds[2], preds[1] = cxcywh / 64
    scores = torch.tensor([[-5.0, 5.0], [5.0, -5.0], [5.0, -5.0], [-5.0, 5.0], [5.0, -5.0]])
    meta = dict(img_shape=(64, 64))
    q, g = head.match(scores, preds, gt, meta)
    assert dict(zip(q.tolist(), g.tolist())) == {1: 2, 2: 1, 4: 0}
    # feature loss: sum over matched queries of |n(pred) - n(target)|^2, / number of patches
    gt.feats = torch.randn(3, head.feat_channels)
    feat_preds = torch.randn(1, 5, head.feat_channels)
    feat_preds[0, 4] = 3 * gt.feats[0]  # same direction: no loss from this pair
    n = torch.nn.functional.normalize
    expect = ((n(feat_preds[0, 2], dim=0) - n(gt.feats[1], dim=0)) ** 2).sum()
    expect += ((n(feat_preds[0, 1], dim=0) - n(gt.feats[2], dim=0)) ** 2).sum()
    got = head.feature_loss(scores[None], preds[None], feat_preds, [gt], [meta])
    torch.testing.assert_close(got, head.loss_feature_weight * expect / 3)


def test_finetune_loads_the_transformer(tmp_path):
    """PretrainedDETR keeps the pretrained transformer (mmdet's DETR would re-initialise it)
    and leaves the differently shaped class head fresh; the guard still applies."""
    from mmdet.registry import MODELS

    from custom_modules.engine import CheckpointMismatchError

    src = build(tiny_cfg()).state_dict()
    ckpt = str(tmp_path / 'updetr.pth')
    torch.save(dict(state_dict=src), ckpt)

    def finetune(kind, checkpoint=ckpt):
        cfg = tiny_cfg().model
        cfg.update(type=kind, init_cfg=dict(type='Pretrained', checkpoint=checkpoint))
        for k in ('num_patches', 'patch_channels', 'patch_dropout'):
            cfg.pop(k)
        cfg.bbox_head.update(type='DETRHead', num_classes=10)
        cfg.bbox_head.pop('feat_channels'), cfg.bbox_head.pop('loss_feature_weight')
        torch.manual_seed(1)
        det = MODELS.build(cfg)
        det.init_weights()
        return det

    det = finetune('PretrainedDETR')
    own = det.state_dict()
    loaded = (
        'decoder.layers.0.self_attn.attn.in_proj_weight',
        'encoder.layers.0.ffn.layers.1.weight',
        'query_embedding.weight',
        'backbone.conv1.weight',
        'bbox_head.fc_reg.weight',
    )
    for k in loaded:
        assert torch.equal(own[k], src[k]), k
    assert own['bbox_head.fc_cls.weight'].shape == (11, 128)
    plain = finetune('DETR').state_dict()
    assert not torch.equal(plain['decoder.layers.0.self_attn.attn.in_proj_weight'],
                           src['decoder.layers.0.self_attn.attn.in_proj_weight'])  # fmt: skip
    torch.save(dict(state_dict={'backbone.' + k: v for k, v in src.items()}), tmp_path / 'bad.pth')
    with pytest.raises(CheckpointMismatchError, match='provides only'):
        finetune('PretrainedDETR', str(tmp_path / 'bad.pth'))


def test_patch_ap_table_scores_each_checkpoint_and_its_control(tmp_path, demo_root, capsys,
                                                               monkeypatch):  # fmt: skip
    """tools/updetr_patch_ap.py CONFIG CKPT... --with-control: one row per checkpoint (the
    untrained model without one), its patch AP beside the control's, as a Markdown table."""
    from tools.updetr_patch_ap import main

    monkeypatch.chdir(tmp_path)  # the default work dirs go under work_dirs/ here
    cfg = tiny_cfg()
    cfg.test_dataloader.dataset.data_root = demo_root
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    config = str(tmp_path / 'updetr_tiny.py')
    cfg.dump(config)
    ckpt = str(tmp_path / 'updetr.pth')
    torch.save(dict(state_dict=build(tiny_cfg()).state_dict(), meta={}), ckpt)
    rows = main([config, 'untrained', ckpt, '--with-control', '--given-patch'])
    assert [r[0] for r in rows] == ['untrained', ckpt] and len(rows[1]) == 9
    assert all(0 <= v <= 1 for r in rows for v in r[1:])
    out = capsys.readouterr().out
    assert '| checkpoint | patch mAP | AP50 | AR@100 | control mAP |' in out
    assert "| own patch's box IoU | other patch boxes IoU |" in out
    assert f'| {ckpt} |' in out
    assert osp.isfile(tmp_path / 'work_dirs' / 'updetr_tiny' / 'patch_ap_mismatch' / 'metrics.json')
    with pytest.raises(SystemExit):
        main([config, ckpt, '--with-control', '--mismatch'])


def test_positive_control_sources():
    """patch_source='box' gives features of the boxes only (the crops do not matter, a box
    does); 'region' gives the RoIAlign of the boxes on the image's own backbone map; both
    train (the patch projection gets a gradient) and predict."""
    from torchvision.ops import roi_align

    data = batch(num=1)
    other_crops = batch(num=1, seed=1)['data_samples'][0].metainfo['query_patches']
    for source in ('box', 'region'):
        cfg = tiny_cfg()
        cfg.model.patch_source = source
        m = build(cfg).eval()
        d = m.data_preprocessor(data, False)
        img = m.extract_feat(d['inputs'])
        feats = m.encode_patches(d['data_samples'])
        assert feats.shape == (1, M, 256)
        changed = m.data_preprocessor(batch(num=1), False)
        changed['data_samples'][0].set_metainfo(dict(query_patches=other_crops))
        m.extract_feat(changed['inputs'])
        torch.testing.assert_close(m.encode_patches(changed['data_samples']), feats)
        if source == 'box':
            moved = m.data_preprocessor(batch(num=1), False)
            moved['data_samples'][0].gt_instances.bboxes[1] += 3
            again = m.encode_patches(moved['data_samples'])
            assert not torch.allclose(again[0, 1], feats[0, 1])
            torch.testing.assert_close(again[0, [0, 2, 3]], feats[0, [0, 2, 3]])
        else:
            fmap = m.backbone(d['inputs'])[-1]
            boxes = d['data_samples'][0].gt_instances.bboxes
            s = fmap.shape[-1] / d['inputs'].shape[-1]
            want = roi_align(fmap, [boxes], 2, spatial_scale=s, aligned=True).mean(dim=(2, 3))
            torch.testing.assert_close(feats[0], want)
        with torch.no_grad():
            out = m.forward_transformer(img, d['data_samples'])['hidden_states']
        assert torch.isfinite(out).all()
        m.train()
        losses = m(**m.data_preprocessor(batch(), True), mode='loss')
        m.parse_losses(losses)[0].backward()
        assert m.patch2query.weight.grad.abs().sum() > 0
    for key, bad in (('patch_source', 'pixels'), ('patch_to', 'key')):
        cfg = tiny_cfg()
        cfg.model[key] = bad
        with pytest.raises(ValueError, match=key):
            build(cfg)


def test_patch_to_content_keeps_the_groups_apart(monkeypatch):
    """patch_to='content': the patch is added to the decoder's (zero) input queries instead of
    their positions; changing patch 1 still changes only group 1, and the patch projection
    learns."""
    cfg = tiny_cfg()
    cfg.model.patch_to = 'content'
    m = build(cfg).eval()
    seen = {}
    decoder = m.decoder.forward

    def spy(query, query_pos, **kw):
        seen.update(query=query, query_pos=query_pos)
        return decoder(query=query, query_pos=query_pos, **kw)

    monkeypatch.setattr(m.decoder, 'forward', spy)
    data = m.data_preprocessor(batch(num=1), False)
    with torch.no_grad():
        a = _hidden(m, data)[0]
        patch = m.patch_queries(m.encode_patches(data['data_samples']))
    torch.testing.assert_close(seen['query'], patch)  # DETR's queries start at zero
    torch.testing.assert_close(seen['query_pos'][0], m.query_embedding.weight)
    changed, in_group = _patch_1_inverted(m)
    with torch.no_grad():
        b = _hidden(m, changed)[0]
    assert not torch.allclose(a[in_group], b[in_group], atol=1e-4)
    torch.testing.assert_close(a[~in_group], b[~in_group], rtol=0, atol=1e-5)


def test_identification_scores_a_patch_finding_its_region():
    from tools.updetr_patch_ap import identification

    g = torch.Generator().manual_seed(0)
    region = torch.randn(50, 4, 16, generator=g)
    exact = identification(region.clone(), region)
    assert exact['top1'] == 1.0 and abs(exact['own'] - 1) < 1e-5 and exact['other'] < 0.5
    shuffled = identification(region[:, [1, 2, 3, 0]], region)
    assert shuffled['top1'] == 0.0
    noise = identification(
        torch.randn(2000, 4, 16, generator=g), torch.randn(2000, 4, 16, generator=g)
    )
    assert 0.2 < noise['top1'] < 0.3  # chance 1/4


def test_identify_table(tmp_path, demo_root, capsys, monkeypatch):
    """--identify: a row of raw pixels (whose 2 x 2 colours find the exact crop's region) and
    one per backbone."""
    from tools.updetr_patch_ap import main

    monkeypatch.chdir(tmp_path)
    cfg = tiny_cfg()
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint='none', prefix='backbone.')
    cfg.test_dataloader.dataset.data_root = demo_root
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    config = str(tmp_path / 'updetr_tiny.py')
    cfg.dump(config)
    model = build(tiny_cfg())
    ckpt = str(tmp_path / 'ssl.pth')
    torch.save(dict(state_dict={'backbone.' + k: v for k, v in model.backbone.state_dict().items()},
                    meta={}), ckpt)  # fmt: skip
    rows = main([config, '--identify', 'random', ckpt])
    assert [r[0] for r in rows][1:] == ['random', ckpt]
    assert rows[0][1]['top1'] > 0.9  # the crops are their regions, resized
    assert all(0 <= r['top1'] <= 1 for _, r in rows)
    out = capsys.readouterr().out
    assert '| backbone | patch finds its region (top-1 of 4; chance 0.25) |' in out
    assert f'| {ckpt} |' in out
    with pytest.raises(SystemExit):
        main([config, ckpt, '--identify', 'random'])


def test_given_patch_scores_a_model_that_returns_its_boxes(tmp_path, demo_root, monkeypatch):
    """A model whose group j puts its top box exactly on patch j: own IoU 1, other IoU the
    mean overlap of distinct patch boxes (< 1); the same boxes in the wrong groups swap them."""
    from mmdet.structures.bbox import bbox_xyxy_to_cxcywh

    from tools import updetr_patch_ap

    monkeypatch.chdir(tmp_path)
    cfg = tiny_cfg()
    cfg.test_dataloader.dataset.data_root = demo_root
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    config = str(tmp_path / 'updetr_tiny.py')
    cfg.dump(config)
    for shift in (0, 1):

        def head(self, hidden_states, shift=shift):
            s = self._samples
            boxes = []
            for x in s:
                h, w = x.metainfo['img_shape'][:2]
                gt = getattr(x.gt_instances.bboxes, 'tensor', x.gt_instances.bboxes)
                gt = gt.roll(shift, 0) / gt.new_tensor([w, h, w, h])
                boxes.append(bbox_xyxy_to_cxcywh(gt).repeat_interleave(N // M, 0))
            scores = torch.zeros(1, len(s), N, 2)
            return scores, torch.stack(boxes)[None], None

        def transformer(self, feats, samples):
            self.bbox_head._samples = samples
            return dict(hidden_states=None)

        from custom_modules.models.updetr import UPDETR, UPDETRHead

        monkeypatch.setattr(UPDETRHead, 'forward', head)
        monkeypatch.setattr(UPDETR, 'forward_transformer', transformer)
        own, other = updetr_patch_ap.given_patch(config)
        if shift == 0:
            assert own == pytest.approx(1.0) and other < 0.9
        else:  # each group's box is exactly one of the *other* patches' boxes
            assert own < 0.9 and other >= 1 / (M - 1) - 1e-6 and other > own


def test_match_within_groups_keeps_each_patch_to_its_group():
    """match_within_groups adds QueryGroupCost: patch j is matched to a query of group j even
    where a query of another group predicts its box exactly (which DETR's matching takes)."""
    free, grouped = tiny_cfg(), tiny_cfg()
    grouped.model.match_within_groups = True
    gt_xyxy = torch.tensor([[0.0, 0.0, 20.0, 20.0], [40.0, 40.0, 60.0, 64.0],
                            [10.0, 30.0, 50.0, 40.0], [5.0, 5.0, 60.0, 30.0]])  # fmt: skip
    gt = InstanceData(bboxes=gt_xyxy, labels=torch.zeros(M, dtype=torch.long))
    cxcywh = torch.cat([(gt_xyxy[:, :2] + gt_xyxy[:, 2:]) / 2, gt_xyxy[:, 2:] - gt_xyxy[:, :2]], 1)
    preds = torch.full((N, 4), 0.5)
    preds[:, 2:] = 0.1
    preds[N - 1 - torch.arange(M)] = cxcywh / 64  # the exact boxes, all in the last group
    scores = torch.zeros(N, 2)
    meta = dict(img_shape=(64, 64))
    q, g = build(free).bbox_head.match(scores, preds, gt, meta)
    assert sorted(q.tolist()) == [N - 4, N - 3, N - 2, N - 1]
    q, g = build(grouped).bbox_head.match(scores, preds, gt, meta)
    assert torch.equal(q // (N // M), g)  # every patch matched inside its own group
    costs = build(grouped).bbox_head.assigner.match_costs
    assert type(costs[-1]).__name__ == 'QueryGroupCost' and len(costs) == 4
