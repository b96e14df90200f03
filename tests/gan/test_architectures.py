"""The networks: reference shapes, heads, and the physics inside the discriminator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.gan.config import GANConfig
from tests.conftest import gaussian_showers

keras = pytest.importorskip("keras")

from fastsim_kernel.gan.architectures import (  # noqa: E402
    EcalSum,
    MeasuredAngle,
    build_discriminator,
    build_generator,
)


@pytest.mark.parametrize(
    ("kind", "latent", "grid", "heads"),
    [
        ("fixed", 200, (25, 25, 25), {"real", "energy", "ecal"}),
        ("variable", 256, (51, 51, 25), {"real", "energy", "ecal", "angle"}),
    ],
)
def test_shapes_follow_the_reference(kind, latent, grid, heads):
    config = GANConfig.for_kind(kind)
    generator, discriminator = build_generator(config), build_discriminator(config)
    assert generator.input_shape == (None, latent)
    assert generator.output_shape == (None, *grid, 1)
    assert discriminator.input_shape == (None, *grid, 1)
    assert set(discriminator.output) == heads
    assert all(tuple(t.shape) == (None, 1) for t in discriminator.output.values())
    cells = generator(np.ones((2, latent), np.float32))
    assert np.all(keras.ops.convert_to_numpy(cells) >= 0)  # ReLU output


def test_fixed_generator_layers_match_the_reference():
    generator = build_generator(GANConfig.fixed())
    convs = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv3D)]
    assert [c.filters for c in convs] == [64, 6, 6, 1]
    assert [tuple(c.kernel_size) for c in convs] == [(6, 6, 8), (6, 5, 8), (3, 3, 8), (2, 2, 2)]
    assert not convs[-1].use_bias
    assert generator.layers[1].units == 3136  # Dense(64 x 7 x 7)
    slopes = [layer.negative_slope for layer in generator.layers if isinstance(layer, keras.layers.LeakyReLU)]
    assert slopes == pytest.approx([0.3, 0.3, 0.3])


def test_ecal_head_undoes_the_power_transform():
    cells = np.random.default_rng(0).random((3, 25, 25, 25, 1)).astype(np.float32)
    summed = keras.ops.convert_to_numpy(EcalSum(0.85)(cells ** np.float32(0.85)))
    np.testing.assert_allclose(summed[:, 0], cells.sum(axis=(1, 2, 3, 4)), rtol=1e-4)


@pytest.mark.parametrize("degrees", [70.0, 90.0, 110.0])
def test_angle_head_measures_the_incident_angle(degrees):
    showers = gaussian_showers(4, (51, 51, 25), theta=math.radians(degrees), seed=1)
    image = (showers.cells[..., None] ** np.float32(0.85)).astype(np.float32)
    measured = keras.ops.convert_to_numpy(MeasuredAngle(0.85, 4.0 / 5.1)(image))[:, 0]
    np.testing.assert_allclose(measured, math.radians(degrees), atol=0.03)


def test_angle_head_flags_empty_showers():
    measured = keras.ops.convert_to_numpy(MeasuredAngle(0.85)(np.zeros((1, 51, 51, 25, 1), np.float32)))
    assert measured[0, 0] == 100.0


def test_config_round_trips_and_names_bad_values(tmp_path):
    config = GANConfig.variable(learning_rate=5e-4)
    config.save(tmp_path / "config.json")
    assert GANConfig.load(tmp_path / "config.json") == config
    assert config.grid == (51, 51, 25)
    with pytest.raises(FastsimError, match="model kind 'diagonal'"):
        GANConfig.for_kind("diagonal")
    with pytest.raises(FastsimError, match="label_flip must be in"):
        GANConfig.fixed(label_flip=0.7)


@pytest.mark.parametrize("kind", ["fixed", "variable"])
def test_polyphase_generator_is_exact_and_cheaper(kind):
    from fastsim_kernel.gan.fast import fast_generator
    from fastsim_kernel.gan.flops import model_flops

    config = GANConfig.for_kind(kind)
    generator = build_generator(config)
    fast = fast_generator(generator)
    latent = np.random.default_rng(0).standard_normal((3, config.latent_size)).astype(np.float32)
    reference = generator.predict_on_batch(latent)
    np.testing.assert_allclose(fast.predict_on_batch(latent), reference, atol=1e-5 * np.abs(reference).max())
    slow_flops, fast_flops = model_flops(generator)["total"], model_flops(fast)["total"]
    # fixed: 0.511 GFLOP counted by hand from the reference layers (docs/gan.md); variable: 6.1 GFLOP, an
    # independent earlier count from svalleco/3Dgan's AngleArch3dGAN.py
    assert slow_flops == pytest.approx({"fixed": 0.512e9, "variable": 6.135e9}[kind], rel=0.01)
    assert fast_flops < slow_flops / 2.3


def test_heads_stay_float32_under_mixed_precision():
    cells = np.random.default_rng(0).random((2, 25, 25, 25, 1)).astype(np.float32)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        discriminator = build_discriminator(GANConfig.fixed())
    finally:
        keras.mixed_precision.set_global_policy("float32")
    out = discriminator(cells, training=False)
    assert {keras.backend.standardize_dtype(t.dtype) for t in out.values()} == {"float32"}
    # a bfloat16 sum of 15625 cells is off by ~0.5%; float32 is exact to 1e-5
    expected = (cells.astype(np.float64) ** (1 / 0.85)).sum(axis=(1, 2, 3, 4))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out["ecal"])[:, 0], expected, rtol=1e-5)


def test_rmsprop_steps_like_the_reference_keras2():
    from fastsim_kernel.gan.model import GAN

    gan = GAN(GANConfig.fixed())
    gan.compile()
    # Keras 2.2 (the reference): v = 0.9 v + 0.1 g^2; p -= lr g / (sqrt(v) + 1e-7), with v = 0 at the start.
    # One epsilon inside Keras 3's sqrt matches it away from sqrt(v) ~ 1e-7 and is within sqrt(2) there;
    # Keras 3's default (1e-7 inside) takes a 300x smaller step at g = 1e-5.
    grads = np.array([1e-9, 1e-7, 1e-6, 1e-5, 1e-3, 1.0], np.float32)
    v = 0.1 * grads.astype(np.float64) ** 2
    expected = -1e-3 * grads / (np.sqrt(v) + 1e-7)
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        weights = keras.Variable(np.zeros(len(grads), np.float32))
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(grads), weights)])
        ratio = keras.ops.convert_to_numpy(weights) / expected
        np.testing.assert_allclose(ratio[[0, 4, 5]], 1.0, rtol=0.01)
        assert np.all((ratio > 0.99) & (ratio < 2**0.5))
