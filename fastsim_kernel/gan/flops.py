"""Analytic floating-point operation counts of a network, layer by layer (one multiply-add = 2 FLOPs)."""

from __future__ import annotations

import math

import keras


def layer_flops(layer) -> int:
    """FLOPs of one sample through ``layer``: Dense and Conv3D matrix products, elementwise work of the rest."""
    if hasattr(layer, "flops"):
        return int(layer.flops())
    out_shape = layer.output.shape[1:]
    out_size = math.prod(out_shape)
    if isinstance(layer, keras.layers.Dense):
        return 2 * layer.input.shape[-1] * layer.units + (layer.units if layer.use_bias else 0)
    if isinstance(layer, keras.layers.Conv3D):
        in_channels = layer.input.shape[-1]
        return 2 * out_size * math.prod(layer.kernel_size) * in_channels + (out_size if layer.use_bias else 0)
    if isinstance(layer, keras.layers.BatchNormalization):
        return 2 * out_size  # inference: one scale and one shift per element
    if isinstance(layer, (keras.layers.LeakyReLU, keras.layers.ReLU, keras.layers.Activation)):
        return out_size
    return 0  # reshapes, padding, upsampling: data movement only


def model_flops(model: keras.Model) -> dict[str, int]:
    """FLOPs per sample of every layer of a functional model, in order, and the ``total``."""
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    counts = {layer.name: layer_flops(layer) for layer in layers}
    counts["total"] = sum(counts.values())
    return counts
