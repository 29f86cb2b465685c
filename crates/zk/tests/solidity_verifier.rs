//! The Solidity verifier (`Groth16.sol`, `ZkVerifier.sol`) against arkworks' Groth16 on the
//! embedded L1: a tiny two-input circuit whose public inputs are Tribunal's `pi` for a real claim
//! and a real blob opening, every corruption refused with `false`, the gas of each part, and the
//! rendered standalone source compiled with solcjs and checked to verify alike.

use std::{path::PathBuf, process::Command};

use alloy_eips::eip4844::{Blob, env_settings::EnvKzgSettings, kzg_to_versioned_hash};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::{SolCall, SolConstructor, SolInterface};
use ark_bn254::{Bn254, G1Affine, G2Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{BigInteger, Field, PrimeField};
use ark_groth16::{Groth16, Proof, ProvingKey, VerifyingKey};
use ark_r1cs_std::{
    alloc::AllocVar,
    eq::EqGadget,
    fields::{FieldVar, fp::FpVar},
};
use ark_relations::{
    gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError},
    ns,
};
use ark_snark::SNARK;
use ark_std::{
    UniformRand,
    rand::{SeedableRng, rngs::StdRng},
};
use c_kzg::Bytes32;
use tribunal_contracts::{ZkVerifier, test_fixtures::Groth16Harness};
use tribunal_l1::{DevL1, L1, L1Tx, dev_signers};
use tribunal_primitives::{
    BatchNumber, ChainId, Claim, DataCommitment, Fr, QueueAcc, StateRoot, WithdrawalRoot,
};
use tribunal_zk::{
    public::{PUBLIC_INPUTS, challenge_point, claim_digest, public_inputs},
    verifier::{
        PROOF_BYTES, deploy_code, encode_proof, groth16_words, render_solidity, verifying_key_hash,
        verifying_key_words,
    },
};

/// The issue's target for the Groth16 part of a verification, in gas.
const GROTH16_GAS_TARGET: u64 = 230_000;

fn run(f: impl std::future::Future<Output = ()> + Send + 'static) {
    tribunal_l1::block_on_blob_threads(f).unwrap();
}

/// A tiny circuit: the prover knows `a`, `b` with `a·b = x_0`, and the public inputs are
/// `x_0 = a·b`, then (for `extra` ≥ 1) `a + b`, then `extra - 1` zeros.
#[derive(Clone)]
struct Factors {
    a: Option<Fr>,
    b: Option<Fr>,
    extra: usize,
}

impl Factors {
    fn inputs(a: Fr, b: Fr, extra: usize) -> Vec<Fr> {
        let mut x = vec![a * b];
        if extra >= 1 {
            x.push(a + b);
            x.extend(std::iter::repeat_n(Fr::from(0u8), extra - 1));
        }
        x
    }
}

impl ConstraintSynthesizer<Fr> for Factors {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let value = |x: Option<Fr>| x.ok_or(SynthesisError::AssignmentMissing);
        let product = FpVar::new_input(ns!(cs, "product"), || Ok(value(self.a)? * value(self.b)?))?;
        let a = FpVar::new_witness(ns!(cs, "a"), || value(self.a))?;
        let b = FpVar::new_witness(ns!(cs, "b"), || value(self.b))?;
        (&a * &b).enforce_equal(&product)?;
        if self.extra >= 1 {
            let sum = FpVar::new_input(ns!(cs, "sum"), || Ok(value(self.a)? + value(self.b)?))?;
            (&a + &b).enforce_equal(&sum)?;
            for _ in 1..self.extra {
                let zero = FpVar::new_input(ns!(cs, "zero"), || Ok(Fr::from(0u8)))?;
                zero.enforce_equal(&FpVar::zero())?;
            }
        }
        Ok(())
    }
}

fn setup(extra: usize, seed: u64) -> (ProvingKey<Bn254>, VerifyingKey<Bn254>) {
    let mut rng = StdRng::seed_from_u64(seed);
    Groth16::<Bn254>::circuit_specific_setup(Factors { a: None, b: None, extra }, &mut rng).unwrap()
}

/// A proof whose first public input is `x0`: `a` random, `b = x0 / a`.
fn prove_product(
    pk: &ProvingKey<Bn254>,
    x0: Fr,
    extra: usize,
    seed: u64,
) -> (Proof<Bn254>, Vec<Fr>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let a = Fr::rand(&mut rng);
    let b = x0 / a;
    let proof =
        Groth16::<Bn254>::prove(pk, Factors { a: Some(a), b: Some(b), extra }, &mut rng).unwrap();
    (proof, Factors::inputs(a, b, extra))
}

/// A tiny circuit with Tribunal's two public inputs: `x_0 = a·b`, and `x_1`, free.
#[derive(Clone)]
struct Pair {
    a: Option<Fr>,
    b: Option<Fr>,
    x1: Option<Fr>,
}

