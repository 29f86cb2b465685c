//! Tribunal's L1 contracts: the Solidity sources in `src/`, the artifacts solcjs compiles them to
//! in `artifacts/` (committed; `node build.mjs --check` fails when they are stale), and alloy
//! `sol!` bindings generated from those artifacts.
//!
//! Toolchain: solcjs 0.8.37 from npm (pinned in `package.json`), `evmVersion` osaka, optimizer on
//! with 200 runs. Rebuild with `cd crates/contracts && npm install && node build.mjs`.
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
}

pub use bindings::{Inbox, MultiProofFinality, SecurityCouncil, TeeVerifier, ZkVerifier};

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
        Groth16Harness,
        "artifacts/Groth16Harness.json"
    );
}

/// circomlib-compatible Poseidon on chain, from the npm package `poseidon-solidity` 0.0.5: one
/// library per width, `PoseidonT{n+1}.hash(uint[n])` for `n` inputs (1..=5).
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
}

/// The EIP-170 limit on deployed code, in bytes.
pub const MAX_CODE_SIZE: usize = 24_576;

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
            ("PoseidonT2", &poseidon::PoseidonT2::DEPLOYED_BYTECODE),
            ("PoseidonT3", &poseidon::PoseidonT3::DEPLOYED_BYTECODE),
            ("PoseidonT4", &poseidon::PoseidonT4::DEPLOYED_BYTECODE),
            ("PoseidonT5", &poseidon::PoseidonT5::DEPLOYED_BYTECODE),
            ("PoseidonT6", &poseidon::PoseidonT6::DEPLOYED_BYTECODE),
        ];
        for &(name, code) in deployed {
            assert!(!code.is_empty(), "{name} has no code");
            assert!(code.len() <= MAX_CODE_SIZE, "{name}: {} bytes", code.len());
        }
        assert!(!Inbox::BYTECODE.is_empty());
    }
}
