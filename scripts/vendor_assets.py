"""Copy the built front-end libraries from node_modules/ (installed by `npm ci`, pinned by
package-lock.json) into web/static/vendor/, which the app serves itself: no CDN at run time."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "web" / "static" / "vendor"
# (package, files or folders inside it, folder under vendor/)
ASSETS = [
    # The navigated viewer for case pages; the plain viewer for tools/coverage_report.py's pages.
    (
        "bpmn-js",
        [
            "dist/bpmn-navigated-viewer.production.min.js",
            "dist/bpmn-viewer.production.min.js",
            "dist/bpmn-modeler.production.min.js",
            "dist/assets",
        ],
        "bpmn-js",
    ),
    # The studio's decision-table editor and the reports' charts.
    ("dmn-js", ["dist/dmn-modeler.production.min.js", "dist/assets"], "dmn-js"),
    ("chart.js", ["dist/chart.umd.min.js"], "chart.js"),
]


def main() -> int:
    for package, paths, folder in ASSETS:
        source_root = ROOT / "node_modules" / package
        if not source_root.is_dir():
            print(f"node_modules/{package} is missing: run `npm ci` first", file=sys.stderr)
            return 1
        target = TARGET / folder
        if target.exists():
            shutil.rmtree(target)
        for path in paths:
            source = source_root / path
            destination = target / Path(path).relative_to(Path(path).parts[0])
            destination.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, destination)
            else:
                shutil.copy2(source, destination)
        print(f"vendor: {package} -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
