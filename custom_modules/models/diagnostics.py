"""Numbers that tell whether an SSL projector learns, collapses or stagnates."""

import torch


def cross_correlation(z1: torch.Tensor, z2: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """(N, D) embeddings of the two views -> (D, D) normalised cross-correlation."""
    a = (z1 - z1.mean(0)) / (z1.std(0, unbiased=False) + eps)
    b = (z2 - z2.mean(0)) / (z2.std(0, unbiased=False) + eps)
    return a.T @ b / z1.shape[0]


def effective_rank(z: torch.Tensor, eps: float = 1e-7) -> float:
    """RankMe (Garrido et al., 2023) of (N, D) embeddings."""
    s = torch.linalg.svdvals(z.double())
    p = s / s.sum() + eps
    return float(torch.exp(-(p * p.log()).sum()))


def correlation_stats(c: torch.Tensor, z: torch.Tensor) -> dict:
    """The four numbers of a cross-correlation matrix ``c`` and embeddings ``z``."""
    d = torch.diagonal(c)
    off = c[~torch.eye(c.shape[0], dtype=torch.bool)]
    return dict(
        mean_diagonal=float(d.mean()),
        mean_abs_off_diagonal=float(off.abs().mean()),
        diagonal_above_0_9=float((d > 0.9).float().mean()),
        effective_rank=effective_rank(z),
    )
