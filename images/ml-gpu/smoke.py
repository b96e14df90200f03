"""Build-time smoke check of the ml-gpu image: TensorFlow is the CUDA build, with the CUDA wheels of its build.

No GPU is attached while an image builds, so this lists the devices (CPU only here) and checks that the
CUDA build is installed with the CUDA runtime and cuDNN it was built against (images/cuda-constraints.txt);
the GPU itself is checked on a GPU node with `fastsim doctor`.
"""

import importlib.metadata

import keras
import numpy as np
import tensorflow as tf

print("TensorFlow", tf.__version__, "Keras", keras.__version__)
print("devices:", [device.name for device in tf.config.list_physical_devices()])
assert tf.test.is_built_with_cuda(), "expected the CUDA build of TensorFlow"
build = tf.sysconfig.get_build_info()
print("build:", {k: v for k, v in build.items() if "version" in k})
cudart = importlib.metadata.version("nvidia-cuda-runtime-cu12")
cudnn = importlib.metadata.version("nvidia-cudnn-cu12")
assert cudart.split(".")[:2] == build["cuda_version"].split(".")[:2], (cudart, build["cuda_version"])
assert cudnn.split(".")[0] == build["cudnn_version"].split(".")[0], (cudnn, build["cudnn_version"])
x = np.ones((8, 4), dtype="float32")
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
assert model(x).shape == (8, 1)
