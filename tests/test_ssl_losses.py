"""The SSL losses equal the papers' formulas, written out independently here."""

import pytest
import torch

from custom_modules.models import BarlowTwinsLoss, GatheredCrossCorrelationHead, VICRegLoss


def vicreg_paper(z1, z2, lam=25.0, mu=25.0, nu=1.0, eps=1e-4):
    """Eq. (1)-(6) of the VICReg paper, term by term."""
    n, d = z1.shape

    def v(z):  # variance: hinge on the std of each dimension
        return torch.clamp(1 - torch.sqrt(z.var(dim=0, unbiased=True) + eps), min=0).mean()

    def c(z):  # covariance: squared off-diagonal coefficients / d
        zc = z - z.mean(dim=0, keepdim=True)
        cov = zc.T @ zc / (n - 1)
        return (cov**2).sum().sub((torch.diagonal(cov) ** 2).sum()) / d

    s = ((z1 - z2) ** 2).sum(dim=1).mean() / d  # invariance: mean squared distance / d
    return lam * s + mu * (v(z1) + v(z2)) / 2 + nu * (c(z1) + c(z2))


def barlow_paper(z1, z2, lambd=0.0051, eps=1e-5):
    """Eq. (1)-(2) of the Barlow Twins paper, with batch-normalised embeddings."""
    n = z1.shape[0]
    a = (z1 - z1.mean(0)) / torch.sqrt(z1.var(0, unbiased=False) + eps)
    b = (z2 - z2.mean(0)) / torch.sqrt(z2.var(0, unbiased=False) + eps)
    cc = torch.einsum('bi,bj->ij', a, b) / n
    eye = torch.eye(cc.shape[0], dtype=cc.dtype)
    return ((1 - torch.diagonal(cc)) ** 2).sum() + lambd * ((cc * (1 - eye)) ** 2).sum()


@pytest.mark.parametrize('n,d', [(8, 4), (32, 16), (5, 64)])
def test_vicreg_equals_paper(n, d):
    g = torch.Generator().manual_seed(n * d)
    z1 = torch.randn(n, d, generator=g, dtype=torch.float64) * 0.7
    z2 = z1 + 0.3 * torch.randn(n, d, generator=g, dtype=torch.float64)
    loss = VICRegLoss()
    assert torch.allclose(loss(z1, z2), vicreg_paper(z1, z2), rtol=1e-10, atol=1e-12)
    weighted = VICRegLoss(sim_coeff=2.0, std_coeff=3.0, cov_coeff=0.5, eps=1e-3)
    assert torch.allclose(weighted(z1, z2), vicreg_paper(z1, z2, 2.0, 3.0, 0.5, 1e-3))


def test_vicreg_properties():
    z = torch.randn(16, 8, dtype=torch.float64)
    terms = VICRegLoss().terms(z, z.clone())
    assert terms['repr'] == 0  # identical views: no invariance term
    collapsed = torch.ones(16, 8, dtype=torch.float64) * 3.0
    t = VICRegLoss().terms(collapsed, collapsed)
    # every dimension has zero variance: the hinge is at its maximum 1 - sqrt(eps)
    assert torch.isclose(t['std'], torch.tensor(1 - 1e-2, dtype=torch.float64))
    assert t['cov'] == 0
    # spread-out, decorrelated embeddings: no variance penalty
    wide = torch.randn(4096, 4, dtype=torch.float64) * 3
    assert VICRegLoss().terms(wide, wide)['std'] == 0


def test_vicreg_refuses_a_batch_of_one():
    z = torch.randn(1, 8)
    with pytest.raises(ValueError, match='at least 2 embeddings.*got 1'):
        VICRegLoss()(z, z)
    assert torch.isfinite(VICRegLoss()(torch.randn(2, 8), torch.randn(2, 8)))


@pytest.mark.parametrize('n,d', [(8, 4), (32, 16)])
def test_barlow_twins_equals_paper(n, d):
    g = torch.Generator().manual_seed(n + d)
    z1 = torch.randn(n, d, generator=g, dtype=torch.float64)
    z2 = z1 + 0.5 * torch.randn(n, d, generator=g, dtype=torch.float64)
    head = GatheredCrossCorrelationHead(d).double().train()
    assert torch.allclose(head.loss(z1, z2), barlow_paper(z1, z2), rtol=1e-8)
    # mmpretrain's own loss on the same matrix agrees with ours
    from mmpretrain.models.losses import CrossCorrelationLoss

    c = head.cross_correlation(z1, z2).detach()
    assert torch.allclose(CrossCorrelationLoss()(c.clone()), BarlowTwinsLoss()(c))


