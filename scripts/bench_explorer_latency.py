"""Benchmark: slider release to new figure in the shower explorer, in a real browser. Prints the figures.

    .venv/bin/python scripts/bench_explorer_latency.py [--moves 10] [--showers 10] [--json out.json] [--screenshot DIR]

For each model (the shipped model, and a 51x51x25 variable-angle model with the builder's initial weights:
the same network, so the same cost), JupyterLab runs a notebook with the explorer, Chromium drags the energy
slider's handle ``--moves`` times (each to a new energy, so nothing comes from the cache) and the page records,
for each move, the time from the mouse release to the change of the figure's ``src``. The kernel's own
generation and drawing times (the explorer's status line) are printed beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests.helpers

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tests.helpers import chromium, jupyterlab, kernel_path

TOKEN = "explorer-latency"
MODELS = {
    "shipped": "generator = load_generator()",
    "variable": """
import keras
from fastsim_kernel.gan.architectures import build_generator
from fastsim_kernel.gan.checkpoint import CONFIG, GENERATOR_WEIGHTS
folder = Path("variable-model")
folder.mkdir(exist_ok=True)
config = GANConfig.variable(energy_range=(10.0, 100.0))
config.save(folder / CONFIG)
keras.utils.set_random_seed(0)
build_generator(config).save_weights(folder / GENERATOR_WEIGHTS)
generator = load_generator(folder)
""",
}
CELL = """
import warnings
from pathlib import Path
from fastsim_kernel.gan import GANConfig, load_generator
from fastsim_kernel.widgets import ExplorerConfig, ShowerExplorer
warnings.simplefilter("ignore")  # the placeholder model's warning is not what is timed here
{load}
explorer = ShowerExplorer(generator, config=ExplorerConfig(n_showers={n}, energy=20.0))
explorer
"""
#: Records, in the page, when the mouse is released and when the explorer's image changes.
RECORDER = """(img) => {
    window.latency = {release: null, changes: []};
    document.addEventListener('pointerup', () => { window.latency.release = performance.now(); }, true);
    new MutationObserver(() => window.latency.changes.push(performance.now()))
        .observe(img, {attributes: true, attributeFilter: ['src']});
}"""


def measure(browser, url: str, notebook: str, *, moves: int, screenshot: Path | None = None) -> list[dict]:
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.set_default_timeout(180_000)
    page.goto(f"{url}/lab/tree/{notebook}?reset&token={TOKEN}")  # reset: this notebook alone, no earlier tabs
    page.locator(".jp-StatusBar-Widget").get_by_text("fastsim | Idle").wait_for()
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")  # JupyterLab reopens earlier notebooks too
    panel.locator(".jp-Cell").first.click()
    page.keyboard.press("Shift+Enter")
    panel.locator(".fastsim-image").wait_for(state="attached")
    output = panel.locator(".jp-OutputArea-output").filter(has=page.locator(".fastsim-image")).first
    image = output.locator("img.widget-image")
    page.wait_for_function("() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .fastsim-status')"
                           "?.textContent.includes('drawn in')")
    page.evaluate(RECORDER, image.element_handle())
    handle = output.locator(".widget-slider").first.locator(".noUi-handle")
    rows = []
    for _ in range(moves):
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        before = page.evaluate("window.latency.changes.length")
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 9, y, steps=3)
        page.mouse.up()
        page.wait_for_function(f"window.latency.changes.length > {before}")
        page.wait_for_timeout(300)  # let a late second update show up before the next move
        latency = page.evaluate(f"window.latency.changes[{before}] - window.latency.release")
        status = output.locator(".fastsim-status").text_content()
        rows.append({"latency_ms": round(latency, 1), "status": status})
    if screenshot is not None:
        output.screenshot(path=str(screenshot))
    page.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=10, help="slider moves per model (default 10)")
    parser.add_argument("--showers", type=int, default=10, help="showers per figure (default 10)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="also save the explorer after the last move as DIR/explorer-<model>.png")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "lab"
        root.mkdir()
        kernel = {"name": "fastsim", "display_name": "fastsim", "language": "python"}
        for kind, load in MODELS.items():
            nb = new_notebook(metadata={"kernelspec": kernel})
            nb.cells = [new_code_cell(CELL.format(load=load.strip(), n=args.showers).strip())]
            nbformat.write(nb, root / f"{kind}.ipynb")
        with jupyterlab(root, kernel_path(Path(tmp) / "kernel"), token=TOKEN) as url, chromium() as browser:
            for kind in MODELS:
                shot = args.screenshot / f"explorer-{kind}.png" if args.screenshot else None
                rows = measure(browser, url, f"{kind}.ipynb", moves=args.moves, screenshot=shot)
                latencies = [row["latency_ms"] for row in rows]
                results[kind] = {"showers": args.showers, "moves": rows, "median_ms": statistics.median(latencies),
                                 "max_ms": max(latencies)}  # fmt: skip
                print(f"{kind}: {args.showers} showers, slider release -> new figure: median "
                      f"{statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms over {len(rows)} moves")
                for row in rows:
                    print(f"    {row['latency_ms']:7.1f} ms   kernel: {row['status']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
