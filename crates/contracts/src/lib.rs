//! Tribunal's L1 contracts: the Solidity sources in `src/`, the artifacts solcjs compiles them to
//! in `artifacts/` (committed; `node build.mjs --check` fails when they are stale), and alloy
//! `sol!` bindings generated from those artifacts.
//!
//! Toolchain: solcjs 0.8.37 from npm (pinned in `package.json`), `evmVersion` osaka, optimizer on
//! with 200 runs. Rebuild with `cd crates/contracts && npm install && node build.mjs`.
//!
//! One artifact is not compiled here: `artifacts/PoseidonT7.json`, the 6-input Poseidon as EVM
//! code from circomlibjs' generator, written (and checked with `--check`) by
//! `testing/vectors/generate.mjs`; see [`poseidon`].
//!
//! Libraries with only internal functions (`Groth16`, `BabyJubjub`: EdDSA-Poseidon on Baby Jubjub,
//! EIP-2494; `BlobBatch`: a blob element's KZG check and the batch header rule) inline into the
//! contracts that use them and have no bindings of their own; tests reach them through harnesses
//! in [`test_fixtures`] or through the contracts.
//!
//! This crate holds no logic beyond encoding: it must not talk to a chain (that is `tribunal-l1`).

#![cfg_attr(not(test), warn(unused_crate_dependencies))]

use alloy_primitives as _;

#[allow(missing_docs)]
mod bindings {
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        Inbox,
        "artifacts/Inbox.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        SecurityCouncil,
        "artifacts/SecurityCouncil.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        MultiProofFinality,
        "artifacts/MultiProofFinality.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        TeeVerifier,
        "artifacts/TeeVerifier.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        ZkVerifier,
        "artifacts/ZkVerifier.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        ZkVerifierSet,
        "artifacts/ZkVerifierSet.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        DisputeGame,
        "artifacts/DisputeGame.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        ProofAggregator,
        "artifacts/ProofAggregator.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        AggregatedZkVerifier,
        "artifacts/AggregatedZkVerifier.json"
    );
}

/// `StfStep`, the one-step STF. Its structs are also reachable as `StfStep::*` through the
/// `DisputeGame` bindings, which take them as arguments.
#[allow(missing_docs)]
pub mod stf_step {
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        StfStepContract,
        "artifacts/StfStep.json"
    );
}

pub use bindings::{
    AggregatedZkVerifier, DisputeGame, Groth16, Inbox, MultiProofFinality, ProofAggregator,
    SecurityCouncil, StfStep, TeeVerifier, ZkVerifier, ZkVerifierSet,
};

/// Stand-ins used only by tests, compiled from `src/test/`.
#[allow(missing_docs)]
pub mod test_fixtures {
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        MockLegRegistry,
        "artifacts/MockLegRegistry.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        TestZkVerifier,
        "artifacts/TestZkVerifier.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        TestDisputeGame,
        "artifacts/TestDisputeGame.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        HostileTeeVerifier,
        "artifacts/HostileTeeVerifier.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        RejectingRecipient,
        "artifacts/RejectingRecipient.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        Groth16Harness,
        "artifacts/Groth16Harness.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug, PartialEq, Eq)]
        BabyJubjubHarness,
        "artifacts/BabyJubjubHarness.json"
    );
}

