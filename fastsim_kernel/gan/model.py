"""The 3DGAN as one ``keras.Model``: a train step in the style of the keras-io GAN guide.

Per batch of real showers (training cells, E/100, theta), as in the reference training loops:

1. the discriminator trains on the real batch (labels 1, 5% flipped);
2. it trains on a fake batch generated with the SAME conditions (labels 0, 5% flipped);
3. the generator trains twice, through the discriminator (whose weights are left alone), towards label 1.

Loss of one discriminator pass: ``w0 BCE(real) + w1 MAPE(E/100) + w2 MAPE(sum E) [+ w3 MAE(angle)]``, with the
weights from ``GANConfig.loss_weights``. A fake shower's sum-E and angle targets are those MEASURED on the real
shower whose conditions it shares (its own sum, as the variable-angle reference does, so the target follows
Geant4's sampling fraction at every energy; and ``physics.measured_theta``, which Geant4 pulls towards 90 deg).

RMSprop as the reference's Keras 2 (``p -= lr g / (sqrt(v) + 1e-7)``): Keras 3 divides by ``sqrt(v + eps)``,
so ``eps = 1e-14`` gives the same denominator at v = 0 and for every v >> 1e-14 (``KERAS2_RMSPROP_EPSILON``).
"""

from __future__ import annotations

import keras
from keras import ops

from fastsim_kernel.gan._gradients import value_and_grads
from fastsim_kernel.gan.architectures import build_discriminator, build_generator
from fastsim_kernel.gan.config import GANConfig

_EPS = 1e-7
#: Keras 3 RMSprop epsilon that reproduces Keras 2's ``sqrt(v) + 1e-7`` (K.epsilon()) denominator
KERAS2_RMSPROP_EPSILON = 1e-14


def bce(labels, probs):
    """Binary cross-entropy, mean over the batch; labels and probs (B, 1)."""
    probs = ops.clip(probs, _EPS, 1.0 - _EPS)
    return -ops.mean(labels * ops.log(probs) + (1.0 - labels) * ops.log(1.0 - probs))


def mape(target, pred):
    """Mean absolute percentage error (in %, as Keras' MAPE); (B, 1) each."""
    return 100.0 * ops.mean(ops.abs(target - pred) / ops.maximum(ops.abs(target), _EPS))


def mae(target, pred):
    """Mean absolute error; (B, 1) each."""
    return ops.mean(ops.abs(target - pred))


