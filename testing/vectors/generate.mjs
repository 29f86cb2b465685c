#!/usr/bin/env node
// Cross-check test vectors for Tribunal, produced by third-party npm packages.
//
//   cd testing/vectors && npm ci && node generate.mjs           # (re)write the JSON files below
//   cd testing/vectors && npm ci && node generate.mjs --check   # exit 1 if committed JSON is stale
//
// Writes poseidon.json, eddsa.json and tree.json here, and the on-chain 6-input Poseidon
// crates/contracts/artifacts/PoseidonT7.json (EVM code from circomlibjs' own generator,
// poseidonContract.createCode(6); npm poseidon-solidity stops at 5 inputs).
//
// Everything is deterministic: randomness comes from a SHA-256 counter-mode
// PRNG seeded with a fixed string (no Math.random, no clock).
//
// Poseidon: circomlibjs (buildPoseidon [wasm], buildPoseidonReference,
// buildPoseidonOpt) and poseidon-lite (poseidon1..poseidon16) must agree on
// every case, otherwise the script throws.
//
// EdDSA-Poseidon / Baby Jubjub: @zk-kit/eddsa-poseidon (default export, which
// is the BLAKE-512 "blake-1" variant) is primary; circomlibjs buildEddsa is the
// cross-check. Public keys, packed public keys and signatures must be identical
// and every valid/invalid verdict must agree, otherwise the script throws.
//
// Trees (tree.json): a from-scratch sparse Merkle tree of arity 2 or 4 over
// poseidon-lite, cross-checked against @zk-kit/imt (roots and proofs must agree,
// otherwise the script throws).

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { buildPoseidon, buildPoseidonReference, buildPoseidonOpt, buildEddsa, buildBabyjub, poseidonContract } from "circomlibjs";
import * as poseidonLite from "poseidon-lite";
import { IMT } from "@zk-kit/imt";

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
// @zk-kit/eddsa-poseidon 1.1.0 is loaded through its CommonJS builds: its ESM
// entry (dist/index.js) does `import { blake2bInit, ... } from "blakejs"`, which
// Node's ESM loader rejects (blakejs is CommonJS without detectable named
// exports), and its "./blake-1" / "./blake-2b" ESM subpaths point at a dist/esm/
// directory that is not shipped.
const zk = require("@zk-kit/eddsa-poseidon");
const zkBlake1 = require("@zk-kit/eddsa-poseidon/blake-1");
const zkBlake2b = require("@zk-kit/eddsa-poseidon/blake-2b");

const REGEN_COMMAND = "cd testing/vectors && npm ci && node generate.mjs";
const SEED = "tribunal/testing/vectors/v1";

// ---------------------------------------------------------------------------
// helpers

function fail(msg) {
    throw new Error(`generate.mjs: ${msg}`);
}

function installedVersion(pkg) {
    const pj = JSON.parse(readFileSync(join(HERE, "node_modules", pkg, "package.json"), "utf8"));
    return pj.version;
}

function generatorInfo(extraPackages = []) {
    const pkgs = ["circomlibjs", "poseidon-lite", "@zk-kit/eddsa-poseidon", ...extraPackages];
    const packages = {};
    for (const p of pkgs) packages[p] = installedVersion(p);
    return {
        script: "testing/vectors/generate.mjs",
        packages,
        command: REGEN_COMMAND,
        check_command: "cd testing/vectors && npm ci && node generate.mjs --check",
        prng: `SHA-256 counter mode: block_i = SHA256(utf8(seed) || u64be(i)), seed = ${JSON.stringify(SEED)}`,
    };
}

// Deterministic PRNG: SHA-256(seed || counter) blocks, consumed as a byte stream.
class Prng {
    constructor(seed) {
        this.seed = Buffer.from(seed, "utf8");
        this.counter = 0n;
        this.buf = Buffer.alloc(0);
    }
    bytes(n) {
        while (this.buf.length < n) {
            const c = Buffer.alloc(8);
            c.writeBigUInt64BE(this.counter++);
            const block = createHash("sha256").update(this.seed).update(c).digest();
            this.buf = Buffer.concat([this.buf, block]);
        }
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return Buffer.from(out);
    }
    // uniform in [0, bound) by rejection sampling on the minimal bit width
    below(bound) {
        const bits = bound.toString(2).length;
        const nbytes = Math.ceil(bits / 8);
        const mask = (1n << BigInt(bits)) - 1n;
        for (;;) {
            const v = BigInt("0x" + this.bytes(nbytes).toString("hex")) & mask;
            if (v < bound) return v;
        }
    }
}

const dec = (x) => BigInt(x).toString(10);
const hex0x = (buf) => "0x" + Buffer.from(buf).toString("hex");
const leBytesToBigInt = (bytes) => BigInt("0x" + (Buffer.from(bytes).reverse().toString("hex") || "0"));

function stableJson(obj) {
    return JSON.stringify(obj, null, 2) + "\n";
}

