"""Builder functions for the 3DGAN generator and discriminator (Keras 3, backend-neutral).

Faithful to the public reference (svalleco/3Dgan ``keras/EcalEnergyGan.py`` for the fixed angle,
``keras/AngleArch3dGAN.py`` for the variable angle), channels-last. Shapes, with B the batch:

* fixed generator: (B, latent) -> (B, 25, 25, 25, 1); the caller multiplies the latent by E/100;
* variable generator: (B, latent) -> (B, 51, 51, 25, 1); the latent is [E/100, theta, noise...];
* discriminators: (B, X, Y, Z, 1) training cells -> dict of heads ``real`` (B, 1) sigmoid,
  ``energy`` (B, 1) linear (E/100), ``ecal`` (B, 1) sum of the cells with the power transform undone, and for
  the variable model ``angle`` (B, 1) the angle measured from the shower (radians).

Only ``keras.layers`` and ``keras.ops`` are used, so the networks run on any Keras backend.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.config import GANConfig


def _conv(filters, kernel, *, padding="valid", init="he_uniform", use_bias=True, name=None):
    return layers.Conv3D(
        filters, kernel, padding=padding, kernel_initializer=init, use_bias=use_bias, name=name
    )


def build_generator(config: GANConfig) -> keras.Model:
    """The generator for ``config.kind``: (B, latent_size) -> (B, X, Y, Z, 1) training cells (>= 0).

    The two-stage model uses the fixed-angle network unchanged (only its latent holds other conditions).
    """
    builder = _variable_generator if config.kind == "variable" else _fixed_generator
    return builder(config)


def build_discriminator(config: GANConfig) -> keras.Model:
    """The discriminator for ``config.kind``: (B, X, Y, Z, 1) -> dict of heads (see the module doc).

    The heads are float32 layers: under a mixed (bfloat16) policy the networks compute in bfloat16 but the
    heads and the losses built on them keep float32 precision (a sum over 15k cells in bfloat16 is off by
    about 1%, the size of the energy-resolution effects the sum-E head must see).
    """
    if config.kind == "two_stage":
        msg = "the two-stage model trains without a discriminator (gan/two_stage.py)"
        raise FastsimError(msg)
    builder = _fixed_discriminator if config.kind == "fixed" else _variable_discriminator
    return builder(config)


def _fixed_generator(config: GANConfig) -> keras.Model:
    slope, eps = config.leaky_slope, config.bn_epsilon
    latent = keras.Input((config.latent_size,), name="latent")
    x = layers.Dense(7 * 7 * 8 * 8)(latent)
    x = layers.Reshape((7, 7, 8, 8))(x)
    x = _conv(64, (6, 6, 8), padding="same")(x)  # (7, 7, 8, 64)
    x = layers.LeakyReLU(slope)(x)
    x = layers.BatchNormalization(epsilon=eps)(x)
    x = layers.UpSampling3D((2, 2, 2))(x)  # (14, 14, 16, 64)
    x = layers.ZeroPadding3D((2, 2, 0))(x)
    x = _conv(6, (6, 5, 8))(x)  # (13, 14, 9, 6)
    x = layers.LeakyReLU(slope)(x)
    x = layers.BatchNormalization(epsilon=eps)(x)
    x = layers.UpSampling3D((2, 2, 3))(x)  # (26, 28, 27, 6)
    x = layers.ZeroPadding3D((1, 0, 3))(x)
    x = _conv(6, (3, 3, 8))(x)  # (26, 26, 26, 6)
    x = layers.LeakyReLU(slope)(x)
    x = _conv(1, (2, 2, 2), init="glorot_normal", use_bias=False)(x)  # (25, 25, 25, 1)
    cells = layers.ReLU(name="cells")(x)
    return keras.Model(latent, cells, name="generator_fixed")


def _variable_generator(config: GANConfig) -> keras.Model:
    eps = config.bn_epsilon
    latent = keras.Input((config.latent_size,), name="latent")
    x = layers.Dense(9 * 9 * 8 * 8)(latent)
    x = layers.Reshape((9, 9, 8, 8))(x)
    x = layers.UpSampling3D((6, 6, 6))(x)  # (54, 54, 48, 8)
    x = _conv(8, (6, 6, 8))(x)  # (49, 49, 41, 8)
    x = layers.ReLU()(x)
    x = layers.BatchNormalization(epsilon=eps)(x)
    for _ in range(3):  # (50, 50, 38) -> (51, 51, 35) -> (52, 52, 32)
        x = layers.ZeroPadding3D((2, 2, 1))(x)
        x = _conv(6, (4, 4, 6))(x)
        x = layers.ReLU()(x)
        x = layers.BatchNormalization(epsilon=eps)(x)
    x = layers.ZeroPadding3D((1, 1, 0))(x)
    x = _conv(6, (3, 3, 5))(x)  # (52, 52, 28, 6)
    x = layers.ReLU()(x)
    x = layers.BatchNormalization(epsilon=eps)(x)
    x = layers.ZeroPadding3D((1, 1, 0))(x)
    x = _conv(6, (3, 3, 3))(x)  # (52, 52, 26, 6)
    x = layers.ReLU()(x)
    x = _conv(1, (2, 2, 2), init="glorot_normal")(x)  # (51, 51, 25, 1)
    cells = layers.ReLU(name="cells")(x)
    return keras.Model(latent, cells, name="generator_variable")


def _disc_init(config: GANConfig) -> str:
    """Kernel initialiser of the discriminator: Keras' default for fixed, VarianceScaling for variable."""
    return "glorot_uniform" if config.kind == "fixed" else "variance_scaling"