impl ConstraintSynthesizer<Fr> for Pair {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let value = |x: Option<Fr>| x.ok_or(SynthesisError::AssignmentMissing);
        let product = FpVar::new_input(ns!(cs, "product"), || Ok(value(self.a)? * value(self.b)?))?;
        let x1 = FpVar::new_input(ns!(cs, "x1"), || value(self.x1))?;
        let a = FpVar::new_witness(ns!(cs, "a"), || value(self.a))?;
        let b = FpVar::new_witness(ns!(cs, "b"), || value(self.b))?;
        let w = FpVar::new_witness(ns!(cs, "w"), || value(self.x1))?;
        (&a * &b).enforce_equal(&product)?;
        w.enforce_equal(&x1)
    }
}

fn setup_pair(seed: u64) -> (ProvingKey<Bn254>, VerifyingKey<Bn254>) {
    let mut rng = StdRng::seed_from_u64(seed);
    Groth16::<Bn254>::circuit_specific_setup(Pair { a: None, b: None, x1: None }, &mut rng).unwrap()
}

/// A proof of `Pair` for public inputs `x`.
fn prove_pair(pk: &ProvingKey<Bn254>, x: [Fr; PUBLIC_INPUTS], seed: u64) -> Proof<Bn254> {
    let mut rng = StdRng::seed_from_u64(seed);
    let a = Fr::rand(&mut rng);
    let circuit = Pair { a: Some(a), b: Some(x[0] / a), x1: Some(x[1]) };
    Groth16::<Bn254>::prove(pk, circuit, &mut rng).unwrap()
}

/// A claim, its one blob's opening, and a Groth16 proof of its public inputs.
struct Fixture {
    vk: VerifyingKey<Bn254>,
    pk: ProvingKey<Bn254>,
    claim: Claim,
    versioned_hash: B256,
    y: [u8; 32],
    commitment: [u8; 48],
    kzg_proof: [u8; 48],
    proof: Proof<Bn254>,
    pi: [Fr; PUBLIC_INPUTS],
}

