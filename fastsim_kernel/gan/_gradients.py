"""The one backend-specific piece of training: gradients of a loss closure.

Everything else in the GAN (networks, losses, the train step) uses ``keras.ops`` only. TensorFlow uses a
``GradientTape``, PyTorch autograd; JAX needs a stateless train step, which this project does not provide yet.
"""

from __future__ import annotations

from collections.abc import Callable

import keras

from fastsim_kernel.errors import FastsimError


def value_and_grads(loss_fn: Callable, variables: list) -> tuple:
    """Return ``(loss, aux), grads``: ``loss_fn()`` returns (scalar loss, aux dict); grads match ``variables``."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss, aux = loss_fn()
        return (loss, aux), tape.gradient(loss, variables)
    if backend == "torch":
        import torch

        for v in variables:
            v.value.grad = None
        loss, aux = loss_fn()
        loss.backward()
        with torch.no_grad():
            grads = [v.value.grad for v in variables]
        return (loss, aux), grads
    msg = f"training runs on the tensorflow or torch Keras backend, not {backend!r} (KERAS_BACKEND)"
    raise FastsimError(msg)