def _disc_block(x, filters, kernel, *, pad, config: GANConfig):
    if pad is not None:
        x = layers.ZeroPadding3D(pad)(x)
    x = _conv(filters, kernel, init=_disc_init(config))(x)
    x = layers.LeakyReLU(config.leaky_slope)(x)
    x = layers.BatchNormalization(epsilon=config.bn_epsilon)(x)
    return layers.Dropout(config.dropout)(x)


def _fixed_discriminator(config: GANConfig) -> keras.Model:
    image = keras.Input((*config.grid, 1), name="cells")
    x = _conv(32, (5, 5, 5), padding="same", init="glorot_uniform")(image)
    x = layers.LeakyReLU(config.leaky_slope)(x)
    x = layers.Dropout(config.dropout)(x)
    x = _disc_block(x, 8, (5, 5, 5), pad=(2, 2, 2), config=config)  # (25, 25, 25, 8)
    x = _disc_block(x, 8, (5, 5, 5), pad=(2, 2, 2), config=config)  # (25, 25, 25, 8)
    x = _disc_block(x, 8, (5, 5, 5), pad=(1, 1, 1), config=config)  # (23, 23, 23, 8)
    x = layers.AveragePooling3D((2, 2, 2))(x)  # (11, 11, 11, 8)
    features = layers.Flatten()(x)
    return _with_heads(image, features, config)


def _variable_discriminator(config: GANConfig) -> keras.Model:
    image = keras.Input((*config.grid, 1), name="cells")
    x = _conv(16, (5, 6, 6), padding="same", init=_disc_init(config))(image)
    x = layers.LeakyReLU(config.leaky_slope)(x)
    x = layers.Dropout(config.dropout)(x)
    x = _disc_block(x, 8, (5, 6, 6), pad=(0, 0, 1), config=config)  # (47, 46, 22, 8)
    x = _disc_block(x, 8, (5, 6, 6), pad=(0, 0, 1), config=config)  # (43, 41, 19, 8)
    x = _disc_block(x, 8, (5, 6, 6), pad=None, config=config)  # (39, 36, 14, 8)
    x = layers.AveragePooling3D((2, 2, 2))(x)  # (19, 18, 7, 8)
    features = layers.Flatten()(x)
    return _with_heads(image, features, config)


