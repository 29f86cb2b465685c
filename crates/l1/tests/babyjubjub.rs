//! The Solidity `BabyJubjub` library (EdDSA-Poseidon on Baby Jubjub, EIP-2494) and the 6-input
//! circomlibjs Poseidon (`PoseidonT7`) against the Rust code in `tribunal-primitives`, on the
//! embedded chain. Every on-chain accept/reject must equal the Rust one.

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolInterface};
use tribunal_contracts::{
    poseidon::{PoseidonT6, PoseidonT7},
    test_fixtures::BabyJubjubHarness::{self, BabyJubjubHarnessErrors},
};
use tribunal_l1::{DevL1, L1, L1Error, L1Tx, dev_signers};
use tribunal_primitives::{
    Fr, PrivateKey, PublicKey, Signature,
    eip2494::{Point, Scalar, fr_to_scalar, pack_point, unpack_point},
    field::{fr_from_be_bytes, fr_to_be_bytes},
    poseidon::poseidon,
};

/// The BN254 scalar field modulus `r`.
const R: U256 = U256::from_limbs([
    0x43e1f593f0000001,
    0x2833e84879b97091,
    0xb85045b68181585d,
    0x30644e72e131a029,
]);

/// The order `l` of Baby Jubjub's prime-order subgroup.
const L: U256 = U256::from_limbs([
    0x677297dc392126f1,
    0xab3eedb83920ee0a,
    0x370a08b6d0302b0b,
    0x060c89ce5c263405,
]);

fn run(f: impl std::future::Future<Output = ()> + Send + 'static) {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f);
}

fn u(x: &Fr) -> U256 {
    U256::from_be_bytes(fr_to_be_bytes(x))
}

/// A deterministic field element: keccak of `(tag, i)`, reduced below 2^253 < r.
fn fr_at(tag: &str, i: u64) -> Fr {
    let mut b = keccak256([tag.as_bytes(), &i.to_be_bytes()].concat()).0;
    b[0] &= 0x1f;
    fr_from_be_bytes(&b).unwrap()
}

fn key_at(i: u64) -> PrivateKey {
    PrivateKey::from_bytes(keccak256([b"key".as_slice(), &i.to_be_bytes()].concat()).0)
}

/// The x hint Rust implies for a packed point: the x of `unpack_point`, else 0.
fn hint(packed: &[u8; 32]) -> U256 {
    unpack_point(packed).map_or(U256::ZERO, |p| u(&p.x))
}

/// A packed point whose `y` is `y` (any integer below 2^255) and whose sign bit is `sign`.
fn packed_y(y: U256, sign: bool) -> [u8; 32] {
    let mut b = y.to_le_bytes::<32>();
    if sign {
        b[31] |= 0x80;
    }
    b
}

/// The smallest `y >= start` for which no curve point exists.
fn y_without_point(start: u64) -> U256 {
    (start..)
        .map(U256::from)
        .find(|&y| unpack_point(&packed_y(y, false)).is_err())
        .expect("half of all y have no point")
}

async fn deploy(l1: &DevL1, init_code: &Bytes) -> Address {
    let receipt = l1.send(&dev_signers()[0], L1Tx::create(init_code.clone())).await.unwrap();
    receipt.contract_address.expect("a creation")
}

/// The embedded chain with the harness and both Poseidon contracts deployed.
struct Chain {
    l1: DevL1,
    harness: Address,
    poseidon5: Address,
    poseidon6: Address,
}

impl Chain {
    async fn new() -> Self {
        let l1 = DevL1::new();
        let harness = deploy(&l1, &BabyJubjubHarness::BYTECODE).await;
        let poseidon5 = deploy(&l1, &PoseidonT6::BYTECODE).await;
        let poseidon6 = deploy(&l1, &PoseidonT7::BYTECODE).await;
        Self { l1, harness, poseidon5, poseidon6 }
    }

    async fn call<C: SolCall>(&self, to: Address, call: C) -> Result<C::Return, L1Error> {
        let out = self.l1.call(Address::ZERO, to, call.abi_encode().into()).await?;
        Ok(C::abi_decode_returns(&out).expect("well-formed return data"))
    }