fn blob() -> Blob {
    let payload: Vec<u8> =
        (0..40_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    tribunal_da::encode_blobs(&payload).unwrap().remove(0)
}

/// The KZG commitment of `blob` and its opening `(proof, y)` at `z` (c-kzg, mainnet setup).
fn open(blob: &Blob, z: [u8; 32]) -> ([u8; 48], [u8; 48], [u8; 32]) {
    let settings = EnvKzgSettings::Default.get();
    let blob = c_kzg::Blob::new(blob.0);
    let commitment = settings.blob_to_kzg_commitment(&blob).unwrap().to_bytes();
    let (proof, y) = settings.compute_kzg_proof(&blob, &Bytes32::new(z)).unwrap();
    (*commitment, *proof.to_bytes(), *y)
}

fn claim() -> Claim {
    let f = |x: u64| Fr::from(x) * Fr::from(0x1234_5678_9abc_def1u64).square();
    Claim {
        chain_id: ChainId(901),
        batch_number: BatchNumber(7),
        parent_root: StateRoot(f(1)),
        post_root: StateRoot(f(2)),
        withdrawal_root: WithdrawalRoot(f(3)),
        data_commitment: DataCommitment(f(4)),
        blobs_hash: B256::ZERO,
        queue_before: QueueAcc(f(5)),
        queue_after: QueueAcc(f(6)),
    }
}

fn fixture() -> Fixture {
    let (pk, vk) = setup_pair(1);
    let blob = blob();
    let (commitment, _, _) = open(&blob, [0; 32]);
    let versioned_hash = kzg_to_versioned_hash(&commitment);
    let mut claim = claim();
    claim.blobs_hash = keccak256(versioned_hash);
    let d = claim_digest(&claim, &versioned_hash, false);
    let (commitment, kzg_proof, y) = open(&blob, challenge_point(&d));
    let pi = public_inputs(&d, &y);
    let proof = prove_pair(&pk, pi, 2);
    Fixture { vk, pk, claim, versioned_hash, y, commitment, kzg_proof, proof, pi }
}

impl Fixture {
    fn bytes(&self) -> Bytes {
        encode_proof(&self.proof, self.versioned_hash, self.y, self.commitment, self.kzg_proof)
    }
}

fn sol_claim(c: &Claim) -> ZkVerifier::Claim {
    let s = c.to_sol();
    ZkVerifier::Claim {
        l2ChainId: s.l2ChainId,
        batchNumber: s.batchNumber,
        parentRoot: s.parentRoot,
        postRoot: s.postRoot,
        withdrawalRoot: s.withdrawalRoot,
        dataCommitment: s.dataCommitment,
        blobsHash: s.blobsHash,
        queueBefore: s.queueBefore,
        queueAfter: s.queueAfter,
    }
}

fn verify_call(claim: &Claim, proof: &Bytes) -> Vec<u8> {
    verify_call_with(claim, false, proof)
}

fn verify_call_with(claim: &Claim, non_canonical: bool, proof: &Bytes) -> Vec<u8> {
    let call = ZkVerifier::verifyCall {
        _claim: sol_claim(claim),
        _nonCanonical: non_canonical,
        _proof: proof.clone(),
    };
    call.abi_encode()
}

async fn deploy(l1: &DevL1, code: Bytes) -> Address {
    l1.send(&dev_signers()[0], L1Tx::create(code)).await.unwrap().contract_address.unwrap()
}

/// `verify` on chain; panics if it reverts (it never may).
async fn verify(l1: &DevL1, verifier: Address, claim: &Claim, proof: &Bytes) -> bool {
    verify_with(l1, verifier, claim, false, proof).await
}

/// `verify` with the `Inbox.nonCanonical` flag as given.
async fn verify_with(
    l1: &DevL1,
    verifier: Address,
    claim: &Claim,
    non_canonical: bool,
    proof: &Bytes,
) -> bool {
    let out = l1
        .call(Address::ZERO, verifier, verify_call_with(claim, non_canonical, proof).into())
        .await
        .unwrap_or_else(|e| panic!("verify reverted: {e}"));
    ZkVerifier::verifyCall::abi_decode_returns(&out).unwrap()
}

fn word(x: &Fr) -> U256 {
    U256::from_be_slice(&x.into_bigint().to_bytes_be())
}

#[test]
fn honest_proof_verifies_on_chain_and_in_arkworks() {
    run(async {
        let fx = fixture();
        assert!(Groth16::<Bn254>::verify(&fx.vk, &fx.pi, &fx.proof).unwrap());
        let l1 = DevL1::new();
        let verifier = deploy(&l1, deploy_code(&fx.vk, true).unwrap()).await;
        let proof = fx.bytes();
        assert_eq!(proof.len(), PROOF_BYTES);
        assert!(verify(&l1, verifier, &fx.claim, &proof).await);

        // Gas: the whole `verify` call (metered by a harness around the CALL), the Groth16 part
        // alone (metered inside the library call), and a transaction calling `verify`.
        let harness = deploy(&l1, Groth16Harness::BYTECODE.clone()).await;
        let out = l1
            .call(
                Address::ZERO,
                harness,
                Groth16Harness::measureCall {
                    _target: verifier,
                    _data: verify_call(&fx.claim, &proof).into(),
                }
                .abi_encode()
                .into(),
            )
            .await
            .unwrap();
        let measured = Groth16Harness::measureCall::abi_decode_returns(&out).unwrap();
        assert!(measured.success);
        assert!(ZkVerifier::verifyCall::abi_decode_returns(&measured.result).unwrap());
        let (ok, groth16_gas) = harness_verify(&l1, harness, &fx.vk, &fx.proof, &fx.pi).await;
        assert!(ok);
        let tx = l1
            .send(&dev_signers()[0], L1Tx::call(verifier, verify_call(&fx.claim, &proof)))
            .await
            .unwrap();
        eprintln!("ZkVerifier.verify call: {} gas (CALL included)", measured.gasUsed);
        eprintln!("  of which Groth16.verify (2 public inputs): {groth16_gas} gas");
        eprintln!(
            "ZkVerifier.verify transaction: {} gas (21,000 and calldata included)",
            tx.gas_used
        );
        assert!(groth16_gas.to::<u64>() <= GROTH16_GAS_TARGET, "Groth16 part: {groth16_gas} gas");
    });
}

/// `Groth16Harness.verify` with a key of any size: (result, gas inside the library).
async fn harness_verify(
    l1: &DevL1,
    harness: Address,
    vk: &VerifyingKey<Bn254>,
    proof: &Proof<Bn254>,
    inputs: &[Fr],
) -> (bool, U256) {
    harness_verify_words(l1, harness, vk, groth16_words(proof), inputs.iter().map(word).collect())
        .await
}

async fn harness_verify_words(
    l1: &DevL1,
    harness: Address,
    vk: &VerifyingKey<Bn254>,
    proof: [U256; 8],
    inputs: Vec<U256>,
) -> (bool, U256) {
    let (key, ic) = harness_key(vk);
    let call = Groth16Harness::verifyCall { _key: key, _ic: ic, _proof: proof, _input: inputs };
    let out = l1
        .call(Address::ZERO, harness, call.abi_encode().into())
        .await
        .unwrap_or_else(|e| panic!("Groth16.verify reverted: {e}"));
    let r = Groth16Harness::verifyCall::abi_decode_returns(&out).unwrap();
    (r.ok, r.gasUsed)
}

/// A key of any input count as the harness takes it: 14 words, and the IC points flattened.
fn harness_key(vk: &VerifyingKey<Bn254>) -> ([U256; 14], Vec<U256>) {
    // Reuse the rollup key's encoding for alpha..delta by encoding a copy with its IC count.
    let mut ours = vk.clone();
    ours.gamma_abc_g1 = vec![G1Affine::zero(); PUBLIC_INPUTS + 1];
    let words = verifying_key_words(&ours).unwrap();
    let key: [U256; 14] = words[..14].try_into().unwrap();
    let ic = vk
        .gamma_abc_g1
        .iter()
        .flat_map(|p| {
            p.xy().map_or([U256::ZERO; 2], |(x, y)| {
                [U256::from_limbs(x.into_bigint().0), U256::from_limbs(y.into_bigint().0)]
            })
        })
        .collect();
    (key, ic)
}

#[test]
fn every_corruption_returns_false() {
    run(async {
        let fx = fixture();
        let l1 = DevL1::new();
        let verifier = deploy(&l1, deploy_code(&fx.vk, true).unwrap()).await;
        let good = fx.bytes();
        let flip_bits = |byte: usize, mask: u8| {
            let mut p = good.to_vec();
            p[byte] ^= mask;
            Bytes::from(p)
        };
        let flip = |byte: usize| flip_bits(byte, 1);
        let with_words = |words: [U256; 8]| {
            let mut p = good.to_vec();
            for (i, w) in words.iter().enumerate() {
                p[32 * i..32 * i + 32].copy_from_slice(&w.to_be_bytes::<32>());
            }
            Bytes::from(p)
        };
        let moved = |f: &dyn Fn(&mut Proof<Bn254>)| {
            let mut p = fx.proof.clone();
            f(&mut p);
            with_words(groth16_words(&p))
        };

        let mut cases: Vec<(&str, Claim, Bytes)> = vec![
            ("bit flipped in A", fx.claim, flip(31)),
            ("bit flipped in B", fx.claim, flip(64 + 31)),
            ("bit flipped in C", fx.claim, flip(192 + 31)),
            (
                "A moved along the curve",
                fx.claim,
                moved(&|p| p.a = (p.a + G1Affine::generator()).into_affine()),
            ),
            (
                "B moved along the curve",
                fx.claim,
                moved(&|p| p.b = (p.b + G2Affine::generator()).into_affine()),
            ),
            (
                "C moved along the curve",
                fx.claim,
                moved(&|p| p.c = (p.c + G1Affine::generator()).into_affine()),
            ),
            ("A negated", fx.claim, moved(&|p| p.a = -p.a)),
            ("truncated to 415 bytes", fx.claim, Bytes::from(good[..PROOF_BYTES - 1].to_vec())),
            ("417 bytes", fx.claim, [good.as_ref(), &[0]].concat().into()),
            ("empty", fx.claim, Bytes::new()),
            ("wrong y", fx.claim, flip(288 + 31)),
            // Bits 253 and 254 of y ride in the first input, beside z.
            ("y's bit 253 flipped", fx.claim, flip_bits(288, 0x20)),
            ("y's bit 254 flipped", fx.claim, flip_bits(288, 0x40)),
            ("y's bit 255 set", fx.claim, flip_bits(288, 0x80)),
            ("wrong versioned hash", fx.claim, flip(256 + 31)),
            ("wrong KZG commitment", fx.claim, flip(320 + 47)),
            ("wrong KZG proof", fx.claim, flip(368 + 47)),
        ];
        // A-coordinate not canonical: x + p encodes the same field element.
        let mut words = groth16_words(&fx.proof);
        words[0] += U256::from_be_slice(&ark_bn254::Fq::MODULUS.to_bytes_be());
        cases.push(("A.x not below p", fx.claim, with_words(words)));
        // Claims the proof is not about.
        let mut other = fx.claim;
        other.post_root = StateRoot(fx.claim.post_root.0 + Fr::from(1u8));
        cases.push(("another postRoot", other, good.clone()));
        let mut other = fx.claim;
        other.batch_number = BatchNumber(8);
        cases.push(("another batch number", other, good.clone()));
        let mut other = fx.claim;
        (other.queue_before, other.queue_after) = (fx.claim.queue_after, fx.claim.queue_before);
        cases.push(("queue accumulators swapped", other, good.clone()));
        let mut other = fx.claim;
        other.blobs_hash = keccak256([fx.versioned_hash.as_slice(), &[0u8; 32]].concat());
        cases.push(("blobsHash of two blobs", other, good.clone()));

        for (name, claim, proof) in &cases {
            assert!(!verify(&l1, verifier, claim, proof).await, "{name} verified");
        }
        // The flag is bound: a canonical batch's proof is not one of "no records" (which would
        // skip the blob opening), and the opening is still checked without the flag.
        assert!(!verify_with(&l1, verifier, &fx.claim, true, &good).await, "flag not bound");

        // Arkworks agrees where the corruption is a valid public input or point.
        let d = claim_digest(&other_post_root(&fx), &fx.versioned_hash, false);
        assert!(!Groth16::<Bn254>::verify(&fx.vk, &public_inputs(&d, &fx.y), &fx.proof).unwrap());
        let mut a_moved = fx.proof.clone();
        a_moved.a = (a_moved.a + G1Affine::generator()).into_affine();
        assert!(!Groth16::<Bn254>::verify(&fx.vk, &fx.pi, &a_moved).unwrap());
    });
}

fn other_post_root(fx: &Fixture) -> Claim {
    let mut c = fx.claim;
    c.post_root = StateRoot(fx.claim.post_root.0 + Fr::from(1u8));
    c
}

/// With the non-canonical flag the verifier skips the blob opening, so the Groth16 proof alone
/// binds `y`: a proof of the flagged claim verifies with its own `y` and with no other, whichever
/// of `y`'s bits moves (bits 253 and 254 ride in the first input, beside `z`).
#[test]
fn without_the_blob_opening_the_proof_alone_binds_every_bit_of_y() {
    run(async {
        let fx = fixture();
        let l1 = DevL1::new();
        let verifier = deploy(&l1, deploy_code(&fx.vk, true).unwrap()).await;
        let d = claim_digest(&fx.claim, &fx.versioned_hash, true);
        let proof = prove_pair(&fx.pk, public_inputs(&d, &fx.y), 5);
        let bytes =
            |y: [u8; 32]| encode_proof(&proof, fx.versioned_hash, y, fx.commitment, fx.kzg_proof);
        let (l1, claim) = (&l1, &fx.claim);
        let flagged = |y: [u8; 32]| {
            let proof = bytes(y);
            async move { verify_with(l1, verifier, claim, true, &proof).await }
        };
        assert!(flagged(fx.y).await, "the flagged claim's own proof");
        for bit in [0, 1, 127, 128, 250, 251, 252, 253, 254, 255] {
            let mut y = fx.y;
            y[31 - bit / 8] ^= 1 << (bit % 8);
            assert!(!flagged(y).await, "y with bit {bit} flipped");
        }
        // Without the flag the same proof is of another digest.
        assert!(!verify(l1, verifier, claim, &bytes(fx.y)).await);
    });
}

/// A Groth16 proof that is valid for its public inputs is not enough: the blob opening must hold.
#[test]
fn a_valid_groth16_proof_for_a_wrong_blob_value_returns_false() {
    run(async {
        let fx = fixture();
        let l1 = DevL1::new();
        let verifier = deploy(&l1, deploy_code(&fx.vk, true).unwrap()).await;
        let d = claim_digest(&fx.claim, &fx.versioned_hash, false);

        // y' ≠ p(z), with a Groth16 proof of pi(d, y'): the point evaluation refuses it.
        let mut y = fx.y;
        y[31] ^= 1;
        let proof = prove_pair(&fx.pk, public_inputs(&d, &y), 3);
        assert!(Groth16::<Bn254>::verify(&fx.vk, &public_inputs(&d, &y), &proof).unwrap());
        let bytes = encode_proof(&proof, fx.versioned_hash, y, fx.commitment, fx.kzg_proof);
        assert!(!verify(&l1, verifier, &fx.claim, &bytes).await);

        // The opening at another point (a true p(z'), its proof) does not open at z.
        let mut z = challenge_point(&d);
        z[31] ^= 1;
        let (_, kzg_proof, y) = open(&blob(), z);
        let proof = prove_pair(&fx.pk, public_inputs(&d, &y), 4);
        let bytes = encode_proof(&proof, fx.versioned_hash, y, fx.commitment, kzg_proof);
        assert!(!verify(&l1, verifier, &fx.claim, &bytes).await);

        // And the honest bytes still verify.
        assert!(verify(&l1, verifier, &fx.claim, &fx.bytes()).await);
    });
}

#[test]
fn public_inputs_match_the_rust_definition() {
    run(async {
        let l1 = DevL1::new();
        let fx = fixture();
        let verifier = deploy(&l1, deploy_code(&fx.vk, false).unwrap()).await;
        let call = |claim: &Claim, vh: B256, y: [u8; 32], non_canonical: bool| {
            let call = ZkVerifier::publicInputsCall {
                _claim: sol_claim(claim),
                _versionedHash: vh,
                _y: y.into(),
                _nonCanonical: non_canonical,
            };
            let l1 = &l1;
            async move {
                let out = l1.call(Address::ZERO, verifier, call.abi_encode().into()).await.unwrap();
                ZkVerifier::publicInputsCall::abi_decode_returns(&out).unwrap()
            }
        };
        for i in 0..6u64 {
            let mut claim = claim();
            claim.chain_id = ChainId(u64::MAX - i);
            claim.batch_number = BatchNumber(i << 40 | 3);
            claim.post_root = StateRoot(-Fr::from(i + 1));
            let vh = keccak256(i.to_be_bytes());
            // Every BLS12-381 scalar is below 2^255; bits 253 and 254 take each value here.
            let mut y = keccak256(vh).0;
            y[0] = (y[0] & 0x1f) | ((i as u8 % 4) << 5);
            let non_canonical = i % 2 == 1;
            let r = call(&claim, vh, y, non_canonical).await;
            let d = claim_digest(&claim, &vh, non_canonical);
            assert_eq!(r.digest, B256::from(d));
            assert_eq!(r.challengePoint, B256::from(challenge_point(&d)));
            let expected: Vec<U256> = public_inputs(&d, &y).iter().map(word).collect();
            assert_eq!(r.inputs, expected);
        }
        // A y with bit 255 set is no BLS12-381 scalar: its first input is 2^253 or more, which
        // no Groth16 proof verifies (and the point-evaluation precompile refuses the y).
        let r = call(&claim(), B256::ZERO, [0xff; 32], false).await;
        assert!(r.inputs[0] >= U256::from(1) << 253);
    });
}

#[test]
fn key_hash_key_words_and_dev_flag_are_exposed() {
    run(async {
        let l1 = DevL1::new();
        let fx = fixture();
        let words = verifying_key_words(&fx.vk).unwrap();
        for insecure in [true, false] {
            let verifier = deploy(&l1, deploy_code(&fx.vk, insecure).unwrap()).await;
            let call = |data: Vec<u8>| l1.call(Address::ZERO, verifier, data.into());
            let out = call(ZkVerifier::VERIFYING_KEY_HASHCall {}.abi_encode()).await.unwrap();
            let hash = ZkVerifier::VERIFYING_KEY_HASHCall::abi_decode_returns(&out).unwrap();
            assert_eq!(hash, verifying_key_hash(&words));
            let out = call(ZkVerifier::INSECURE_DEV_SETUPCall {}.abi_encode()).await.unwrap();
            assert_eq!(
                ZkVerifier::INSECURE_DEV_SETUPCall::abi_decode_returns(&out).unwrap(),
                insecure
            );
            let out = call(ZkVerifier::verifyingKeyCall {}.abi_encode()).await.unwrap();
            assert_eq!(ZkVerifier::verifyingKeyCall::abi_decode_returns(&out).unwrap(), words);
        }
    });
}

#[test]
fn a_malformed_key_is_refused_at_deployment() {
    run(async {
        let l1 = DevL1::new();
        let fx = fixture();
        let words = verifying_key_words(&fx.vk).unwrap();
        let p = U256::from_be_slice(&ark_bn254::Fq::MODULUS.to_bytes_be());
        // alpha off the curve, beta off the twist, IC1.x not canonical.
        for (i, bad) in
            [(1, words[1] ^ U256::from(1)), (5, words[5] ^ U256::from(1)), (16, words[16] + p)]
        {
            let mut w = words;
            w[i] = bad;
            let args = ZkVerifier::constructorCall { _verifyingKey: w, _insecureDevSetup: true };
            let code = [ZkVerifier::BYTECODE.as_ref(), &args.abi_encode()].concat();
            let err = l1.send(&dev_signers()[0], L1Tx::create(code)).await.unwrap_err();
            let data = err.revert_data().unwrap_or_else(|| panic!("expected a revert, got {err}"));
            let decoded = ZkVerifier::ZkVerifierErrors::abi_decode(data).unwrap();
            let ZkVerifier::ZkVerifierErrors::ZkVerifier_InvalidVerifyingKey(e) = decoded;
            assert_eq!(e.keyHash, verifying_key_hash(&w), "word {i}");
        }
    });
}

/// The library alone, through the harness: any number of public inputs, inputs not below r,
/// input counts that do not match the key, and the curve checks.
#[test]
fn groth16_library_takes_any_key_and_refuses_bad_inputs() {
    run(async {
        let l1 = DevL1::new();
        let harness = deploy(&l1, Groth16Harness::BYTECODE.clone()).await;
        let r = U256::from_be_slice(&Fr::MODULUS.to_bytes_be());

        // Three public inputs, the last one zero (its ecMul is skipped).
        let (pk, vk) = setup(2, 5);
        let x0 = Fr::from(0xdead_beefu64);
        let (proof, inputs) = prove_product(&pk, x0, 2, 6);
        assert_eq!(inputs.len(), 3);
        assert!(Groth16::<Bn254>::verify(&vk, &inputs, &proof).unwrap());
        let (ok, gas) = harness_verify(&l1, harness, &vk, &proof, &inputs).await;
        assert!(ok);
        eprintln!("Groth16.verify, 3 public inputs (one zero): {gas} gas");

        let words = |x: &[Fr]| x.iter().map(word).collect::<Vec<_>>();
        let proof_words = groth16_words(&proof);
        let check = |inputs: Vec<U256>, proof: [U256; 8], expect: bool, what: &'static str| {
            let l1 = &l1;
            let vk = &vk;
            async move {
                let (ok, _) = harness_verify_words(l1, harness, vk, proof, inputs).await;
                assert_eq!(ok, expect, "{what}");
            }
        };
        check(words(&inputs), proof_words, true, "honest").await;
        // x + r is the same scalar mod r, and must still be refused.
        let mut shifted = words(&inputs);
        shifted[0] += r;
        check(shifted, proof_words, false, "input + r").await;
        let mut at_r = words(&inputs);
        at_r[2] = r;
        check(at_r, proof_words, false, "input = r").await;
        let mut at_max = words(&inputs);
        at_max[1] = U256::MAX;
        check(at_max, proof_words, false, "input = 2^256 - 1").await;
        check(words(&inputs[..2]), proof_words, false, "too few inputs").await;
        let mut more = words(&inputs);
        more.push(U256::ZERO);
        check(more, proof_words, false, "too many inputs").await;
        let mut wrong = words(&inputs);
        wrong[1] += U256::from(1);
        check(wrong, proof_words, false, "another input").await;
        let mut infinity_b = proof_words;
        infinity_b[2..6].fill(U256::ZERO);
        check(words(&inputs), infinity_b, false, "B at infinity").await;
        let mut swapped = proof_words;
        swapped.swap(2, 3); // B.x with its coefficients in arkworks' (re, im) order.
        check(words(&inputs), swapped, false, "B.x coefficients swapped").await;

        // The curve checks.
        let g2 = groth16_words(&Proof {
            a: G1Affine::generator(),
            b: G2Affine::generator(),
            c: G1Affine::zero(),
        });
        let on_g1 = |p: [U256; 2]| {
            let l1 = &l1;
            async move {
                let call = Groth16Harness::isOnCurveG1Call { _p: p };
                let out = l1.call(Address::ZERO, harness, call.abi_encode().into()).await.unwrap();
                Groth16Harness::isOnCurveG1Call::abi_decode_returns(&out).unwrap()
            }
        };
        let on_g2 = |p: [U256; 4]| {
            let l1 = &l1;
            async move {
                let call = Groth16Harness::isOnCurveG2Call { _p: p };
                let out = l1.call(Address::ZERO, harness, call.abi_encode().into()).await.unwrap();
                Groth16Harness::isOnCurveG2Call::abi_decode_returns(&out).unwrap()
            }
        };
        let p = U256::from_be_slice(&ark_bn254::Fq::MODULUS.to_bytes_be());
        assert!(on_g1([g2[0], g2[1]]).await);
        assert!(on_g1([U256::ZERO; 2]).await);
        assert!(!on_g1([g2[0], g2[1] + U256::from(1)]).await);
        assert!(!on_g1([g2[0] + p, g2[1]]).await);
        assert!(on_g2([g2[2], g2[3], g2[4], g2[5]]).await);
        assert!(on_g2([U256::ZERO; 4]).await);
        assert!(!on_g2([g2[3], g2[2], g2[5], g2[4]]).await);
        assert!(!on_g2([g2[2], g2[3] + p, g2[4], g2[5]]).await);
        let random = (G2Affine::generator() * Fr::from(12345u64)).into_affine();
        let w = groth16_words(&Proof { a: G1Affine::zero(), b: random, c: G1Affine::zero() });
        assert!(on_g2([w[2], w[3], w[4], w[5]]).await);
    });
}