// ---------------------------------------------------------------------------
// Poseidon

async function poseidonVectors(rng) {
    const pWasm = await buildPoseidon();
    const pRef = await buildPoseidonReference();
    const pOpt = await buildPoseidonOpt();
    const F = pWasm.F;
    const p = BigInt(F.p);
    if (BigInt(pRef.F.p) !== p || BigInt(pOpt.F.p) !== p) fail("circomlibjs poseidon variants disagree on F.p");

    const lite = (inputs) => {
        const fn = poseidonLite[`poseidon${inputs.length}`];
        if (typeof fn !== "function") fail(`poseidon-lite has no poseidon${inputs.length}`);
        return BigInt(fn(inputs));
    };

    const compute = (inputs) => {
        const a = BigInt(pWasm.F.toObject(pWasm(inputs)));
        const b = BigInt(pRef.F.toObject(pRef(inputs)));
        const c = BigInt(pOpt.F.toObject(pOpt(inputs)));
        const d = lite(inputs);
        if (!(a === b && b === c && c === d)) {
            fail(`Poseidon mismatch for [${inputs.join(",")}]: wasm=${a} ref=${b} opt=${c} lite=${d}`);
        }
        if (a >= p) fail("Poseidon output not reduced");
        return a;
    };

    // sanity: well-known circomlib vector poseidon([1,2])
    const known = compute([1n, 2n]);
    if (known !== 7853200120776062878684798364095072458815029376092732009249414926327459813530n) {
        fail(`poseidon([1,2]) = ${known}, expected the circomlib reference value`);
    }

    const cases = [];
    for (let n = 1; n <= 16; n++) {
        const sets = [];
        sets.push({ label: "zeros", inputs: Array(n).fill(0n) });
        sets.push({ label: "all_p_minus_1", inputs: Array(n).fill(p - 1n) });
        sets.push({ label: "mixed_0_pm1_1", inputs: Array.from({ length: n }, (_, i) => [0n, p - 1n, 1n][i % 3]) });
        sets.push({ label: "mixed_1_0_pm1", inputs: Array.from({ length: n }, (_, i) => [1n, 0n, p - 1n][i % 3]) });
        sets.push({ label: "sequential_1_to_n", inputs: Array.from({ length: n }, (_, i) => BigInt(i + 1)) });
        for (let k = 0; k < 6; k++) {
            sets.push({ label: `random_${k}`, inputs: Array.from({ length: n }, () => rng.below(p)) });
        }
        for (const s of sets) {
            const out = compute(s.inputs);
            cases.push({ n, label: s.label, inputs: s.inputs.map(dec), output: dec(out) });
        }
    }

    return {
        description:
            "Poseidon hash over the BN254 scalar field (circomlib parameters: x^5 S-box, t = n+1, " +
            "8 full rounds, capacity element 0 prepended, output = state[0]). n = number of inputs (1..16).",
        generator: generatorInfo(),
        field_modulus: dec(p),
        implementations_cross_checked: [
            "circomlibjs buildPoseidon (wasm)",
            "circomlibjs buildPoseidonReference",
            "circomlibjs buildPoseidonOpt",
            "poseidon-lite poseidon1..poseidon16",
        ],
        notes: [
            "All numbers are decimal strings. Every input is a canonical field element (< field_modulus).",
            "field_modulus is read from circomlibjs (poseidon.F.p) = BN254 scalar field r.",
        ],
        cases,
    };
}

// ---------------------------------------------------------------------------
// EdDSA-Poseidon on Baby Jubjub