    async fn unpack(
        &self,
        packed: [u8; 32],
        x_hint: U256,
    ) -> Result<(bool, U256, U256, u64), L1Error> {
        let r = self
            .call(self.harness, BabyJubjubHarness::unpackCall::new((B256::from(packed), x_hint)))
            .await?;
        Ok((r.ok, r.x, r.y, r.gasUsed.to()))
    }

    /// Whether the whole on-chain check accepts, and the gas it used.
    async fn verify_message(&self, pk: &PublicKey, sig: &[u8; 64], msg: &Fr) -> (bool, u64) {
        let r8_hint = hint(sig[..32].try_into().unwrap());
        let r = self
            .call(
                self.harness,
                BabyJubjubHarness::verifyMessageCall::new((
                    self.poseidon5,
                    u(&pk.0.x),
                    u(&pk.0.y),
                    Bytes::copy_from_slice(sig),
                    r8_hint,
                    u(msg),
                )),
            )
            .await
            .expect("verifyMessage never reverts with Rust's hint");
        (r.ok, r.gasUsed.to())
    }
}

/// Rust's verdict on a packed signature.
fn rust_verdict(pk: &PublicKey, sig: &[u8; 64], msg: &Fr) -> bool {
    Signature::from_bytes(sig).and_then(|s| pk.verify(msg, &s)).is_ok()
}

/// `S` of a packed signature replaced by `f(S)` (little-endian, any 256-bit value).
fn with_s(sig: &[u8; 64], f: impl FnOnce(U256) -> U256) -> [u8; 64] {
    let mut out = *sig;
    let s = U256::from_le_slice(&sig[32..]);
    out[32..].copy_from_slice(&f(s).to_le_bytes::<32>());
    out
}

/// `R8` of a packed signature replaced.
fn with_r8(sig: &[u8; 64], r8: [u8; 32]) -> [u8; 64] {
    let mut out = *sig;
    out[..32].copy_from_slice(&r8);
    out
}

#[test]
fn poseidon_t7_matches_rust_for_six_inputs() {
    run(async {
        let c = Chain::new().await;
        let mut cases: Vec<Vec<Fr>> = vec![vec![Fr::from(0u64); 6], vec![-Fr::from(1u64); 6]];
        cases.push((1..=6u64).map(Fr::from).collect());
        cases.push(
            (0..6).map(|i| if i % 2 == 0 { Fr::from(0u64) } else { -Fr::from(1u64) }).collect(),
        );
        for k in 0..8 {
            cases.push((0..6).map(|i| fr_at("poseidon6", k * 6 + i)).collect());
        }
        let mut gas = (0, 0);
        for (k, x) in cases.iter().enumerate() {
            let want = u(&poseidon(x).unwrap());
            let words: [U256; 6] = x.iter().map(u).collect::<Vec<_>>().try_into().unwrap();
            let as_uint = c.call(c.poseidon6, PoseidonT7::poseidon_1Call::new((words,))).await;
            assert_eq!(as_uint.unwrap(), want, "poseidon(uint256[6]) case {k}");
            let as_bytes = words.map(|w| B256::from(w.to_be_bytes::<32>()));
            let as_bytes = c.call(c.poseidon6, PoseidonT7::poseidon_0Call::new((as_bytes,))).await;
            assert_eq!(
                U256::from_be_bytes(as_bytes.unwrap().0),
                want,
                "poseidon(bytes32[6]) case {k}"
            );
            let metered = c
                .call(c.harness, BabyJubjubHarness::poseidon6Call::new((c.poseidon6, words)))
                .await
                .unwrap();
            assert_eq!(metered.hash, want, "via the harness, case {k}");
            if k == 4 {
                let calldata = PoseidonT7::poseidon_1Call::new((words,)).abi_encode();
                let tx = c.l1.send(&dev_signers()[0], L1Tx::call(c.poseidon6, calldata)).await;
                gas = (metered.gasUsed.to::<u64>(), tx.unwrap().gas_used);
            }
        }
        eprintln!(
            "PoseidonT7 hash: {} gas as a call from a contract, {} gas as a transaction",
            gas.0, gas.1
        );
    });
}

