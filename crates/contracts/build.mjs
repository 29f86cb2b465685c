#!/usr/bin/env node
// Compiles every contract under src/ with solcjs (pinned in package.json) and writes one artifact
// per contract to artifacts/<Name>.json: { contractName, sourceName, abi, bytecode,
// deployedBytecode, compiler }. Artifacts are committed; `node build.mjs --check` rebuilds them in
// memory and exits 1 when a committed artifact is stale or missing. Both modes refuse a deployed
// contract larger than the EIP-170 limit of 24,576 bytes.
//
//   cd crates/contracts && npm install && node build.mjs [--check | --slither-input]

import { readFileSync, writeFileSync, readdirSync, statSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");
const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = join(HERE, "src");
const OUT = join(HERE, "artifacts");
const EIP170_LIMIT = 24576;
const SETTINGS = {
    evmVersion: "osaka",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

function solFiles(dir) {
    return readdirSync(dir).sort().flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return solFiles(path);
        return name.endsWith(".sol") ? [path] : [];
    });
}

function findImport(path) {
    for (const base of [SRC, join(HERE, "node_modules")]) {
        const full = join(base, path);
        if (existsSync(full)) return { contents: readFileSync(full, "utf8") };
    }
    return { error: `not found: ${path}` };
}

// Well-kept third-party Solidity compiled alongside ours, so their artifacts are committed too:
// circomlib-compatible Poseidon (poseidon-solidity, checked against the Rust Poseidon in tests).
const EXTERNAL = [2, 3, 4, 5, 6].map((t) => `poseidon-solidity/PoseidonT${t}.sol`);
const sources = Object.fromEntries([
    ...solFiles(SRC).map((p) => [relative(SRC, p), { content: readFileSync(p, "utf8") }]),
    ...EXTERNAL.map((p) => [p, { content: readFileSync(join(HERE, "node_modules", p), "utf8") }]),
]);
const input = { language: "Solidity", sources, settings: SETTINGS };
// `--slither-input`: print this same compilation as standard-JSON input, asking for the ASTs
// Slither reads, and stop (slither/run.sh).
if (process.argv.includes("--slither-input")) {
    const outputSelection = {
        "*": { "*": ["abi", "metadata", "evm.bytecode", "evm.deployedBytecode"], "": ["ast"] },
    };
    process.stdout.write(JSON.stringify({ ...input, settings: { ...SETTINGS, outputSelection } }));
    process.exit(0);
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
// Warnings in third-party sources (node_modules) are theirs to fix: show only ours.
const ours = (e) => e.severity === "error" || !e.sourceLocation || e.sourceLocation.file in sources && !EXTERNAL.includes(e.sourceLocation.file);
for (const e of (output.errors ?? []).filter(ours)) console.error(e.formattedMessage);
if (errors.length) process.exit(1);

const check = process.argv.includes("--check");
let bad = false;
if (!check) mkdirSync(OUT, { recursive: true });
for (const [sourceName, contracts] of Object.entries(output.contracts)) {
    if (!(sourceName in sources)) continue;
    for (const [contractName, c] of Object.entries(contracts)) {
        const deployed = c.evm.deployedBytecode.object;
        if (deployed.length === 0) continue; // interfaces and libraries without code
        const size = deployed.length / 2;
        if (size > EIP170_LIMIT) {
            console.error(`${contractName}: ${size} bytes of code exceeds the EIP-170 limit of ${EIP170_LIMIT}`);
            bad = true;
        }
        const artifact = {
            contractName,
            sourceName,
            abi: c.abi,
            bytecode: "0x" + c.evm.bytecode.object,
            deployedBytecode: "0x" + deployed,
            compiler: { version: solc.version(), settings: { evmVersion: SETTINGS.evmVersion, optimizer: SETTINGS.optimizer } },
        };
        const text = JSON.stringify(artifact, null, 2) + "\n";
        const path = join(OUT, `${contractName}.json`);
        if (check) {
            if (!existsSync(path) || readFileSync(path, "utf8") !== text) {
                console.error(`STALE: artifacts/${contractName}.json does not match src/ (run: cd crates/contracts && node build.mjs)`);
                bad = true;
            }
        } else {
            writeFileSync(path, text);
            console.log(`${contractName}: ${size} bytes deployed`);
        }
    }
}
if (check && !bad) console.log("artifacts are up to date");
process.exit(bad ? 1 : 0);