async function eddsaVectors(rng) {
    const eddsa = await buildEddsa();
    const babyJub = eddsa.babyJub;
    const F = babyJub.F;
    const toBig = (fe) => BigInt(F.toObject(fe));
    const pt = (P) => [toBig(P[0]), toBig(P[1])];
    const toF = (P) => [F.e(P[0]), F.e(P[1])];

    const p = BigInt(babyJub.p);
    if (p !== BigInt(F.p)) fail("babyJub.p != F.p");
    const l = BigInt(babyJub.subOrder);
    const order = BigInt(babyJub.order);
    const Base8 = pt(babyJub.Base8);
    const Gen = pt(babyJub.Generator);
    const a = toBig(babyJub.A);
    const d = toBig(babyJub.D);

    const curve = {
        name: "Baby Jubjub (EIP-2494), twisted Edwards a*x^2 + y^2 = 1 + d*x^2*y^2 over BN254 Fr",
        source: "circomlibjs buildBabyjub / buildEddsa().babyJub",
        p: dec(p),
        a: dec(a),
        d: dec(d),
        order: dec(order),
        l: dec(l),
        Base8: { x: dec(Base8[0]), y: dec(Base8[1]) },
        Generator: { x: dec(Gen[0]), y: dec(Gen[1]) },
    };

    // sanity on constants
    if (order !== 8n * l) fail("order != 8 * subOrder");
    const bj2 = await buildBabyjub();
    if (BigInt(bj2.subOrder) !== l || !bj2.inSubgroup(babyJub.Base8)) fail("Base8 not in subgroup");
    const g8 = pt(babyJub.mulPointEscalar(babyJub.Generator, 8n));
    if (g8[0] !== Base8[0] || g8[1] !== Base8[1]) fail("Base8 != 8*Generator");

    const circomPoseidon = eddsa.poseidon;
    const hashChallenge = (R8, A, msg) => {
        const lite = BigInt(poseidonLite.poseidon5([R8[0], R8[1], A[0], A[1], msg]));
        const circ = toBig(circomPoseidon([R8[0], R8[1], A[0], A[1], msg]));
        if (lite !== circ) fail("challenge hash mismatch");
        return lite;
    };

    const zkVerify = (lib, msg, sig, A) => lib.verifySignature(msg, { R8: [sig.R8[0], sig.R8[1]], S: sig.S }, [A[0], A[1]]);
    const circomVerify = (msg, sig, A) => {
        if (msg < 0n || msg >= p) return false; // circomlibjs would silently reduce; treat as out of domain
        return eddsa.verifyPoseidon(F.e(msg), { R8: toF(sig.R8), S: sig.S }, toF(A));
    };

    // ---- keys
    const keys = [];
    keys.push(Buffer.alloc(32, 0x00));
    keys.push(Buffer.alloc(32, 0xff));
    keys.push(Buffer.from(Array.from({ length: 32 }, (_, i) => i)));
    keys.push(Buffer.from("0001020304050607080900010203040506070809000102030405060708090001", "hex"));
    while (keys.length < 12) keys.push(rng.bytes(32));

    const keyInfo = keys.map((k) => {
        const s = zk.deriveSecretScalar(k);
        const A = zk.derivePublicKey(k).map(BigInt);
        const packed = BigInt(zk.packPublicKey(A));
        // cross-checks
        const Ac = pt(eddsa.prv2pub(k));
        if (Ac[0] !== A[0] || Ac[1] !== A[1]) fail(`public key mismatch for ${hex0x(k)}`);
        const Ab1 = zkBlake1.derivePublicKey(k).map(BigInt);
        if (Ab1[0] !== A[0] || Ab1[1] !== A[1]) fail("zk-kit default != zk-kit blake-1 variant");
        const As = pt(babyJub.mulPointEscalar(babyJub.Base8, s));
        if (As[0] !== A[0] || As[1] !== A[1]) fail("A != Base8 * deriveSecretScalar(k)");
        const packedC = leBytesToBigInt(babyJub.packPoint(toF(A)));
        if (packedC !== packed) fail(`packed public key mismatch: zk=${packed} circom=${packedC}`);
        const un = zk.unpackPublicKey(packed).map(BigInt);
        if (un[0] !== A[0] || un[1] !== A[1]) fail("unpackPublicKey(packPublicKey(A)) != A");
        if (!babyJub.inSubgroup(toF(A))) fail("public key not in prime-order subgroup");
        return { k, s, A, packed };
    });

    // ---- messages
    const messages = [0n, 1n, p - 1n, 2n, l, l - 1n];
    const valid = [];
    let idx = 0;
    const sign = (ki, msg) => {
        const sig = zk.signMessage(ki.k, msg);
        const R8 = sig.R8.map(BigInt);
        const S = BigInt(sig.S);
        const sc = eddsa.signPoseidon(ki.k, F.e(msg));
        const R8c = pt(sc.R8);
        if (R8c[0] !== R8[0] || R8c[1] !== R8[1] || BigInt(sc.S) !== S) {
            fail(`signature mismatch for key ${hex0x(ki.k)} msg ${msg}`);
        }
        const sb1 = zkBlake1.signMessage(ki.k, msg);
        if (BigInt(sb1.S) !== S) fail("zk-kit default != zk-kit blake-1 signature");
        if (S >= l) fail("S >= l from signer");
        const s2 = { R8, S };
        if (!zkVerify(zk, msg, s2, ki.A)) fail("zk-kit rejects its own valid signature");
        if (!circomVerify(msg, s2, ki.A)) fail("circomlibjs rejects valid signature");
        const packedSig = Buffer.from(zk.packSignature({ R8, S }));
        const packedSigC = Buffer.from(eddsa.packSignature({ R8: toF(R8), S }));
        if (!packedSig.equals(packedSigC)) fail("packed signature mismatch");
        return { R8, S, packedSig, challenge: hashChallenge(R8, ki.A, msg) };
    };

    const validRecords = [];
    for (let i = 0; i < 30; i++) {
        const ki = keyInfo[i % keyInfo.length];
        const msg = i < messages.length ? messages[i] : rng.below(p);
        const sig = sign(ki, msg);
        const rec = {
            id: `valid_${String(idx++).padStart(2, "0")}`,
            private_key: hex0x(ki.k),
            secret_scalar: dec(ki.s),
            public_key: { x: dec(ki.A[0]), y: dec(ki.A[1]) },
            packed_public_key: dec(ki.packed),
            message: dec(msg),
            signature: { R8: { x: dec(sig.R8[0]), y: dec(sig.R8[1]) }, S: dec(sig.S) },
            packed_signature: hex0x(sig.packedSig),
            challenge: dec(sig.challenge),
            valid: true,
        };
        validRecords.push(rec);
        valid.push({ ki, msg, sig });
    }
    // same key, several messages; and the same message under several keys are both covered above.

    // ---- invalid cases
    const invalid = [];
    let jdx = 0;
    const addInvalid = (reason, ki, msg, R8, S, A, base) => {
        const sig = { R8, S };
        const zkOk = zkVerify(zk, msg, sig, A);
        const cOk = circomVerify(msg, sig, A);
        if (zkOk || cOk) fail(`invalid case '${reason}' accepted (zk=${zkOk}, circom=${cOk})`);
        invalid.push({
            id: `invalid_${String(jdx++).padStart(2, "0")}`,
            reason,
            derived_from: base,
            public_key: { x: dec(A[0]), y: dec(A[1]) },
            message: dec(msg),
            signature: { R8: { x: dec(R8[0]), y: dec(R8[1]) }, S: dec(S) },
            valid: false,
        });
    };
    const negX = (P) => [(p - P[0]) % p, P[1]];

    for (const bi of [0, 5, 9]) {
        const { ki, msg, sig } = valid[bi];
        const base = validRecords[bi].id;
        const other = valid[bi + 1];
        addInvalid("S_plus_1: S replaced by S+1", ki, msg, sig.R8, sig.S + 1n, ki.A, base);
        addInvalid("S_plus_l: S replaced by S+l (same residue mod l, but S >= l must be rejected)", ki, msg, sig.R8, sig.S + l, ki.A, base);
        addInvalid("R8_other_point: R8 taken from a different valid signature", ki, msg, other.sig.R8, sig.S, ki.A, base);
        addInvalid("wrong_message: message replaced by (message+1) mod p", ki, (msg + 1n) % p, sig.R8, sig.S, ki.A, base);
        const otherKey = keyInfo.find((x) => x.A[0] !== ki.A[0]);
        addInvalid("wrong_public_key: public key of a different private key", ki, msg, sig.R8, sig.S, otherKey.A, base);
        addInvalid("R8_swapped_coords: R8 = (y, x)", ki, msg, [sig.R8[1], sig.R8[0]], sig.S, ki.A, base);
    }
    {
        const bi = 12;
        const { ki, msg, sig } = valid[bi];
        const base = validRecords[bi].id;
        addInvalid("R8_negated: R8 = (-x, y)", ki, msg, negX(sig.R8), sig.S, ki.A, base);
        addInvalid("public_key_negated: A = (-x, y)", ki, msg, sig.R8, sig.S, negX(ki.A), base);
        addInvalid("S_zero: S = 0", ki, msg, sig.R8, 0n, ki.A, base);
        addInvalid("R8_not_on_curve: R8 = (x, y+1)", ki, msg, [sig.R8[0], (sig.R8[1] + 1n) % p], sig.S, ki.A, base);
    }

    // ---- BLAKE2b variant (zk-kit only; circomlibjs has no BLAKE2b key derivation)
    const blake2b = [];
    for (let i = 0; i < 6; i++) {
        const k = keys[i];
        const m = i < 3 ? [0n, 1n, p - 1n][i] : rng.below(p);
        const s = zkBlake2b.deriveSecretScalar(k);
        const A = zkBlake2b.derivePublicKey(k).map(BigInt);
        const sig = zkBlake2b.signMessage(k, m);
        const R8 = sig.R8.map(BigInt);
        const S = BigInt(sig.S);
        if (!zkVerify(zkBlake2b, m, { R8, S }, A)) fail("blake2b: zk-kit rejects own signature");
        if (!circomVerify(m, { R8, S }, A)) fail("blake2b: circomlibjs verifyPoseidon rejects signature");
        const As = pt(babyJub.mulPointEscalar(babyJub.Base8, s));
        if (As[0] !== A[0] || As[1] !== A[1]) fail("blake2b: A != Base8*s");
        blake2b.push({
            id: `blake2b_${String(i).padStart(2, "0")}`,
            private_key: hex0x(k),
            secret_scalar: dec(s),
            public_key: { x: dec(A[0]), y: dec(A[1]) },
            packed_public_key: dec(zkBlake2b.packPublicKey(A)),
            message: dec(m),
            signature: { R8: { x: dec(R8[0]), y: dec(R8[1]) }, S: dec(S) },
            valid: true,
        });
    }

    return {
        description:
            "EdDSA-Poseidon over Baby Jubjub (EIP-2494), as implemented by @zk-kit/eddsa-poseidon (default export) " +
            "and cross-checked against circomlibjs buildEddsa (prv2pub / signPoseidon / verifyPoseidon).",
        generator: generatorInfo(),
        notes: [
            "All field elements and scalars are decimal strings; private keys and packed signatures are 0x-prefixed hex of raw bytes.",
            "Private-key hash (valid / invalid cases): BLAKE-512 (original BLAKE, SHA-3 finalist; a.k.a. 'blake-1'), 64-byte digest. This is the default export of @zk-kit/eddsa-poseidon 1.x (identical to its './blake-1' subpath) and is what circomlibjs uses (blake-hash 'blake512'). The 'blake2b' section instead uses zk-kit's './blake-2b' subpath (BLAKE2b-512, unkeyed); circomlibjs cannot derive those keys, only verify their signatures.",
            "Key derivation: h = H(private_key) (64 bytes). sBuff = h[0..32] pruned: sBuff[0] &= 0xF8; sBuff[31] &= 0x7F; sBuff[31] |= 0x40. s = little-endian integer of sBuff (2^254 <= s < 2^255, s % 8 == 0). secret_scalar = (s >> 3) mod l. public_key A = Base8 * (s >> 3) = Base8 * secret_scalar.",
            "Signing: r = (little-endian integer of H(h[32..64] || message as 32-byte little-endian)) mod l (64-byte digest); R8 = Base8 * r; challenge = Poseidon5(R8.x, R8.y, A.x, A.y, message) (circomlib Poseidon, t=6; NOT reduced mod l); S = (r + challenge * s) mod l, where s is the full pruned scalar (= 8 * (s >> 3)), not secret_scalar.",
            "Verification (both libraries): R8 and A must be on the curve (no subgroup check), S must be < l (S >= l is rejected), message must be a field element; accept iff Base8 * S == R8 + A * (8 * challenge).",
            "packed_public_key: zk-kit packPublicKey = circomlibjs packPoint read as a 256-bit little-endian integer: y with bit 255 set iff x > (p-1)/2. packed_signature: 64 bytes = packPoint(R8) (32 bytes LE) || S (32 bytes LE).",
            "challenge is recorded for debugging; it is computed with poseidon-lite poseidon5 and cross-checked against circomlibjs poseidon.",
            "Every message is < p. Messages >= p are left out on purpose: zk-kit signMessage derives the nonce from the unreduced message bytes, but circomlibjs derives it from message mod p, so their signatures differ. Both verifiers hash the message mod p (zk-kit verifySignature accepts a signature on m when it is given m + p).",
        ],
        curve,
        valid: validRecords,
        invalid,
        blake2b,
    };
}