def _with_heads(image, features, config: GANConfig) -> keras.Model:
    heads = {
        "real": layers.Dense(1, activation="sigmoid", name="real", dtype="float32")(features),
        "energy": layers.Dense(1, name="energy", dtype="float32")(features),
        "ecal": EcalSum(config.cell_power, name="ecal", dtype="float32")(image),
    }
    if config.kind == "variable":
        heads["angle"] = MeasuredAngle(config.cell_power, config.depth_ratio, name="angle", dtype="float32")(image)
    return keras.Model(image, heads, name=f"discriminator_{config.kind}")


@keras.saving.register_keras_serializable(package="fastsim")
class EcalSum(layers.Layer):
    """Sum of cell energies with the power transform undone: (B, X, Y, Z, 1) -> (B, 1)."""

    def __init__(self, power: float, **kwargs):
        super().__init__(**kwargs)
        self.power = float(power)

    def call(self, image):
        cells = ops.power(ops.maximum(image, 0.0), 1.0 / self.power)
        return ops.sum(cells, axis=(1, 2, 3))

    def get_config(self):
        return {**super().get_config(), "power": self.power}


@keras.saving.register_keras_serializable(package="fastsim")
class MeasuredAngle(layers.Layer):
    """Polar angle measured from the shower, radians: (B, X, Y, Z, 1) -> (B, 1).

    Undoes the power transform, takes the shower barycentre and the per-layer (x, y) barycentres, and
    averages ``pi/2 - atan(slope)`` of each layer's offset in the y-z plane, weighted by the layer depth.
    ``depth_ratio`` (layer pitch / cell pitch) converts index offsets into physical slopes.
    Layers without energy are skipped; an empty shower gives 100 (as the reference), so its loss is large.
    """

    def __init__(self, power: float, depth_ratio: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.power = float(power)
        self.depth_ratio = float(depth_ratio)

    def call(self, image):
        cells = ops.power(ops.maximum(ops.squeeze(image, -1), 0.0), 1.0 / self.power)
        nx, ny, nz = cells.shape[1:]
        dtype = cells.dtype
        xs = ops.cast(ops.arange(nx), dtype) + 0.5
        ys = ops.cast(ops.arange(ny), dtype) + 0.5
        zs = ops.cast(ops.arange(nz), dtype) + 0.5
        total = ops.sum(cells, axis=(1, 2, 3))  # (B,)
        safe_total = ops.where(total > 0, total, 1.0)
        x_ref = ops.sum(ops.sum(cells, axis=(2, 3)) * xs, axis=1) / safe_total
        y_ref = ops.sum(ops.sum(cells, axis=(1, 3)) * ys, axis=1) / safe_total
        z_ref = ops.sum(ops.sum(cells, axis=(1, 2)) * zs, axis=1) / safe_total
        layer_sum = ops.sum(cells, axis=(1, 2))  # (B, Z)
        safe_layer = ops.where(layer_sum > 0, layer_sum, 1.0)
        x_mid = ops.sum(ops.sum(cells, axis=2) * xs[None, :, None], axis=1) / safe_layer  # (B, Z)
        y_mid = ops.sum(ops.sum(cells, axis=1) * ys[None, :, None], axis=1) / safe_layer
        dz = (zs[None, :] - z_ref[:, None]) * self.depth_ratio
        dx = x_mid - x_ref[:, None]
        reach = ops.sqrt(ops.maximum(dx * dx + dz * dz, 1e-7))
        slope = ops.where(dz < 0, -1.0, 1.0) * (y_mid - y_ref[:, None]) / reach
        angle = math.pi / 2 - ops.arctan(slope)
        weight = ops.where(layer_sum > 0, 1.0, 0.0) * zs[None, :]
        mean = ops.sum(angle * weight, axis=1) / ops.maximum(ops.sum(weight, axis=1), 1e-7)
        return ops.expand_dims(ops.where(total > 0, mean, 100.0), -1)

    def get_config(self):
        return {**super().get_config(), "power": self.power, "depth_ratio": self.depth_ratio}