def test_barlow_twins_properties():
    # identical views with decorrelated (orthogonal) dimensions: C = I, loss 0
    q, _ = torch.linalg.qr(torch.randn(64, 8, dtype=torch.float64))
    z = (q - q.mean(0)) * 8
    head = GatheredCrossCorrelationHead(8, init_cfg=None).double().train()
    c = head.cross_correlation(z, z)
    assert torch.allclose(torch.diagonal(c), torch.ones(8, dtype=torch.float64), atol=1e-3)
    assert head.loss(z, z) < 1e-3
    # independent views: the diagonal term is about d
    other = torch.randn(64, 8, dtype=torch.float64)
    assert head.loss(z, other) > 4


def vicregl_paper(zs, maps, locs, alpha=0.75, matches=(20, 4), lam=25.0, mu=25.0, nu=1.0,
                  eps=1e-4):  # fmt: skip
    """VICRegL's criterion, slot by slot and image by image, with plain loops."""

    def vic(xs, ys):  # xs, ys: lists over images of lists over slots of (C,) vectors
        b, k, c = len(xs), len(xs[0]), len(xs[0][0])
        inv = sum(((xs[i][s] - ys[i][s]) ** 2).sum() for i in range(b) for s in range(k))
        inv = lam * inv / (b * k * c)

        def v_and_c(zz):
            v = cv = 0.0
            for s in range(k):
                col = torch.stack([zz[i][s] for i in range(b)])  # (B, C)
                std = torch.sqrt(col.var(dim=0, unbiased=True) + eps)
                v = v + torch.clamp(1 - std, min=0).mean()
                centred = col - col.mean(dim=0)
                cov = centred.T @ centred / (b - 1)
                cv = cv + sum(cov[p, q] ** 2 for p in range(c) for q in range(c) if p != q) / c
            return v / k, cv / k

        (vx, cx), (vy, cy) = v_and_c(xs), v_and_c(ys)
        return torch.stack([inv, mu * (vx + vy) / 2, nu * (cx + cy) / 2])

    def match(a, b_, pos_a, pos_b, keep):
        xs, ys = [], []
        for i in range(a.shape[0]):
            best = []
            for n in range(a.shape[1]):
                d = [float(torch.dist(pos_a[i, n], pos_b[i, m])) for m in range(b_.shape[1])]
                best.append((min(d), n, d.index(min(d))))
            kept = sorted(sorted(best)[: keep or len(best)], key=lambda t: t[1])
            xs.append([a[i, n] for _, n, _ in kept])
            ys.append([b_[i, m] for _, _, m in kept])
        return vic(xs, ys)

    g = vic([[z] for z in zs[0]], [[z] for z in zs[1]])
    local = 0.0
    pairs = [(0, 1), (1, 0)]
    for i, j in pairs:
        a, b_ = maps[i], maps[j]
        feat = (match(a, b_, a, b_, None) + match(b_, a, b_, a, None)) / 2
        where = (match(a, b_, locs[i], locs[j], matches[0]) +
                 match(b_, a, locs[j], locs[i], matches[1])) / 2  # fmt: skip
        local = local + feat + where
    local = local / len(pairs)
    return alpha * g.sum() + (1 - alpha) * local.sum()


def test_vicregl_equals_paper():
    from custom_modules.models import VICRegLLoss

    g = torch.Generator().manual_seed(0)
    b, n, c, d = 5, 9, 3, 4
    zs = [torch.randn(b, d, generator=g, dtype=torch.float64) for _ in range(2)]
    maps = [torch.randn(b, n, c, generator=g, dtype=torch.float64) for _ in range(2)]
    # positions in the image (random: no ties between distances)
    locs = [torch.rand(b, n, 2, generator=g, dtype=torch.float64) * 3 for _ in range(2)]
    ours = VICRegLLoss(num_matches=(5, 2))(zs, maps, locs)
    assert torch.allclose(ours, vicregl_paper(zs, maps, locs, matches=(5, 2)), rtol=1e-10)
    # alpha=1 is the global criterion alone; identical views leave no invariance anywhere
    glob = VICRegLLoss(alpha=1.0).terms(zs, maps, locs)
    assert torch.allclose(glob['loss'], glob['inv'] + glob['var'] + glob['cov'])
    same = VICRegLLoss().terms([zs[0], zs[0]], [maps[0], maps[0]], [locs[0], locs[0]])
    assert same['inv'] == 0 and same['local_inv'] == 0


def test_feature_positions_follow_the_crop_and_the_flip():
    from custom_modules.models import feature_positions

    # a 2 x 2 map of a 40 x 80 crop at (top 10, left 20), then the same crop flipped
    pos = feature_positions([(10, 20, 40, 80, 0), (10, 20, 40, 80, 1)], 2, 2)
    assert pos.shape == (2, 4, 2)
    assert pos[0].tolist() == [[20.0, 40.0], [20.0, 80.0], [40.0, 40.0], [40.0, 80.0]]
    # flipped: the view's left column shows the crop's right half
    assert pos[1].tolist() == [[20.0, 80.0], [20.0, 40.0], [40.0, 80.0], [40.0, 40.0]]
