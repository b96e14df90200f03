"""Build-time smoke check of the ml-cpu image: TensorFlow lists its devices and trains a tiny model."""

import keras
import numpy as np
import tensorflow as tf

print("TensorFlow", tf.__version__, "Keras", keras.__version__)
print("devices:", [device.name for device in tf.config.list_physical_devices()])
x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
history = model.fit(x, x.sum(axis=1), epochs=2, verbose=0)
assert np.isfinite(history.history["loss"][-1])
