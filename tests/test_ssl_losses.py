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
