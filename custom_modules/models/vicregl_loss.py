"""The VICRegL loss (Bardes, Ponce and LeCun, NeurIPS 2022): VICReg on global embeddings and
on matched local embeddings."""

from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from .gather import gather_with_grad


def nearest_matches(
    inputs: torch.Tensor, candidates: torch.Tensor, distances: torch.Tensor, num_matches=None
) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pair each local embedding of ``inputs`` with its nearest one of ``candidates`` and keep
    the ``num_matches`` closest pairs of each image (all pairs for ``None``), in the order of
    their positions in ``inputs``.

    Args:
        inputs (Tensor): (B, N, C) local embeddings of one view.
        candidates (Tensor): (B, M, C) local embeddings of the other view.
        distances (Tensor): (B, N, M) distances that define "nearest" (between embeddings for
            feature-based matching, between image positions for location-based matching).
        num_matches (int, optional): Pairs kept per image.

    Returns:
        tuple[Tensor, Tensor]: (B, K, C) kept ``inputs`` and their (B, K, C) matches.
    """
    nearest, index = distances.min(dim=2)  # (B, N)
    k = inputs.shape[1] if num_matches is None else min(num_matches, inputs.shape[1])
    keep = nearest.topk(k, dim=1, largest=False).indices.sort(dim=1).values  # (B, K)
    c = inputs.shape[2]
    kept = inputs.gather(1, keep[..., None].expand(-1, -1, c))
    matched = candidates.gather(1, index.gather(1, keep)[..., None].expand(-1, -1, c))
    return kept, matched


@MODELS.register_module()
class VICRegLLoss(BaseModule):
    """VICReg on the global embeddings of two views and on matched local embeddings.

    ``loss = alpha * global + (1 - alpha) * local``, each the sum of its invariance, variance and
    covariance terms, weighted by ``inv_coeff``, ``var_coeff`` and ``cov_coeff``:

    - on (B, K, C) embeddings ``x``, ``y`` (K = 1 for global ones): invariance
      ``mse(x, y)``; variance: for each slot k and channel, ``relu(1 - sqrt(var + eps))`` over
      the global batch, averaged, half for x and half for y; covariance: for each slot, the
      squared off-diagonal entries of the (C, C) covariance over the global batch summed and
      divided by C, averaged over slots, half for x and half for y;
    - local: for each ordered pair of views (i, j), two matchings, each both ways: feature-based
      (each local embedding of view i with its nearest in view j by L2, all kept:
      ``l2_all_matches``) and location-based (each with the nearest by position in the
      original image, the ``num_matches[0]`` closest pairs kept from i to j and
      ``num_matches[1]`` from j to i); the terms of a matching are averaged over its two
      directions, summed over the two matchings and averaged over the view pairs.

    As in the official code, the variance and covariance use the embeddings of every process
    (gathered with gradients), the invariance this process's. The official code overwrites, not
    sums, the local terms of its view pairs; here they are averaged over the pairs, as the paper
    writes (with two views both directions of the one pair).

    Args:
        alpha (float): Weight of the global criterion. Defaults to 0.75 (the paper's ResNet).
        num_matches (Sequence[int]): Location-based pairs kept per image, from the first view
            to the second and back. Defaults to (20, 4).
        l2_all_matches (bool): Keep every feature-based pair. Defaults to True (num_matches
            otherwise).
        inv_coeff (float), var_coeff (float), cov_coeff (float): Defaults 25, 25, 1.
        eps (float): Added to the variance before the square root. Defaults to 1e-4.
    """

    autocast_precision = 'fp32'  # the loss: fp32 under bf16 autocast (engine/precision.py)

    def __init__(
        self,
        alpha: float = 0.75,
        num_matches: Sequence[int] = (20, 4),
        l2_all_matches: bool = True,
        inv_coeff: float = 25.0,
        var_coeff: float = 25.0,
        cov_coeff: float = 1.0,
        eps: float = 1e-4,
    ):
        super().__init__()
        self.alpha, self.num_matches, self.l2_all_matches = (
            alpha,
            tuple(num_matches),
            l2_all_matches,
        )
        self.inv_coeff, self.var_coeff, self.cov_coeff, self.eps = (
            inv_coeff,
            var_coeff,
            cov_coeff,
            eps,
        )

    def vicreg(self, x: torch.Tensor, y: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Weighted (invariance, variance, covariance) of (B, K, C) embeddings."""
        inv = self.inv_coeff * F.mse_loss(x, y)
        x, y = gather_with_grad(x), gather_with_grad(y)
        if x.shape[0] < 2:
            raise ValueError(f'VICRegL needs at least 2 images per global batch, got {x.shape[0]}')

        def variance(z):
            return F.relu(1 - torch.sqrt(z.var(dim=0) + self.eps)).mean()

        def covariance(z):
            z = (z - z.mean(dim=0)).transpose(0, 1)  # (K, B, C), centred over the batch
            cov = z.transpose(1, 2) @ z / (z.shape[1] - 1)  # (K, C, C)
            off = cov.pow(2).sum(dim=(1, 2)) - torch.diagonal(cov, dim1=1, dim2=2).pow(2).sum(1)
            return (off / z.shape[2]).mean()

        var = self.var_coeff * (variance(x) + variance(y)) / 2
        cov = self.cov_coeff * (covariance(x) + covariance(y)) / 2
        return inv, var, cov

    def local_terms(self, maps_1, maps_2, loc_1, loc_2) -> Tuple[torch.Tensor, ...]:
        """Both matchings between two views' (B, N, C) local embeddings, with their (B, N, 2)
        positions in the original image."""
        total = torch.zeros(3, dtype=maps_1.dtype, device=maps_1.device)
        l2 = (None, None) if self.l2_all_matches else self.num_matches
        for d12, k in (
            (torch.cdist(maps_1, maps_2), l2),
            (torch.cdist(loc_1, loc_2), self.num_matches),
        ):
            a = self.vicreg(*nearest_matches(maps_1, maps_2, d12, k[0]))
            b = self.vicreg(*nearest_matches(maps_2, maps_1, d12.transpose(1, 2), k[1]))
            total = total + (torch.stack(a) + torch.stack(b)) / 2
        return tuple(total)

    def terms(self, embeddings, maps, locations) -> Dict[str, torch.Tensor]:
        """The weighted terms and the total.

        Args:
            embeddings (list[Tensor]): (B, D) global embeddings, one per view (>= 2).
            maps (list[Tensor]): (B, N, C) local embeddings, one per view.
            locations (list[Tensor]): (B, N, 2) positions of the local embeddings in the
                original image (any consistent unit), one per view.

        Returns:
            dict: ``inv``, ``var``, ``cov`` (global), ``local_inv``, ``local_var``,
            ``local_cov`` and ``loss``.
        """
        g = self.vicreg(embeddings[0][:, None], embeddings[1][:, None])  # the first two views
        pairs = [(i, j) for i in range(2) for j in range(len(maps)) if j != i]
        local = torch.stack(
            [torch.stack(self.local_terms(maps[i], maps[j], locations[i], locations[j]))
             for i, j in pairs]
        ).mean(0)  # fmt: skip
        loss = self.alpha * sum(g) + (1 - self.alpha) * local.sum()
        return dict(inv=g[0], var=g[1], cov=g[2], local_inv=local[0], local_var=local[1],
                    local_cov=local[2], loss=loss)  # fmt: skip

    def forward(self, embeddings, maps, locations) -> torch.Tensor:
        """The scalar VICRegL loss (see :meth:`terms`)."""
        return self.terms(embeddings, maps, locations)['loss']