// ---------------------------------------------------------------------------
// Account tree, withdrawal leaves and signed transactions, computed with a
// from-scratch sparse Merkle tree over poseidon-lite and keys/signatures from
// zk-kit. Layout as in Tribunal's docs/stf.md and issue 24: the account tree is
// 4-ary, the withdrawal tree binary. A tree of arity A has depth D in index bits
// (D a multiple of log2 A) and L = D / log2 A levels above the leaves;
// node(l+1, i) = Poseidon_A(node(l, A*i), ..., node(l, A*i + A-1)); empty leaf = 0;
// account leaf = Poseidon4(pk.x, pk.y, balance, nonce).

const TREE_HASH = { 2: poseidonLite.poseidon2, 4: poseidonLite.poseidon4 };
// Poseidon4(0, 0, 0, 0): the first empty node of the 4-ary tree.
const ARITY4_ZERO1 = 2351654555892372227640888372176282444150254868378439619268573230312091195718n;
// Root of the binary depth-4 tree with leaves 1 at index 0 and 2 at index 5; the same
// value is GOLDEN_DEPTH4 in crates/stf/src/tree/mod.rs.
const BINARY_DEPTH4_ROOT = 4226744499172202924926746124861989790203269977965186575554515907361911260963n;

function treeLevels(arity, depth, leaves) {
    const hash = TREE_HASH[arity];
    if (!hash) fail(`unsupported tree arity ${arity}`);
    const bits = Math.log2(arity);
    if (depth <= 0 || depth % bits !== 0) fail(`tree depth ${depth} is not a positive multiple of log2(${arity}) = ${bits}`);
    const L = depth / bits;
    const A = BigInt(arity);
    const B = BigInt(bits);
    const zeros = [0n];
    for (let l = 0; l < L; l++) zeros.push(hash(Array(arity).fill(zeros[l])));
    if (arity === 4 && zeros[1] !== ARITY4_ZERO1) fail(`4-ary zeros[1] = ${zeros[1]}, expected ${ARITY4_ZERO1}`);
    for (const [i] of leaves) if (i < 0n || i >= 1n << BigInt(depth)) fail(`leaf index ${i} outside a ${depth}-bit tree`);
    const levels = [new Map(leaves)];
    for (let l = 0; l < L; l++) {
        const cur = levels[l];
        const next = new Map();
        for (const i of cur.keys()) {
            const p = i / A;
            if (next.has(p)) continue;
            next.set(p, hash(Array.from({ length: arity }, (_, j) => cur.get(A * p + BigInt(j)) ?? zeros[l])));
        }
        levels.push(next);
    }
    const node = (l, i) => levels[l].get(i) ?? zeros[l];
    // Flattened siblings of leaf `index`, leaf level first; within a level the A-1
    // nodes other than the path node, in ascending position j.
    const siblings = (index) => {
        const out = [];
        for (let l = 0; l < L; l++) {
            const d = (index >> (BigInt(l) * B)) & (A - 1n);
            const p = index >> (BigInt(l + 1) * B);
            for (let j = 0n; j < A; j++) if (j !== d) out.push(node(l, A * p + j));
        }
        return out;
    };
    return { levels: L, root: node(L, 0n), siblings };
}

