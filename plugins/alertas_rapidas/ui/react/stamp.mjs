// Records which sources the committed bundle was built from: a SHA-256 over the files that decide
// it (sorted paths and contents), written beside the bundle. tests/unit/test_ui_bundle.py computes
// the same hash from the sources and fails when they changed but the bundle was not rebuilt.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = import.meta.dirname;
const inputs = ["package.json", "package-lock.json", "tsconfig.json", "vite.config.ts", "src"];

const files = [];
const walk = (path) => {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path)) walk(join(path, name));
  } else {
    files.push(relative(root, path).split("\\").join("/"));
  }
};
for (const input of inputs) walk(join(root, input));
files.sort();

const hash = createHash("sha256");
for (const file of files) {
  hash.update(file + "\n");
  hash.update(readFileSync(join(root, file)));
  hash.update("\n");
}
writeFileSync(join(root, "..", "static", "alertas-ui.sources.sha256"), hash.digest("hex") + "\n");