/// `crates/contracts`, where `node_modules/solc` and the Solidity sources are.
fn contracts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../contracts")
}

/// Compiles `source` (which imports from `crates/contracts/src`) with the pinned solcjs and the
/// artifacts' settings; `None` when node or solc is missing.
fn compile_with_solcjs(source: &str, contract: &str) -> Option<Bytes> {
    let dir = contracts_dir();
    let solc = dir.join("node_modules/solc");
    if !solc.exists() {
        eprintln!(
            "SKIPPED: {} is missing (run: cd crates/contracts && npm install)",
            solc.display()
        );
        return None;
    }
    const SCRIPT: &str = r#"
const [solcPath, srcDir, contract] = process.argv.slice(1);
const solc = require(solcPath);
const fs = require("fs");
const path = require("path");
const source = fs.readFileSync(0, "utf8");
const input = {
    language: "Solidity",
    sources: { "Rendered.sol": { content: source } },
    settings: {
        evmVersion: "osaka",
        optimizer: { enabled: true, runs: 200 },
        outputSelection: { "*": { "*": ["evm.bytecode.object"] } },
    },
};
const findImport = (p) => {
    const full = path.join(srcDir, p);
    return fs.existsSync(full) ? { contents: fs.readFileSync(full, "utf8") } : { error: "not found: " + p };
};
const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
const errors = (out.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
    for (const e of errors) console.error(e.formattedMessage);
    process.exit(1);
}
process.stdout.write(out.contracts["Rendered.sol"][contract].evm.bytecode.object);
"#;
    use std::io::Write;
    let child = Command::new("node")
        .arg("-e")
        .arg(SCRIPT)
        .arg(&solc)
        .arg(dir.join("src"))
        .arg(contract)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("SKIPPED: cannot run node: {e}");
            return None;
        }
    };
    child.stdin.take().unwrap().write_all(source.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "solcjs failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let hex = String::from_utf8(out.stdout).unwrap();
    Some(alloy_primitives::hex::decode(hex.trim()).unwrap().into())
}