/// circomlib-compatible Poseidon on chain, one contract per width `t = n + 1` for `n` inputs.
///
/// - `PoseidonT2`..`PoseidonT6` (1..=5 inputs): libraries from the npm package
///   `poseidon-solidity` 0.0.5, compiled by `build.mjs`; call `hash(uint256[n])`.
/// - `PoseidonT7` (6 inputs, the signed L2 message): raw EVM code from circomlibjs 0.1.7's own
///   generator (`poseidonContract.createCode(6)`), since `poseidon-solidity` stops at 5 inputs.
///   Its artifact is written and checked by `testing/vectors/generate.mjs`, not by `build.mjs`.
///   Its ABI overloads `poseidon(bytes32[6])` and `poseidon(uint256[6])`, bound as `poseidon_0`
///   and `poseidon_1` (`poseidon_0Call`, `poseidon_1Call`); both compute the same hash.
#[allow(missing_docs)]
pub mod poseidon {
    alloy_sol_types::sol!(
        #[derive(Debug)]
        PoseidonT2,
        "artifacts/PoseidonT2.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug)]
        PoseidonT3,
        "artifacts/PoseidonT3.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug)]
        PoseidonT4,
        "artifacts/PoseidonT4.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug)]
        PoseidonT5,
        "artifacts/PoseidonT5.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug)]
        PoseidonT6,
        "artifacts/PoseidonT6.json"
    );
    alloy_sol_types::sol!(
        #[derive(Debug)]
        PoseidonT7,
        "artifacts/PoseidonT7.json"
    );
}

/// The EIP-170 limit on deployed code, in bytes.
pub const MAX_CODE_SIZE: usize = 24_576;

/// The legs' numbers, as `MultiProofFinality` and `SecurityCouncil` define them (`LEG_ZK`,
/// `LEG_TEE`, `LEG_OP`): the `leg` of `Approved` and `LegFrozen`, and of the calls that take one.
pub mod leg {
    /// The ZK validity proof.
    pub const ZK: u8 = 0;
    /// The TEE attestation.
    pub const TEE: u8 = 1;
    /// The optimistic dispute game.
    pub const OP: u8 = 2;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_fit_eip170_and_carry_code() {
        let deployed: &[(&str, &[u8])] = &[
            ("Inbox", &Inbox::DEPLOYED_BYTECODE),
            ("SecurityCouncil", &SecurityCouncil::DEPLOYED_BYTECODE),
            ("MultiProofFinality", &MultiProofFinality::DEPLOYED_BYTECODE),
            ("TeeVerifier", &TeeVerifier::DEPLOYED_BYTECODE),
            ("ZkVerifier", &ZkVerifier::DEPLOYED_BYTECODE),
            ("ZkVerifierSet", &ZkVerifierSet::DEPLOYED_BYTECODE),
            ("DisputeGame", &DisputeGame::DEPLOYED_BYTECODE),
            ("ProofAggregator", &ProofAggregator::DEPLOYED_BYTECODE),
            ("AggregatedZkVerifier", &AggregatedZkVerifier::DEPLOYED_BYTECODE),
            ("StfStep", &stf_step::StfStepContract::DEPLOYED_BYTECODE),
            ("PoseidonT2", &poseidon::PoseidonT2::DEPLOYED_BYTECODE),
            ("PoseidonT3", &poseidon::PoseidonT3::DEPLOYED_BYTECODE),
            ("PoseidonT4", &poseidon::PoseidonT4::DEPLOYED_BYTECODE),
            ("PoseidonT5", &poseidon::PoseidonT5::DEPLOYED_BYTECODE),
            ("PoseidonT6", &poseidon::PoseidonT6::DEPLOYED_BYTECODE),
            ("PoseidonT7", &poseidon::PoseidonT7::DEPLOYED_BYTECODE),
        ];
        for &(name, code) in deployed {
            assert!(!code.is_empty(), "{name} has no code");
            assert!(code.len() <= MAX_CODE_SIZE, "{name}: {} bytes", code.len());
        }
        assert!(!Inbox::BYTECODE.is_empty());
    }

    /// circomlibjs' init code is a loader followed by the runtime code it returns.
    #[test]
    fn poseidon_t7_init_code_ends_with_its_runtime_code() {
        let init = &poseidon::PoseidonT7::BYTECODE;
        let runtime = &poseidon::PoseidonT7::DEPLOYED_BYTECODE;
        assert!(init.len() > runtime.len());
        assert!(init.ends_with(runtime));
    }
}