class GAN(keras.Model):
    """Generator + discriminator of one 3DGAN, trained with ``fit`` on batches ``(cells, e, theta)``.

    ``cells`` (B, X, Y, Z) are training cells ``(GeV x cell_scale) ** cell_power``; ``e`` (B,) is E/100;
    ``theta`` (B,) radians. ``call(e, theta, noise)`` runs the generator alone.
    """

    def __init__(self, config: GANConfig, *, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.config = config
        self.generator = build_generator(config)
        self.discriminator = build_discriminator(config)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def compile(self, *, d_optimizer=None, g_optimizer=None, jit_compile="auto", **kwargs):
        """Attach the two optimisers (RMSprop at ``config.learning_rate`` by default)."""
        super().compile(jit_compile=jit_compile, **kwargs)
        lr = self.config.learning_rate
        eps = KERAS2_RMSPROP_EPSILON
        self.d_optimizer = d_optimizer or keras.optimizers.RMSprop(lr, epsilon=eps, name="d_rmsprop")
        self.g_optimizer = g_optimizer or keras.optimizers.RMSprop(lr, epsilon=eps, name="g_rmsprop")

    @property
    def training_optimizers(self) -> tuple:
        return (self.d_optimizer, self.g_optimizer)

    def build_optimizers(self) -> None:
        """Create the optimiser slots now (needed before restoring a checkpoint)."""
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer.build(self.generator.trainable_variables)

    def latent(self, e, theta, noise):
        """Generator input from conditions: e, theta (B,) and noise (B, latent_size) -> (B, latent_size)."""
        e = ops.reshape(ops.cast(e, noise.dtype), (-1, 1))
        if self.config.kind == "fixed":
            return noise * e
        theta = ops.reshape(ops.cast(theta, noise.dtype), (-1, 1))
        return ops.concatenate([e, theta, noise[:, 2:]], axis=1)

    def call(self, inputs, training=False):
        e, theta, noise = inputs
        return ops.squeeze(self.generator(self.latent(e, theta, noise), training=training), -1)

    def _fake(self, e, theta, training=True):
        batch = ops.shape(e)[0]
        noise = keras.random.normal((batch, self.config.latent_size), seed=self.seed_generator)
        return self.generator(self.latent(e, theta, noise), training=training)

    def _flip(self, labels):
        u = keras.random.uniform(ops.shape(labels), seed=self.seed_generator)
        return ops.where(u < self.config.label_flip, 1.0 - labels, labels)

    def _d_loss(self, image, labels, targets):
        """Weighted discriminator loss of one pass; returns (loss, real-probability mean)."""
        out = self.discriminator(image, training=True)
        w = self.config.loss_weights
        probs = ops.cast(out["real"], "float32")
        loss = w[0] * bce(labels, probs)
        loss += w[1] * mape(targets["energy"], ops.cast(out["energy"], "float32"))
        loss += w[2] * mape(targets["ecal"], ops.cast(out["ecal"], "float32"))
        if self.config.kind == "variable":
            loss += w[3] * mae(targets["angle"], ops.cast(out["angle"], "float32"))
        return loss, ops.mean(probs)

    def targets(self, cells, e, measured) -> dict:
        """Head targets of a real batch, which its fakes (same conditions) share: E/100, each shower's own sum
        of cells (training units, power undone: GeV x cell_scale) and its measured angle; (B, 1) each.

        ``cells`` (B, X, Y, Z, 1) training cells, ``e`` (B,) E/100, ``measured`` (B,) radians.
        """
        ecal = ops.sum(ops.power(ops.maximum(cells, 0.0), 1.0 / self.config.cell_power), axis=(1, 2, 3, 4))
        return {"energy": ops.reshape(e, (-1, 1)), "ecal": ops.reshape(ecal, (-1, 1)),
                "angle": ops.reshape(ops.cast(measured, "float32"), (-1, 1))}

    def _step(self, optimizer, variables, loss_fn):
        (loss, aux), grads = value_and_grads(loss_fn, variables)
        optimizer.apply_gradients(zip(grads, variables, strict=True))
        return loss, aux

    def train_step(self, data):
        (cells, e, theta, measured), _, _ = keras.utils.unpack_x_y_sample_weight(data)
        cells = ops.expand_dims(ops.cast(cells, "float32"), -1)
        e = ops.cast(e, "float32")
        theta = ops.cast(theta, "float32")
        batch = ops.shape(e)[0]
        ones = ops.ones((batch, 1))
        zeros = ops.zeros((batch, 1))
        targets = self.targets(cells, e, measured)
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables

        real_labels = self._flip(ones)
        d_real_loss, d_real = self._step(
            self.d_optimizer, d_vars, lambda: self._d_loss(cells, real_labels, targets)
        )
        fake = ops.stop_gradient(self._fake(e, theta))
        fake_labels = self._flip(zeros)
        d_fake_loss, d_fake = self._step(
            self.d_optimizer, d_vars, lambda: self._d_loss(fake, fake_labels, targets)
        )
        g_losses = []
        for _ in range(2):
            loss, _ = self._step(
                self.g_optimizer, g_vars, lambda: self._d_loss(self._fake(e, theta), ones, targets)
            )
            g_losses.append(loss)

        self.d_loss_tracker.update_state(0.5 * (d_real_loss + d_fake_loss))
        self.g_loss_tracker.update_state(0.5 * (g_losses[0] + g_losses[1]))
        self.d_real_tracker.update_state(d_real)
        self.d_fake_tracker.update_state(d_fake)
        return {m.name: m.result() for m in self.metrics}
