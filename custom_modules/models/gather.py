"""All-gather with gradients, as in the official VICReg code (``FullGatherLayer``)."""

import torch
import torch.distributed as dist


class FullGatherLayer(torch.autograd.Function):
    """Gather ``x`` from every process; backward all-reduces (sums) the gradients of the
    gathered tensors and returns this process's slice.

    Every process computes the same loss on the gathered batch, so the summed gradient is
    ``world_size`` times that loss's gradient; DDP's averaging of parameter gradients then
    divides by ``world_size``, which gives exactly the gradient of one process on the
    concatenated batch (tests/test_ssl_distributed.py checks it).
    """

    @staticmethod
    def forward(ctx, x):
        output = [torch.zeros_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(output, x.contiguous())
        return tuple(output)

    @staticmethod
    def backward(ctx, *grads):
        all_gradients = torch.stack(grads)
        dist.all_reduce(all_gradients)
        return all_gradients[dist.get_rank()]


def gather_with_grad(x: torch.Tensor) -> torch.Tensor:
    """(n, C) per process -> (world_size * n, C), differentiable; ``x`` when not distributed."""
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return x
    return torch.cat(FullGatherLayer.apply(x), dim=0)


def off_diagonal(x: torch.Tensor) -> torch.Tensor:
    """The off-diagonal elements of a square matrix, flattened (the official helper)."""
    n, m = x.shape
    assert n == m
    return x.flatten()[:-1].view(n - 1, n + 1)[:, 1:].flatten()