#[test]
fn rendered_source_compiles_and_verifies_like_the_template() {
    run(async move {
        let fx = fixture();
        let source = render_solidity(&fx.vk, "TribunalZkVerifierDev").unwrap();
        let Some(init) = compile_with_solcjs(&source, "TribunalZkVerifierDev") else {
            return;
        };
        let l1 = DevL1::new();
        // The rendered constructor takes only the dev-setup flag.
        let args = alloy_sol_types::SolValue::abi_encode(&true);
        let rendered = deploy(&l1, [init.as_ref(), &args].concat().into()).await;
        let template = deploy(&l1, deploy_code(&fx.vk, true).unwrap()).await;
        let good = fx.bytes();
        let mut bad = good.to_vec();
        bad[192 + 31] ^= 1;
        let bad = Bytes::from(bad);
        let other = other_post_root(&fx);
        for (claim, proof, expect) in
            [(&fx.claim, &good, true), (&fx.claim, &bad, false), (&other, &good, false)]
        {
            assert_eq!(verify(&l1, rendered, claim, proof).await, expect);
            assert_eq!(verify(&l1, template, claim, proof).await, expect);
        }
        for contract in [rendered, template] {
            let out = l1
                .call(
                    Address::ZERO,
                    contract,
                    ZkVerifier::VERIFYING_KEY_HASHCall {}.abi_encode().into(),
                )
                .await
                .unwrap();
            let hash = ZkVerifier::VERIFYING_KEY_HASHCall::abi_decode_returns(&out).unwrap();
            assert_eq!(hash, verifying_key_hash(&verifying_key_words(&fx.vk).unwrap()));
        }
    });
}

