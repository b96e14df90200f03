"""Worker processes that each hold one Geant4 application, and the progress bar of a run."""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from fastsim_kernel.errors import FastsimError
from fastsim_kernel.g4 import build, datasets, worker
from fastsim_kernel.g4.plan import Plan


class WorkerPool:
    """Worker processes, each holding one Geant4 application for the whole pool's life.

    All workers start (and build Geant4) when the pool is created. Use as a context manager: on any
    exception (Ctrl-C included) the workers are killed at once; the chunks they had finished are already
    on disk when writing to a file.
    """

    def __init__(self, plan: Plan, workers: int) -> None:
        library = str(build.datafree_library()) if plan.physics == "datafree" else None
        self.log_dir = tempfile.mkdtemp(prefix="fastsim-g4-")
        theta_max = max(plan.gun.theta_deg, key=lambda t: abs(90.0 - t))
        spec = worker.WorkerSpec(
            geometry=plan.geometry,
            particle=plan.gun.particle,
            physics=plan.physics,
            theta_max_deg=theta_max,
            environment=datasets.worker_environment(plan.physics),
            library=library,
            log_dir=self.log_dir,
        )
        self.workers = workers
        self.executor = cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=worker.initialize, initargs=(spec,),
        )  # fmt: skip
        try:
            with _main_module_hidden(), _single_threaded_math():
                self.geant4_version = self._results([self.executor.submit(worker.geant4_version)
                                                     for _ in range(workers)])[0]  # fmt: skip
        except BaseException:
            self.terminate()
            shutil.rmtree(self.log_dir, ignore_errors=True)
            raise

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.executor.shutdown(wait=True)
        else:
            self.terminate()
        shutil.rmtree(self.log_dir, ignore_errors=True)

    def terminate(self) -> None:
        processes = list(getattr(self.executor, "_processes", {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()
        for process in processes:
            process.join(timeout=5)

    def run(self, tasks, on_done=None) -> dict[int, tuple[int, np.ndarray | None, float]]:
        """Run chunk tasks; call ``on_done(n_showers)`` as each finishes.

        Returns {chunk index: (showers, cells (n, X, Y, Z) or None when written to a file, worker CPU seconds)}.
        """
        futures = [self.executor.submit(worker.run_chunk, task) for task in tasks]
        results = {}
        try:
            for future in cf.as_completed(futures):
                index, count, cells, cpu = future.result()
                results[index] = (count, cells, cpu)
                if on_done is not None:
                    on_done(count)
        except cf.process.BrokenProcessPool:
            raise FastsimError(self._crash_message()) from None
        return results

    def _results(self, futures) -> list:
        try:
            return [future.result() for future in futures]
        except cf.process.BrokenProcessPool:
            raise FastsimError(self._crash_message()) from None

    def _crash_message(self) -> str:
        """What a dead worker logged last: its last G4Exception, else its last line."""
        detail = "no output"
        for log in sorted(Path(self.log_dir).glob("worker-*.log")):
            lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
            issued = [i for i, line in enumerate(lines) if "G4Exception :" in line]
            if issued:
                detail = _describe_g4exception(lines[issued[-1] :])
                break
            if lines:
                detail = lines[-1]
        return f"a Geant4 worker process died: {detail}"


def _describe_g4exception(lines: list[str]) -> str:
    """'*** G4Exception : CODE', 'issued by : WHERE', message lines, '*** Fatal ...' -> one line."""
    code = lines[0].split(":", 1)[1].strip()
    where = lines[1].split(":", 1)[1].strip() if len(lines) > 1 and "issued by" in lines[1] else "?"
    message = []
    for line in lines[2:]:
        if line.startswith(("***", "----")):
            break
        message.append(line)
    return f"G4Exception {code} in {where}: {' '.join(message)}"


@contextlib.contextmanager
def _main_module_hidden():
    """Start workers without re-running the caller's script in them.

    "spawn" children normally re-import ``__main__`` from its file, which runs an unguarded script a second
    time; the workers only need fastsim_kernel, so the main module's file and spec are hidden while they
    start (all of them start inside this block: the pool spawns one per submitted warm-up task).
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {key: main.__dict__[key] for key in ("__file__", "__spec__") if key in main.__dict__}
    main.__dict__.pop("__file__", None)
    main.__dict__["__spec__"] = None
    try:
        yield
    finally:
        main.__dict__.pop("__spec__", None)
        main.__dict__.update(saved)


#: Thread pools of numerical libraries: one thread per worker process (the workers already use every core).
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _single_threaded_math():
    """Start workers with one BLAS/OpenMP thread each (the caller's own settings are kept and restored)."""
    added = [name for name in _THREAD_VARIABLES if name not in os.environ]
    os.environ.update(dict.fromkeys(added, "1"))
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def progress_bar(total: int, *, initial: int = 0, enabled: bool = True):
    from tqdm.auto import tqdm

    return tqdm(
        total=total, initial=initial, unit=" showers", disable=not enabled, dynamic_ncols=True,
        desc="geant4", smoothing=0.1,
    )  # fmt: skip
