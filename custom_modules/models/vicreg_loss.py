"""The VICReg loss (Bardes, Ponce and LeCun, ICLR 2022)."""

from typing import Dict

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from .gather import gather_with_grad, off_diagonal


@MODELS.register_module()
class VICRegLoss(BaseModule):
    """Variance-Invariance-Covariance regularisation of two batches of embeddings.

    ``loss = sim_coeff * repr + std_coeff * std + cov_coeff * cov`` where, with ``N`` the
    global batch and ``D`` the embedding width:

    - ``repr`` (invariance): ``mse(z1, z2)`` on this process's batch (as in the official code);
    - ``std`` (variance): mean of ``relu(1 - sqrt(var(z) + eps))`` over dimensions, averaged
      over the two branches;
    - ``cov`` (covariance): sum of the squared off-diagonal entries of each branch's
      covariance (divisor ``N - 1``), divided by ``D``, summed over the two branches.

    The variance and covariance terms use the embeddings of every process, gathered with
    gradients (:class:`FullGatherLayer`).

    Args:
        sim_coeff (float): Weight of the invariance term. Defaults to 25.
        std_coeff (float): Weight of the variance term. Defaults to 25.
        cov_coeff (float): Weight of the covariance term. Defaults to 1.
        eps (float): Added to the variance before the square root. Defaults to 1e-4.
    """

    autocast_precision = 'fp32'  # the loss: fp32 under bf16 autocast (engine/precision.py)

    def __init__(
        self,
        sim_coeff: float = 25.0,
        std_coeff: float = 25.0,
        cov_coeff: float = 1.0,
        eps: float = 1e-4,
    ):
        super().__init__()
        self.sim_coeff, self.std_coeff, self.cov_coeff, self.eps = (
            sim_coeff,
            std_coeff,
            cov_coeff,
            eps,
        )

    def terms(self, z1: torch.Tensor, z2: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The three unweighted terms and the weighted total.

        Args:
            z1, z2 (Tensor): (n, D) embeddings of the two views on this process.

        Returns:
            dict: ``repr``, ``std``, ``cov`` (unweighted) and ``loss`` (weighted sum).

        Raises:
            ValueError: when the global batch holds one embedding (variance undefined).
        """
        repr_loss = F.mse_loss(z1, z2)
        x, y = gather_with_grad(z1), gather_with_grad(z2)
        n, d = x.shape
        if n < 2:  # every process sees the same global n: all raise, none waits
            raise ValueError(
                f'VICReg needs at least 2 embeddings per global batch for its variance and '
                f'covariance terms, got {n}: raise the batch size, or set drop_last=True in the '
                'train dataloader so that a last batch of one is dropped'
            )
        x = x - x.mean(dim=0)
        y = y - y.mean(dim=0)
        std_x = torch.sqrt(x.var(dim=0) + self.eps)
        std_y = torch.sqrt(y.var(dim=0) + self.eps)
        std_loss = torch.mean(F.relu(1 - std_x)) / 2 + torch.mean(F.relu(1 - std_y)) / 2
        cov_x = (x.T @ x) / (n - 1)
        cov_y = (y.T @ y) / (n - 1)
        cov_loss = off_diagonal(cov_x).pow(2).sum().div(d) + off_diagonal(cov_y).pow(2).sum().div(d)
        loss = self.sim_coeff * repr_loss + self.std_coeff * std_loss + self.cov_coeff * cov_loss
        return dict(repr=repr_loss, std=std_loss, cov=cov_loss, loss=loss)

    def forward(self, z1: torch.Tensor, z2: torch.Tensor) -> torch.Tensor:
        """The scalar VICReg loss of (n, D) embeddings ``z1``, ``z2``."""
        return self.terms(z1, z2)['loss']
