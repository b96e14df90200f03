"""Build-time smoke check of the ml-gpu image: TensorFlow is the CUDA build and finds its CUDA libraries.

No GPU is attached while an image builds, so this lists the devices (CPU only here) and checks that the
CUDA build is installed; the GPU itself is checked on a GPU node with `fastsim doctor`.
"""

import keras
import numpy as np
import tensorflow as tf

print("TensorFlow", tf.__version__, "Keras", keras.__version__)
print("devices:", [device.name for device in tf.config.list_physical_devices()])
assert tf.test.is_built_with_cuda(), "expected the CUDA build of TensorFlow"
print("build:", {k: v for k, v in tf.sysconfig.get_build_info().items() if "version" in k})
x = np.ones((8, 4), dtype="float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
assert model(x).shape == (8, 1)
