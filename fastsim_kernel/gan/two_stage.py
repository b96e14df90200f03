"""The two-stage model of the CPU recipe: layer energies from ``layer_model``, shapes from the 3DGAN generator.

Stage one (``layer_model.LayerEnergyModel``) draws the energy of each of the 25 layers given (E, theta).
Stage two is the reference fixed-angle generator (``architectures.build_generator``, unchanged) whose latent
holds ``[E/100, theta - pi/2, 3 sqrt(f_1..f_25), noise]`` (f: the layer fractions of stage one). Its output,
with the power transform undone, is normalised within each layer and multiplied by that layer's energy
(``assemble``), so the generator only decides WHERE in each layer the energy goes: the energy response and the
longitudinal profile come from stage one by construction.

Training stage two (``ShapeTrainer``) needs no discriminator: for a batch of real showers the generator makes
one fake per real shower with the real shower's conditions and layer energies, and the loss compares the two
sets through the observables the validation measures: per-layer barycentres and widths in x and y, per-layer
and total hit counts (soft threshold), whole-shower moments, and the batch-mean x and y profiles of every
layer. Three terms: conditional means (the batch mean of (fake - real features) x phi(E, theta) for the basis
phi = 1, theta, E, theta E, theta^2, zero for a model with the right conditional means), a kernel MMD on
(conditions, features) (the distributions around them), and the mean per-layer profiles. This costs the
generator's forward and backward pass only: about 1.5 GFLOP per shower and step instead of the reference's 19.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import ops

from fastsim_kernel.gan._gradients import value_and_grads
from fastsim_kernel.gan.architectures import build_generator
from fastsim_kernel.gan.config import GANConfig
from fastsim_kernel.physics import HIT_THRESHOLD_GEV
from fastsim_kernel.physics.observables import CELL_PITCH_MM, LAYER_PITCH_MM

#: layers below this fraction of the shower's energy do not enter the per-layer shape features
MIN_LAYER_FRACTION = 3e-3
#: added to every network cell (training units, where a trained layer sums to 1-1000) before normalising
CELL_FLOOR = 1e-5
#: width of the soft hit threshold, as a fraction of the threshold
_SOFT_WIDTH = 0.3


def latent(e_scaled, theta, fractions, noise):
    """Generator input: (B,) E/energy_scale, (B,) theta (rad), (B, Z) layer fractions, (B, latent) noise."""
    e = ops.reshape(ops.cast(e_scaled, "float32"), (-1, 1))
    t = ops.reshape(ops.cast(theta, "float32"), (-1, 1)) - math.pi / 2
    f = 3.0 * ops.sqrt(ops.maximum(ops.cast(fractions, "float32"), 0.0))
    n_cond = 2 + f.shape[1]
    return ops.concatenate([e, t, f, ops.cast(noise, "float32")[:, n_cond:]], axis=1)


def assemble(network_cells, layer_energy, power: float):
    """(B, X, Y, Z) generator output (training cells) and (B, Z) layer energies (GeV) -> cells in GeV.

    The power transform is undone, ``CELL_FLOOR`` is added to every cell (so a layer the network leaves empty
    still carries its energy, spread evenly, and the gradients stay finite), and each layer is normalised to
    one and scaled to its energy: the layer energies are exactly the ones given.
    """
    cells = ops.power(ops.maximum(ops.cast(network_cells, "float32"), 0.0), 1.0 / power) + CELL_FLOOR
    per_layer = ops.sum(cells, axis=(1, 2), keepdims=True)
    scale = ops.expand_dims(ops.expand_dims(ops.cast(layer_energy, "float32"), 1), 1)
    return cells * scale / per_layer


def shape_features(cells, layer_energy):
    """(B, X, Y, Z) GeV cells and their (B, Z) layer energies -> (B, F) features and (B, X, Z), (B, Y, Z)
    per-layer profiles normalised to one.

    Features: per layer the x and y barycentre and RMS width and the (soft) hit count / 10, set to 0 in layers
    below ``MIN_LAYER_FRACTION`` of the shower; the shower's x and y barycentre and width, its hit count / 100 and
    its measured angle in degrees.
    """
    nx, ny = cells.shape[1], cells.shape[2]
    total = ops.sum(layer_energy, axis=1, keepdims=True)
    use = ops.cast(layer_energy / ops.maximum(total, 1e-20) >= MIN_LAYER_FRACTION, "float32")  # (B, Z)
    safe_layer = ops.expand_dims(ops.maximum(ops.sum(cells, axis=(1, 2)), 1e-20), 1)  # (B, 1, Z)
    px = ops.sum(cells, axis=2) / safe_layer  # (B, X, Z)
    py = ops.sum(cells, axis=1) / safe_layer
    xs = ops.reshape(ops.arange(nx, dtype="float32"), (1, -1, 1))
    ys = ops.reshape(ops.arange(ny, dtype="float32"), (1, -1, 1))
    cx, cy = ops.sum(px * xs, axis=1), ops.sum(py * ys, axis=1)  # (B, Z)
    sx = ops.sqrt(ops.maximum(ops.sum(px * ops.square(xs - cx[:, None, :]), axis=1), 1e-6))
    sy = ops.sqrt(ops.maximum(ops.sum(py * ops.square(ys - cy[:, None, :]), axis=1), 1e-6))
    hits = ops.sum(ops.sigmoid((cells - HIT_THRESHOLD_GEV) / (_SOFT_WIDTH * HIT_THRESHOLD_GEV)), axis=(1, 2))
    per_layer = [v * use for v in (cx, cy, sx, sy, hits / 10.0)]
    whole_x = ops.sum(cells, axis=(2, 3)) / ops.maximum(total, 1e-20)  # (B, X)
    whole_y = ops.sum(cells, axis=(1, 3)) / ops.maximum(total, 1e-20)
    x1, y1 = xs[:, :, 0], ys[:, :, 0]
    mx, my = ops.sum(whole_x * x1, axis=1), ops.sum(whole_y * y1, axis=1)
    wx = ops.sqrt(ops.maximum(ops.sum(whole_x * ops.square(x1 - mx[:, None]), axis=1), 1e-6))
    wy = ops.sqrt(ops.maximum(ops.sum(whole_y * ops.square(y1 - my[:, None]), axis=1), 1e-6))
    whole = ops.stack([mx, my, wx, wy, ops.sum(hits, axis=1) / 100.0, measured_angle_deg(cy, layer_energy)], axis=1)
    return ops.concatenate([*per_layer, whole], axis=1), px, py


def measured_angle_deg(cy, layer_energy):
    """The measured angle in degrees from the (B, Z) layer y barycentres (cells): the straight-line fit of
    ``physics.measured_theta`` (weighted by layer energy, 5.1 mm cells, 4.0 mm layers), in keras.ops."""
    weight = ops.cast(layer_energy, "float32")
    z = ops.reshape(ops.arange(cy.shape[1], dtype="float32"), (1, -1)) * LAYER_PITCH_MM
    y = cy * CELL_PITCH_MM
    total = ops.maximum(ops.sum(weight, axis=1, keepdims=True), 1e-20)
    dz = z - ops.sum(weight * z, axis=1, keepdims=True) / total
    dy = y - ops.sum(weight * y, axis=1, keepdims=True) / total
    slope = ops.sum(weight * dz * dy, axis=1) / ops.maximum(ops.sum(weight * dz * dz, axis=1), 1e-20)
    return 90.0 - ops.arctan(slope) * (180.0 / math.pi)


def condition_basis(e_scaled, theta, xp):
    """(B,) E/100 and theta (rad) -> (B, 5) basis [1, t, e, t e, t^2], e and t scaled to about [-1, 1]."""
    e = (xp.cast(e_scaled, "float32") if xp is ops else np.asarray(e_scaled, np.float32)) * 2.0 - 1.0
    t = ((xp.cast(theta, "float32") if xp is ops else np.asarray(theta, np.float32)) - math.pi / 2) * 2.0
    return xp.stack([xp.ones_like(e), t, e, t * e, t * t], axis=1)


def _mmd(a, b):
    """Squared MMD between two (B, F) samples (``a`` real), Gaussian kernels whose squared widths are 1/4, 1
    and 4 times the mean squared distance between the real samples."""
    both = ops.concatenate([a, b], axis=0)
    sq = ops.sum(ops.square(both), axis=1)
    d2 = ops.maximum(sq[:, None] + sq[None, :] - 2.0 * ops.matmul(both, ops.transpose(both)), 0.0)
    n = ops.shape(a)[0]  # dynamic: the batch dimension is None when traced
    h2 = ops.stop_gradient(ops.mean(d2[:n, :n]) + 1e-6)
    kernel = sum(ops.exp(-d2 / (f * h2)) for f in (0.25, 1.0, 4.0))
    k_aa, k_bb, k_ab = kernel[:n, :n], kernel[n:, n:], kernel[:n, n:]
    return ops.mean(k_aa) + ops.mean(k_bb) - 2.0 * ops.mean(k_ab)


class ShapeTrainer(keras.Model):
    """Stage two's training: the generator and its optimiser (Adam), with the loss of the module doc.

    Args:
        config: a ``two_stage`` config.
        feature_scale: (F,) standard deviations of the real features (``shape_features``), which put all
            features on one scale.
        seed: seeds the noise.
        weights: (mean, MMD, profile) loss weights.
    """

    def __init__(self, config: GANConfig, feature_scale: np.ndarray, *, seed: int = 0,
                 weights: tuple[float, float, float] = (20.0, 10.0, 5.0), **kwargs) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.generator = build_generator(config)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.feature_scale = np.maximum(np.asarray(feature_scale, np.float32), 1e-3)
        self.loss_weights_ = tuple(float(w) for w in weights)
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss", "mean", "mmd", "profile")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def training_optimizers(self) -> tuple:
        return (self.g_optimizer,)

    def compile(self, *, g_optimizer=None, jit_compile="auto", **kwargs):
        super().compile(jit_compile=jit_compile, **kwargs)
        self.g_optimizer = g_optimizer or keras.optimizers.Adam(self.config.learning_rate, clipnorm=1.0,
                                                                name="g_adam")

    def build_optimizers(self) -> None:
        self.g_optimizer.build(self.generator.trainable_variables)

    def losses_for(self, real, layer_energy, e_scaled, theta, fake):
        """The three loss terms for real and fake (B, X, Y, Z) GeV cells with the same conditions."""
        scale = ops.convert_to_tensor(self.feature_scale)
        f_real, px_real, py_real = shape_features(real, layer_energy)
        f_fake, px_fake, py_fake = shape_features(fake, layer_energy)
        f_real, f_fake = f_real / scale, f_fake / scale
        basis = condition_basis(e_scaled, theta, ops)
        # conditional means: E[(f_fake - f_real) phi(c)] = 0 for every feature and basis function phi
        moments = ops.mean(ops.expand_dims(f_fake - f_real, 2) * ops.expand_dims(basis, 1), axis=0)  # (F, 5)
        # the measured angle (the last feature) weighs as much as all the others together: it is one target
        mean_term = ops.mean(ops.abs(moments)) + ops.mean(ops.abs(moments[-1]))
        cond = basis[:, 1:3] * 3.0
        mmd = _mmd(ops.concatenate([cond, f_real], axis=1), ops.concatenate([cond, f_fake], axis=1))
        weight = ops.mean(layer_energy / ops.sum(layer_energy, axis=1, keepdims=True), axis=0)  # (Z,)
        profile = 0.0
        for fake_p, real_p in ((px_fake, px_real), (py_fake, py_real)):  # (B, X or Y, Z) each
            gap = ops.abs(ops.sqrt(ops.mean(fake_p, axis=0) + 1e-8) - ops.sqrt(ops.mean(real_p, axis=0) + 1e-8))
            profile += ops.sum(ops.sum(gap, axis=0) * weight)
        return mean_term, mmd, profile

    def train_step(self, data):
        (cells, e_scaled, theta, _measured), _, _ = keras.utils.unpack_x_y_sample_weight(data)
        cfg = self.config
        real = ops.power(ops.maximum(ops.cast(cells, "float32"), 0.0), 1.0 / cfg.cell_power) / cfg.cell_scale
        layer_energy = ops.sum(real, axis=(1, 2))
        fractions = layer_energy / ops.maximum(ops.sum(layer_energy, axis=1, keepdims=True), 1e-20)
        noise = keras.random.normal((ops.shape(real)[0], cfg.latent_size), seed=self.seed_generator)
        z = latent(e_scaled, theta, fractions, noise)
        w_mean, w_mmd, w_profile = self.loss_weights_

        def loss_fn():
            out = ops.squeeze(self.generator(z, training=True), -1)
            fake = assemble(out, layer_energy, cfg.cell_power)
            mean_term, mmd, profile = self.losses_for(real, layer_energy, e_scaled, theta, fake)
            loss = w_mean * mean_term + w_mmd * mmd + w_profile * profile
            return loss, {"mean": mean_term, "mmd": mmd, "profile": profile}

        variables = self.generator.trainable_variables
        (loss, parts), grads = value_and_grads(loss_fn, variables)
        self.g_optimizer.apply_gradients(zip(grads, variables, strict=True))
        self.trackers["loss"].update_state(loss)
        for name, value in parts.items():
            self.trackers[name].update_state(value)
        return {name: t.result() for name, t in self.trackers.items()}


def feature_scale(cells_gev: np.ndarray, e_scaled: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """(F,) spread of each feature over real showers (B, X, Y, Z) in GeV AROUND its conditional mean (the
    residual of a least-squares fit on ``condition_basis``), so that a feature that moves with the angle (a
    layer's y centre) is weighted by its shower-to-shower fluctuation, not by its range over angles."""
    layer_energy = cells_gev.sum(axis=(1, 2))
    features = ops.convert_to_numpy(shape_features(ops.convert_to_tensor(cells_gev, "float32"),
                                                   ops.convert_to_tensor(layer_energy, "float32"))[0])
    basis = condition_basis(e_scaled, theta, np)
    scale = np.ones(features.shape[1], np.float32)
    for k in range(features.shape[1]):
        used = features[:, k] != 0  # layers below MIN_LAYER_FRACTION are set to 0
        if used.sum() > 2 * basis.shape[1]:
            coef = np.linalg.lstsq(basis[used], features[used, k], rcond=None)[0]
            scale[k] = np.std(features[used, k] - basis[used] @ coef)
    return scale