// Cross-check treeLevels against @zk-kit/imt (a dense incremental Merkle tree with the
// same zero-padding rule): the leaves go densely at indices 0..n-1, partly through the
// constructor, partly through insert, and one through update. The roots must agree, and
// for a few indices IMT's proof siblings (levels in order, each level in IMT's order)
// must equal ours flattened, with pathIndices equal to the index's base-A digits.
function crossCheckImt(arity, depth, values) {
    const ours = (leaves) => treeLevels(arity, depth, leaves.map((v, i) => [BigInt(i), v]));
    const L = depth / Math.log2(arity);
    const hash = (xs) => TREE_HASH[arity](xs.map(BigInt));
    const half = Math.ceil(values.length / 2);
    const imt = new IMT(hash, L, 0n, arity, values.slice(0, half));
    const check = (leaves, what) => {
        const mine = ours(leaves);
        if (BigInt(imt.root) !== mine.root) fail(`@zk-kit/imt root ${imt.root} != ours ${mine.root} (arity ${arity}, depth ${depth}, ${what})`);
        return mine;
    };
    check(values.slice(0, half), "constructor leaves");
    for (let i = half; i < values.length; i++) imt.insert(values[i]);
    const leaves = values.slice();
    check(leaves, "after insert");
    const u = 1;
    leaves[u] = leaves[u] + 1n;
    imt.update(u, leaves[u]);
    const mine = check(leaves, "after update");
    const indices = [...new Set([0, u, 5 % values.length, values.length - 1])];
    for (const index of indices) {
        const proof = imt.createProof(index);
        if (proof.siblings.length !== L || proof.siblings.some((lv) => lv.length !== arity - 1)) {
            fail(`@zk-kit/imt proof of ${index} does not have ${L} levels of ${arity - 1} siblings`);
        }
        const theirs = proof.siblings.flat().map(BigInt);
        const expected = mine.siblings(BigInt(index));
        if (theirs.length !== expected.length) fail(`@zk-kit/imt gives ${theirs.length} siblings of ${index}, we give ${expected.length}`);
        const k = theirs.findIndex((x, k) => x !== expected[k]);
        if (k >= 0) {
            fail(`@zk-kit/imt sibling ${k} (level ${Math.floor(k / (arity - 1))}) of ${index} is ${theirs[k]}, ours ${expected[k]} (arity ${arity}, depth ${depth})`);
        }
        proof.pathIndices.forEach((d, l) => {
            if (d !== Math.floor(index / arity ** l) % arity) fail(`@zk-kit/imt pathIndices[${l}] of ${index} = ${d}`);
        });
        if (!imt.verifyProof(proof)) fail(`@zk-kit/imt rejects its own proof of ${index}`);
    }
    return { arity, depth, levels: L, leaves: values.length, proofs_checked: indices };
}

