// A stand-in `solc` for Slither's compiler layer (crytic-compile, platform `solc-json`), backed by
// the pinned solcjs of package.json: this machine has no native solc. crytic-compile calls only
//   solc --version            (it reads the version from the output)
//   solc --standard-json ...  (standard-JSON input on stdin, output on stdout; other flags ignored)
// Imports resolve as in build.mjs: src/, then node_modules/.
const { readFileSync, existsSync } = require("node:fs");
const { join } = require("node:path");

const HERE = join(__dirname, "..");
const solc = require(require.resolve("solc", { paths: [HERE] }));

function findImport(path) {
    for (const base of [join(HERE, "src"), join(HERE, "node_modules")]) {
        const full = join(base, path);
        if (existsSync(full)) return { contents: readFileSync(full, "utf8") };
    }
    return { error: `not found: ${path}` };
}

const args = process.argv.slice(2);
if (args.includes("--version")) {
    console.log(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}`);
} else if (args.includes("--standard-json")) {
    const input = readFileSync(0, "utf8");
    process.stdout.write(solc.compile(input, { import: findImport }));
} else {
    console.error("slither/solc: only --version and --standard-json are supported");
    process.exit(2);
}
