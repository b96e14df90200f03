"""An exact, faster inference form of a generator: polyphase up-sampled convolutions.

``UpSampling3D(s) -> [ZeroPadding3D(p)] -> Conv3D(k, valid)`` convolves a nearest-neighbour up-sampled
tensor, so most of its multiply-adds repeat the same input value. Along one axis, output ``i`` with
``a = i - p_left = s q + r`` (phase ``r``) is ``sum_t w[t] x[q + (r + t) // s]``: a convolution of the
ORIGINAL input with the kernel ``W_r[m] = sum of w[t] over (r + t) // s == m``, of length ``(r + k - 1) // s + 1``.
Zero padding maps exactly onto zero padding of ``x``. So each of the ``sx sy sz`` phases is a small valid
convolution on the low-resolution input, and the phases interleave into the output. Same numbers up to float
round-off; 2.6x fewer FLOPs for the fixed generator, 2.4x for the variable one.
"""

from __future__ import annotations

import itertools

import keras
import numpy as np
from keras import layers, ops


def _phase_plan(n: int, s: int, pad_left: int, length: int, k: int) -> list[dict]:
    """Per phase r along one axis: the merged-tap groups, the input window and where its outputs go."""
    plans = []
    n_out_blocks = -(-length // s)
    for r in range(s):
        taps = (r + k - 1) // s + 1
        groups = [[t for t in range(k) if (r + t) // s == m] for m in range(taps)]
        # outputs i = pad_left + r + s q, 0 <= i < length
        q_min = -((pad_left + r) // s)
        q_max = (length - 1 - pad_left - r) // s
        if q_max < q_min:
            continue
        v = (pad_left + r) % s  # output offset inside a block of s
        u_start = q_min + (pad_left + r - v) // s
        plans.append({"r": r, "groups": groups, "q_min": q_min, "q_max": q_max, "v": v, "u_start": u_start,
                      "n_blocks": n_out_blocks, "taps": taps, "pad_lo": max(0, -q_min),
                      "pad_hi": max(0, q_max + taps - n)})
    return plans


@keras.saving.register_keras_serializable(package="fastsim")
class PolyphaseConv3D(layers.Layer):
    """``UpSampling3D(size) -> ZeroPadding3D(padding) -> Conv3D(valid)`` computed on the low-resolution input.

    Args:
        size: up-sampling factors (sx, sy, sz).
        padding: ((left, right), ...) zero padding per axis after up-sampling.
        kernel: the Conv3D kernel (kx, ky, kz, Cin, Cout); bias: (Cout,) or None.
        input_spatial: (nx, ny, nz) of the low-resolution input.
    """

    def __init__(self, size, padding, kernel, bias, input_spatial, **kwargs):
        super().__init__(**kwargs)
        kernel = np.asarray(kernel, np.float32)
        self.size = tuple(int(s) for s in size)
        self.padding = tuple(tuple(int(p) for p in pair) for pair in padding)
        self.input_spatial = tuple(int(n) for n in input_spatial)
        k = kernel.shape[:3]
        self.out_spatial = tuple(s * n + pl + pr - kk + 1 for s, n, (pl, pr), kk in
                                 zip(self.size, self.input_spatial, self.padding, k, strict=True))
        self.plans = [_phase_plan(n, s, pl, length, kk) for n, s, (pl, _), length, kk in
                      zip(self.input_spatial, self.size, self.padding, self.out_spatial, k, strict=True)]
        self.phase_kernels = []
        for px, py, pz in itertools.product(*self.plans):
            merged = np.zeros((px["taps"], py["taps"], pz["taps"], *kernel.shape[3:]), np.float32)
            for (mx, gx), (my, gy), (mz, gz) in itertools.product(
                enumerate(px["groups"]), enumerate(py["groups"]), enumerate(pz["groups"])
            ):
                merged[mx, my, mz] = kernel[np.ix_(gx, gy, gz)].sum(axis=(0, 1, 2))
            self.phase_kernels.append(self.add_weight(shape=merged.shape, initializer="zeros", trainable=False,
                                                      name=f"phase_{px['r']}{py['r']}{pz['r']}"))
            self.phase_kernels[-1].assign(merged)
        self.bias = None
        if bias is not None:
            self.bias = self.add_weight(shape=(kernel.shape[-1],), initializer="zeros", trainable=False,
                                        name="bias")
            self.bias.assign(np.asarray(bias, np.float32))

    def call(self, x):
        blocks = {}
        for weight, (px, py, pz) in zip(self.phase_kernels, itertools.product(*self.plans), strict=True):
            pads = [(0, 0)] + [(p["pad_lo"], p["pad_hi"]) for p in (px, py, pz)] + [(0, 0)]
            xp = ops.pad(x, pads)
            starts = [p["q_min"] + p["pad_lo"] for p in (px, py, pz)]
            stops = [p["q_max"] + p["taps"] + p["pad_lo"] for p in (px, py, pz)]
            window = xp[:, starts[0]:stops[0], starts[1]:stops[1], starts[2]:stops[2], :]
            out = ops.conv(window, ops.cast(weight, x.dtype), padding="valid")
            place = [(p["u_start"], p["n_blocks"] - p["u_start"] - (p["q_max"] - p["q_min"] + 1))
                     for p in (px, py, pz)]
            blocks[(px["v"], py["v"], pz["v"])] = ops.pad(out, [(0, 0), *place, (0, 0)])
        sx, sy, sz = self.size
        zero = ops.zeros_like(next(iter(blocks.values())))
        grid = ops.stack([ops.stack([ops.stack([blocks.get((vx, vy, vz), zero) for vz in range(sz)], axis=4)
                                     for vy in range(sy)], axis=3) for vx in range(sx)], axis=2)
        _, ux, _, uy, _, uz, _, c = grid.shape
        out = ops.reshape(grid, (-1, ux * sx, uy * sy, uz * sz, c))
        lx, ly, lz = self.out_spatial
        out = out[:, :lx, :ly, :lz, :]
        if self.bias is not None:
            out = out + ops.cast(self.bias, out.dtype)
        return out

    def flops(self) -> int:
        """Multiply-adds x 2 per sample over all phases (plus the bias)."""
        total = 0
        for weight, phases in zip(self.phase_kernels, itertools.product(*self.plans), strict=True):
            positions = int(np.prod([p["q_max"] - p["q_min"] + 1 for p in phases]))
            total += 2 * positions * int(np.prod(weight.shape[:4])) * int(weight.shape[4])
        return total + (int(np.prod(self.out_spatial)) * int(self.bias.shape[0]) if self.bias is not None else 0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.out_spatial, self.phase_kernels[0].shape[-1])


def fast_generator(generator: keras.Model) -> keras.Model:
    """An inference copy of a sequential generator with every up-sample/pad/conv run replaced by
    ``PolyphaseConv3D``; the other layers are shared with ``generator`` (same weights)."""
    chain = [layer for layer in generator.layers if not isinstance(layer, keras.layers.InputLayer)]
    inputs = keras.Input(generator.input_shape[1:])
    x, i = inputs, 0
    while i < len(chain):
        layer = chain[i]
        if isinstance(layer, layers.UpSampling3D):
            pad = chain[i + 1] if isinstance(chain[i + 1], layers.ZeroPadding3D) else None
            conv = chain[i + 2] if pad is not None else chain[i + 1]
            if isinstance(conv, layers.Conv3D) and conv.padding == "valid" and tuple(conv.strides) == (1, 1, 1):
                padding = pad.padding if pad is not None else ((0, 0),) * 3
                x = PolyphaseConv3D(layer.size, padding, keras.ops.convert_to_numpy(conv.kernel),
                                    keras.ops.convert_to_numpy(conv.bias) if conv.use_bias else None,
                                    x.shape[1:4], name=f"polyphase_{conv.name}")(x)
                i += 3 if pad is not None else 2
                continue
        x = layer(x)
        i += 1
    return keras.Model(inputs, x, name=f"{generator.name}_fast")