function treeVectors() {
    const trees = [];
    const str = (xs) => xs.map((x) => x.toString());
    const twoLeaves = [{ index: "0", leaf: "1" }, { index: "5", leaf: "2" }];
    // Binary, as the withdrawal tree; unchanged from the binary account tree it used to stand for.
    const small = treeLevels(2, 4, [[0n, 1n], [5n, 2n]]);
    if (small.root !== BINARY_DEPTH4_ROOT) fail(`binary depth-4 root ${small.root} != ${BINARY_DEPTH4_ROOT}`);
    trees.push({ label: "depth4_two_leaves", arity: 2, depth: 4, leaves: twoLeaves,
        root: small.root.toString(), siblings_of: "5", siblings: str(small.siblings(5n)) });
    const small4 = treeLevels(4, 4, [[0n, 1n], [5n, 2n]]);
    trees.push({ label: "arity4_depth4_two_leaves", arity: 4, depth: 4, leaves: twoLeaves,
        root: small4.root.toString(), siblings_of: "5", siblings: str(small4.siblings(5n)) });
    const empty = treeLevels(4, 32, []);
    trees.push({ label: "arity4_depth32_empty", arity: 4, depth: 32, leaves: [], root: empty.root.toString(), siblings_of: "0",
        siblings: str(empty.siblings(0n)) });

    const accounts = [
        { index: 0n, key: "0x" + "01".repeat(32), balance: 1000000000000000000n, nonce: 0n },
        { index: 1n, key: "0x" + "02".repeat(32), balance: 0n, nonce: 7n },
        { index: 2147483653n, key: "0x" + "03".repeat(32), balance: (1n << 128n) - 1n, nonce: (1n << 64n) - 1n },
        { index: 4294967295n, key: "0x" + "04".repeat(32), balance: 5n, nonce: 1n },
    ].map((a) => {
        const [x, y] = zk.derivePublicKey(Buffer.from(a.key.slice(2), "hex"));
        const leaf = poseidonLite.poseidon4([BigInt(x), BigInt(y), a.balance, a.nonce]);
        return { ...a, x: BigInt(x), y: BigInt(y), leaf };
    });
    const big = treeLevels(4, 32, accounts.map((a) => [a.index, a.leaf]));
    trees.push({
        label: "arity4_depth32_accounts",
        arity: 4,
        depth: 32,
        accounts: accounts.map((a) => ({ index: a.index.toString(), private_key: a.key, public_key: { x: a.x.toString(), y: a.y.toString() },
            balance: a.balance.toString(), nonce: a.nonce.toString(), leaf: a.leaf.toString() })),
        leaves: accounts.map((a) => ({ index: a.index.toString(), leaf: a.leaf.toString() })),
        root: big.root.toString(),
        siblings_of: "2147483653",
        siblings: str(big.siblings(2147483653n)),
    });

    // Signed transactions: message = Poseidon6(domain, chain_id, from, to, amount, nonce),
    // domain 1 = transfer (to = account index), 2 = withdraw (to = L1 address as an integer).
    const txs = [
        { kind: "transfer", domain: 1n, chain_id: 901n, from: 0n, to: 1n, amount: 250000000000000000n, nonce: 0n, key: accounts[0].key },
        { kind: "transfer", domain: 1n, chain_id: 901n, from: 2147483653n, to: 4294967295n, amount: (1n << 128n) - 1n, nonce: (1n << 64n) - 2n, key: accounts[2].key },
        { kind: "withdraw", domain: 2n, chain_id: 901n, from: 1n, to: BigInt("0x00000000000000000000000000000000000000ff"), amount: 3n, nonce: 7n, key: accounts[1].key },
        { kind: "withdraw", domain: 2n, chain_id: 1n, from: 0n, to: BigInt("0xffffffffffffffffffffffffffffffffffffffff"), amount: 1n, nonce: 0n, key: accounts[0].key },
    ].map((t) => {
        const message = poseidonLite.poseidon6([t.domain, t.chain_id, t.from, t.to, t.amount, t.nonce]);
        const prv = Buffer.from(t.key.slice(2), "hex");
        const sig = zk.signMessage(prv, message);
        const packed = Buffer.from(zk.packSignature(sig)).toString("hex");
        if (!zk.verifySignature(message, sig, zk.derivePublicKey(prv))) fail("zk-kit rejects its own tx signature");
        const out = { kind: t.kind, chain_id: t.chain_id.toString(), from: t.from.toString(), amount: t.amount.toString(), nonce: t.nonce.toString(),
            private_key: t.key, message: message.toString(), packed_signature: "0x" + packed };
        if (t.kind === "transfer") out.to = t.to.toString();
        else {
            out.to = "0x" + t.to.toString(16).padStart(40, "0");
            out.withdrawal_leaf = poseidonLite.poseidon2([t.to, t.amount]).toString();
        }
        return out;
    });

    // Cross-check against @zk-kit/imt with real account leaves, a withdrawal leaf and edge values
    // (0 = the empty leaf, 1, 2) densely at indices 0..8.
    const imtValues = [...accounts.map((a) => a.leaf), 1n, 0n, 2n, BigInt(txs[2].withdrawal_leaf), accounts[0].leaf + 1n];
    const imtChecks = [crossCheckImt(4, 32, imtValues), crossCheckImt(4, 4, imtValues), crossCheckImt(2, 10, imtValues)];
    const imtNote = imtChecks.map((c) => `arity ${c.arity} depth ${c.depth} (${c.levels} levels)`).join(", ");

    return {
        description: "Sparse Merkle trees (4-ary account tree, binary withdrawal tree) over circomlib Poseidon and EdDSA-signed transactions, computed from scratch in JavaScript",
        generator: generatorInfo(["@zk-kit/imt"]),
        notes: [
            "arity A (4 = account tree, 2 = withdrawal tree); depth D in index bits, a multiple of log2(A); L = D / log2(A) levels above the leaves.",
            "node(l+1, i) = PoseidonA(node(l, A*i), ..., node(l, A*i+A-1)) (poseidon4 for A = 4, poseidon2 for A = 2); empty leaf = 0; zeros[l+1] = PoseidonA(zeros[l] x A).",
            "siblings of leaf `siblings_of`, flattened, leaf level first, (A-1)*L entries: for l in 0..L, d = (index >> (l*log2 A)) & (A-1), p = index >> ((l+1)*log2 A), the nodes node(l, A*p + j) for j in 0..A, j != d, in ascending j. For A = 2 this is one sibling per level.",
            `The from-scratch tree is cross-checked against @zk-kit/imt (${imtNote}; 9 leaves at indices 0..8 via constructor, insert and update): roots and flattened createProof siblings must agree.`,
            "account leaf = Poseidon4(pk.x, pk.y, balance, nonce); pk from zk-kit derivePublicKey.",
            "tx message = Poseidon6(domain, chain_id, from, to, amount, nonce), signed with zk-kit signMessage; withdrawal leaf = Poseidon2(to, amount).",
        ],
        trees,
        txs,
    };
}