#[test]
fn verify_message_matches_rust() {
    run(async {
        let c = Chain::new().await;
        let mut gas = Vec::new();
        let mut checked = 0;
        for i in 0..20u64 {
            let key = key_at(i);
            let pk = key.public_key();
            let other = key_at(i + 1000).public_key();
            let msg = match i {
                0 => Fr::from(0u64),
                1 => -Fr::from(1u64),
                _ => fr_at("msg", i),
            };
            let sig = key.sign(&msg).to_bytes();
            let r8 = unpack_point(sig[..32].try_into().unwrap()).unwrap();

            let mut flipped = sig;
            flipped[31] ^= 0x80;
            let no_point = packed_y(y_without_point(2 + i), i % 2 == 1);
            // A valid signature by A + (0, -1), a key outside the prime-order subgroup: same R8
            // (nonce r recovered from S = r + hm·s), challenge over the other key.
            let s8 = Scalar::from(8u64) * key.secret_scalar();
            let challenge =
                |a: &Point| fr_to_scalar(&poseidon(&[r8.x, r8.y, a.x, a.y, msg]).unwrap());
            let nonce = Signature::from_bytes(&sig).unwrap().s - challenge(&pk.0) * s8;
            let pk_t = PublicKey(torsion(&pk.0));
            let sig_t = Signature { r8, s: nonce + challenge(&pk_t.0) * s8 }.to_bytes();
            assert!(rust_verdict(&pk_t, &sig_t, &msg), "Rust accepts A + (0, -1)");

            let cases: Vec<(&str, PublicKey, [u8; 64], Fr)> = vec![
                ("valid, A + (0, -1)", pk_t, sig_t, msg),
                ("A + (0, -1), S of A", pk_t, sig, msg),
                ("valid", pk, sig, msg),
                ("tampered message", pk, sig, msg + Fr::from(1u64)),
                ("S + 1", pk, with_s(&sig, |s| s + U256::from(1)), msg),
                ("S - 1", pk, with_s(&sig, |s| (s + L - U256::from(1)) % L), msg),
                ("S + l", pk, with_s(&sig, |s| s + L), msg),
                ("S = l", pk, with_s(&sig, |_| L), msg),
                ("S = 2^256 - 1", pk, with_s(&sig, |_| U256::MAX), msg),
                ("other key", other, sig, msg),
                ("R8 sign bit flipped", pk, flipped, msg),
                ("R8 y + r", pk, with_r8(&sig, packed_y(u(&r8.y) + R, false)), msg),
                ("R8 y = r", pk, with_r8(&sig, packed_y(R, false)), msg),
                ("R8 y without point", pk, with_r8(&sig, no_point), msg),
                // (-x, -y) = P + (0, -1): on the curve, outside the prime-order subgroup.
                ("R8 + (0, -1)", pk, with_r8(&sig, pack_point(&torsion(&r8))), msg),
                (
                    "R8 of another message",
                    pk,
                    with_r8(&sig, key.sign(&(msg + msg)).to_bytes()[..32].try_into().unwrap()),
                    msg,
                ),
            ];
            for (what, pk, sig, msg) in cases {
                let want = rust_verdict(&pk, &sig, &msg);
                let (got, g) = c.verify_message(&pk, &sig, &msg).await;
                assert_eq!(got, want, "key {i}: {what}");
                if what == "valid" {
                    assert!(got, "key {i}: a valid signature must verify");
                    gas.push(g);
                }
                checked += 1;
            }

            // The library's verify on raw coordinates: A or R8 off the curve, or not canonical.
            let s = U256::from_le_slice(&sig[32..]);
            let hm = u(&poseidon(&[r8.x, r8.y, pk.0.x, pk.0.y, msg]).unwrap());
            let verify = |ax: U256, ay: U256, r8x: U256, r8y: U256, s: U256| {
                c.call(c.harness, BabyJubjubHarness::verifyCall::new((ax, ay, r8x, r8y, s, hm)))
            };
            let (ax, ay, rx, ry) = (u(&pk.0.x), u(&pk.0.y), u(&r8.x), u(&r8.y));
            assert!(verify(ax, ay, rx, ry, s).await.unwrap().ok, "key {i}: raw verify");
            assert!(!verify(ax, ay + U256::from(1), rx, ry, s).await.unwrap().ok, "A off curve");
            assert!(!verify(ax, ay, rx, ry + U256::from(1), s).await.unwrap().ok, "R8 off curve");
            assert!(!verify(ax + R, ay, rx, ry, s).await.unwrap().ok, "A.x + r");
            assert!(!verify(ax, ay, rx, ry + R, s).await.unwrap().ok, "R8.y + r");
            assert!(!verify(ax, ay, rx, ry, s + L).await.unwrap().ok, "S + l");
        }
        let max = gas.iter().max().unwrap();
        let mean = gas.iter().sum::<u64>() / gas.len() as u64;
        eprintln!(
            "verifyMessage (unpack R8 + PoseidonT6 challenge + verify): mean {mean} gas, max {max} gas over {} signatures ({checked} cases matched Rust)",
            gas.len()
        );
        let (pk, msg) = (key_at(0).public_key(), fr_at("msg", 7));
        let sig = key_at(0).sign(&msg);
        let hm = u(&poseidon(&[sig.r8.x, sig.r8.y, pk.0.x, pk.0.y, msg]).unwrap());
        let s = U256::from_le_slice(&sig.to_bytes()[32..]);
        let r = c
            .call(
                c.harness,
                BabyJubjubHarness::verifyCall::new((
                    u(&pk.0.x),
                    u(&pk.0.y),
                    u(&sig.r8.x),
                    u(&sig.r8.y),
                    s,
                    hm,
                )),
            )
            .await
            .unwrap();
        assert!(r.ok);
        eprintln!("BabyJubjub.verify alone: {} gas", r.gasUsed);
    });
}