/// `ZkVerifierSet`: the first byte picks the member, every other member or index answers false,
/// and a set without members or with a member without code is refused at deployment.
#[test]
fn a_verifier_set_routes_by_member_and_refuses_every_other_choice() {
    use tribunal_contracts::ZkVerifierSet;
    use tribunal_zk::sizes::encode_set_proof;
    run(async {
        let fx = fixture();
        let l1 = DevL1::new();
        // Member 0: another circuit's key; member 1: the key the proof is for.
        let (_, other_vk) = setup_pair(99);
        let other = deploy(&l1, deploy_code(&other_vk, true).unwrap()).await;
        let ours = deploy(&l1, deploy_code(&fx.vk, true).unwrap()).await;
        let set_code = |members: Vec<Address>| -> Bytes {
            let args = ZkVerifierSet::constructorCall { _members: members }.abi_encode();
            [ZkVerifierSet::BYTECODE.as_ref(), &args].concat().into()
        };
        let set = deploy(&l1, set_code(vec![other, ours])).await;
        let proof = fx.bytes();
        assert!(verify(&l1, set, &fx.claim, &encode_set_proof(1, &proof)).await);
        for (why, bytes) in [
            ("the other member", encode_set_proof(0, &proof)),
            ("an index past the members", encode_set_proof(2, &proof)),
            ("the largest index", encode_set_proof(255, &proof)),
            ("no index", proof.clone()),
            ("an index alone", encode_set_proof(1, &[])),
            ("nothing", Bytes::new()),
        ] {
            assert!(!verify(&l1, set, &fx.claim, &bytes).await, "{why}");
        }
        assert!(!verify(&l1, set, &other_post_root(&fx), &encode_set_proof(1, &proof)).await);
        let out = l1
            .call(Address::ZERO, set, ZkVerifierSet::membersCall {}.abi_encode().into())
            .await
            .unwrap();
        assert_eq!(
            ZkVerifierSet::membersCall::abi_decode_returns(&out).unwrap(),
            vec![other, ours]
        );

        // What routing costs: the set's transaction against the member's own.
        let direct = l1
            .send(&dev_signers()[0], L1Tx::call(ours, verify_call(&fx.claim, &proof)))
            .await
            .unwrap();
        let routed = verify_call(&fx.claim, &encode_set_proof(1, &proof));
        let routed = l1.send(&dev_signers()[0], L1Tx::call(set, routed)).await.unwrap();
        eprintln!(
            "ZkVerifierSet.verify transaction: {} gas; the member's own: {} (+{})",
            routed.gas_used,
            direct.gas_used,
            routed.gas_used - direct.gas_used
        );
        assert!(routed.gas_used - direct.gas_used < 10_000);

        // Deployment: 1 to 6 members, each with code.
        for (members, what) in [
            (vec![], "no members"),
            (vec![ours; 7], "seven members"),
            (vec![ours, Address::repeat_byte(0x42)], "a member without code"),
        ] {
            let err =
                l1.send(&dev_signers()[0], L1Tx::create(set_code(members))).await.unwrap_err();
            let data = err.revert_data().unwrap_or_else(|| panic!("{what}: {err}"));
            let decoded = ZkVerifierSet::ZkVerifierSetErrors::abi_decode(data).unwrap();
            assert!(
                matches!(
                    decoded,
                    ZkVerifierSet::ZkVerifierSetErrors::ZkVerifierSet_BadMemberCount(_)
                        | ZkVerifierSet::ZkVerifierSetErrors::ZkVerifierSet_NotAContract(_)
                ),
                "{what}: {decoded:?}"
            );
        }
    });
}