// ---------------------------------------------------------------------------
// PoseidonT7: circomlib Poseidon of 6 inputs as raw EVM code from circomlibjs' generator
// (src/poseidon_gencontract.js). The init code is a 12-byte loader
//   CODESIZE PUSH1 <loader length> PUSH1 0 CODECOPY PUSH2 <runtime length> PUSH1 0 RETURN
// followed by the runtime code, so the deployed code is the init code minus the loader. The
// loader is parsed (not assumed) and its lengths are checked. The artifact has the shape
// crates/contracts/build.mjs writes (minus `compiler`), so alloy's sol! reads it the same way.

const POSEIDON_T7_INPUTS = 6;
const POSEIDON_T7_ARTIFACT = join("..", "..", "crates", "contracts", "artifacts", "PoseidonT7.json");

function poseidonContractArtifact(nInputs) {
    const init = Buffer.from(poseidonContract.createCode(nInputs).slice(2), "hex");
    // Reads PUSHn <n bytes> at `at`, returning [value, next offset].
    const push = (at) => {
        const op = init[at];
        if (op < 0x60 || op > 0x7f) fail(`PoseidonT${nInputs + 1} loader: expected PUSH at byte ${at}, got 0x${op.toString(16)}`);
        const n = op - 0x5f;
        return [Number(BigInt("0x" + init.subarray(at + 1, at + 1 + n).toString("hex"))), at + 1 + n];
    };
    const expectOp = (at, op, name) => {
        if (init[at] !== op) fail(`PoseidonT${nInputs + 1} loader: expected ${name} at byte ${at}`);
        return at + 1;
    };
    let at = expectOp(0, 0x38, "CODESIZE");
    let loaderLen, runtimeLen, zero;
    [loaderLen, at] = push(at);
    [zero, at] = push(at);
    if (zero !== 0) fail("PoseidonT7 loader: CODECOPY destination is not 0");
    at = expectOp(at, 0x39, "CODECOPY");
    [runtimeLen, at] = push(at);
    [zero, at] = push(at);
    if (zero !== 0) fail("PoseidonT7 loader: RETURN offset is not 0");
    at = expectOp(at, 0xf3, "RETURN");
    if (at !== loaderLen) fail(`PoseidonT7 loader is ${at} bytes but copies from byte ${loaderLen}`);
    const runtime = init.subarray(loaderLen);
    if (runtime.length !== runtimeLen) fail(`PoseidonT7 runtime is ${runtime.length} bytes, loader returns ${runtimeLen}`);
    if (runtime.length > 24576) fail(`PoseidonT7 runtime of ${runtime.length} bytes exceeds the EIP-170 limit`);
    return {
        contractName: `PoseidonT${nInputs + 1}`,
        sourceName: `circomlibjs ${installedVersion("circomlibjs")} poseidon_gencontract createCode(${nInputs})`,
        abi: poseidonContract.generateABI(nInputs),
        bytecode: hex0x(init),
        deployedBytecode: hex0x(runtime),
    };
}

