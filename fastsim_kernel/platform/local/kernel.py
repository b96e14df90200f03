"""The "fastsim" Jupyter kernel: ipykernel, without TensorFlow's native start-up lines in the notebooks
(``fastsim_kernel._quiet_tf``: they would show as red stderr output; real warnings and errors still show).

Run as ``python -m fastsim_kernel.platform.local.kernel -f CONNECTION_FILE`` (the kernel spec does).
"""

from __future__ import annotations

from fastsim_kernel._quiet_tf import quiet_tensorflow_import


def main() -> None:
    quiet_tensorflow_import()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