/// `p + (0, -1)`, adding the point of order 2: `(-x, -y)`.
fn torsion(p: &Point) -> Point {
    Point::new_unchecked(-p.x, -p.y)
}

/// Points to pack and unpack: public keys, nonces, their negations, points outside the
/// prime-order subgroup (`(-x, -y)` is `P + (0, -1)`), and the two points with `x = 0`.
fn sample_points() -> Vec<Point> {
    let mut points = vec![
        Point::new_unchecked(Fr::from(0u64), Fr::from(1u64)),
        Point::new_unchecked(Fr::from(0u64), -Fr::from(1u64)),
    ];
    for i in 0..12u64 {
        let p = key_at(i).public_key().0;
        let r8 = key_at(i).sign(&fr_at("unpack", i)).r8;
        for q in [p, r8] {
            points.extend([q, -q, torsion(&q)]);
        }
    }
    points
}

#[test]
fn unpack_and_pack_match_rust() {
    run(async {
        let c = Chain::new().await;
        let mut gas_ok = Vec::new();
        for p in sample_points() {
            assert!(p.is_on_curve());
            let packed = pack_point(&p);
            let onchain = c
                .call(c.harness, BabyJubjubHarness::packCall::new((u(&p.x), u(&p.y))))
                .await
                .unwrap();
            assert_eq!(onchain.0, packed, "pack {p:?}");
            let (x, y) = (u(&p.x), u(&p.y));
            assert!(
                c.call(c.harness, BabyJubjubHarness::isOnCurveCall::new((x, y))).await.unwrap()
            );

            let back = unpack_point(&packed).expect("packed by pack_point");
            assert_eq!(back, p);
            let (ok, ux, uy, g) = c.unpack(packed, hint(&packed)).await.unwrap();
            assert_eq!((ok, ux, uy), (true, x, y), "unpack {p:?}");
            gas_ok.push(g);

            // Any other hint for a decompressible point reverts, never returns ok = false.
            let bad_hints = [U256::ZERO, (R - x) % R, x + R, x + U256::from(1), U256::MAX];
            for bad in bad_hints.into_iter().filter(|&h| h != x) {
                let err = c.unpack(packed, bad).await.expect_err("a wrong hint must revert");
                let data = err.revert_data().expect("a revert");
                assert_eq!(
                    BabyJubjubHarnessErrors::abi_decode(data).unwrap(),
                    BabyJubjubHarnessErrors::BabyJubjub_BadHint(
                        BabyJubjubHarness::BabyJubjub_BadHint {}
                    ),
                    "hint {bad} for {p:?}"
                );
            }
        }

        // Packings Rust rejects: each must give ok = false on chain, whatever the hint.
        let mut rejected: Vec<(&str, [u8; 32])> = vec![
            ("y = r", packed_y(R, false)),
            ("y = r + 1", packed_y(R + U256::from(1), false)),
            ("y = 2^255 - 1, sign", [0xff; 32]),
            ("y = 2^255 - 1", packed_y((U256::from(1) << 255) - U256::from(1), false)),
            ("y = 1, sign (x = 0)", packed_y(U256::from(1), true)),
            ("y = r - 1, sign (x = 0)", packed_y(R - U256::from(1), true)),
        ];
        let mut start = 2;
        for k in 0..8 {
            let y = y_without_point(start);
            start = y.to::<u64>() + 1;
            rejected.push(("y without point", packed_y(y, k % 2 == 1)));
        }
        let big_y = (0..)
            .map(|i| u(&fr_at("no point", i)))
            .find(|&y| unpack_point(&packed_y(y, false)).is_err());
        rejected.push(("large y without point", packed_y(big_y.unwrap(), true)));
        let mut gas_no_point = 0;
        for &(what, packed) in &rejected {
            assert!(unpack_point(&packed).is_err(), "{what}: Rust must reject");
            for h in [U256::ZERO, U256::from(1), R - U256::from(1), U256::MAX] {
                let (ok, x, y, g) = c.unpack(packed, h).await.unwrap();
                assert_eq!((ok, x, y), (false, U256::ZERO, U256::ZERO), "{what}, hint {h}");
                if what == "large y without point" {
                    gas_no_point = g;
                }
            }
        }

        // isPublicKey (what `Inbox.deposit` admits) agrees with `PublicKey::from_bytes` on every
        // packing above, valid or not, and on the whole 8-torsion, which both refuse.
        let torsion8 = tribunal_primitives::eip2494::low_order_points().map(|p| pack_point(&p));
        let samples = sample_points();
        let packings = samples
            .iter()
            .map(pack_point)
            .chain(rejected.iter().map(|(_, p)| *p))
            .chain(torsion8.iter().copied());
        let mut refused_low = 0;
        for packed in packings {
            let rust = PublicKey::from_bytes(&packed);
            let onchain = c
                .call(c.harness, BabyJubjubHarness::isPublicKeyCall::new((B256::from(packed),)))
                .await
                .unwrap();
            assert_eq!(onchain, rust.is_ok(), "isPublicKey {packed:?}: Rust says {rust:?}");
            refused_low +=
                usize::from(rust == Err(tribunal_primitives::error::PointError::LowOrder));
        }
        assert_eq!(refused_low, 8 + 2, "the 8-torsion, and (0, ±1) among the samples");

        // unpackSignature: R8 first, then S < l, and exactly 64 bytes.
        let sig = key_at(3).sign(&fr_at("sig", 3));
        let bytes = sig.to_bytes();
        let unpack_sig = |b: Vec<u8>, h: U256| {
            c.call(c.harness, BabyJubjubHarness::unpackSignatureCall::new((b.into(), h)))
        };
        let r8_hint = u(&sig.r8.x);
        let r = unpack_sig(bytes.to_vec(), r8_hint).await.unwrap();
        assert_eq!(
            (r.ok, r.r8x, r.r8y, r.s),
            (true, u(&sig.r8.x), u(&sig.r8.y), U256::from_le_slice(&bytes[32..]))
        );
        for b in [bytes[..63].to_vec(), [bytes.as_slice(), &[0]].concat(), Vec::new()] {
            assert!(!unpack_sig(b, r8_hint).await.unwrap().ok, "length");
        }
        assert!(!unpack_sig(with_s(&bytes, |_| L).to_vec(), r8_hint).await.unwrap().ok, "S = l");
        let l_minus_1 = with_s(&bytes, |_| L - U256::from(1));
        assert!(Signature::from_bytes(&l_minus_1).is_ok());
        assert!(unpack_sig(l_minus_1.to_vec(), r8_hint).await.unwrap().ok, "S = l - 1");

        let mean = gas_ok.iter().sum::<u64>() / gas_ok.len() as u64;
        eprintln!(
            "BabyJubjub.unpack: mean {mean} gas with the right hint, {gas_no_point} gas proving no point exists"
        );
    });
}