// ---------------------------------------------------------------------------

async function main() {
    const check = process.argv.includes("--check");
    const rng = new Prng(SEED);
    const outputs = {
        "poseidon.json": stableJson(await poseidonVectors(rng)),
        "eddsa.json": stableJson(await eddsaVectors(rng)),
        "tree.json": stableJson(treeVectors()),
        [POSEIDON_T7_ARTIFACT]: stableJson(poseidonContractArtifact(POSEIDON_T7_INPUTS)),
    };

    let stale = false;
    for (const [name, text] of Object.entries(outputs)) {
        const path = join(HERE, name);
        if (check) {
            const cur = existsSync(path) ? readFileSync(path, "utf8") : null;
            if (cur !== text) {
                console.error(`STALE: ${name} differs from freshly generated output (${cur === null ? "missing" : "content differs"})`);
                stale = true;
            } else {
                console.log(`ok: ${name} is up to date (${text.length} bytes)`);
            }
        } else {
            writeFileSync(path, text);
            console.log(`wrote ${name} (${text.length} bytes)`);
        }
    }
    if (stale) {
        console.error(`Regenerate with: ${REGEN_COMMAND}`);
        process.exit(1);
    }
    process.exit(0);
}

main().catch((e) => {
    console.error(e && e.stack ? e.stack : e);
    process.exit(2);
});
