//! The on-chain Poseidon (npm `poseidon-solidity`) against the Rust Poseidon (circomlib
//! parameters via light-poseidon), on the embedded chain.

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use tribunal_contracts::poseidon::{PoseidonT2, PoseidonT3, PoseidonT4, PoseidonT5, PoseidonT6};
use tribunal_l1::{DevL1, L1, L1Tx, dev_signers};
use tribunal_primitives::{
    Fr,
    field::{fr_from_be_bytes, fr_to_be_bytes},
    poseidon::poseidon,
};

fn run(f: impl std::future::Future<Output = ()> + Send + 'static) {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f);
}

fn u(x: &Fr) -> U256 {
    U256::from_be_bytes(fr_to_be_bytes(x))
}

/// Deterministic field elements, edge cases first.
fn inputs(n: usize, case: u64) -> Vec<Fr> {
    match case {
        0 => vec![Fr::from(0u64); n],
        1 => vec![-Fr::from(1u64); n],
        _ => (0..n as u64)
            .map(|i| {
                let seed = alloy_primitives::keccak256((case * 31 + i).to_be_bytes());
                ark_like_reduce(seed.0)
            })
            .collect(),
    }
}

fn ark_like_reduce(bytes: [u8; 32]) -> Fr {
    let mut b = bytes;
    b[0] &= 0x1f; // below 2^253 < r
    fr_from_be_bytes(&b).unwrap()
}

#[test]
fn solidity_poseidon_matches_rust_for_one_to_five_inputs() {
    run(async {
        let l1 = DevL1::new();
        let signer = &dev_signers()[0];
        let mut libs = Vec::new();
        for code in [
            &PoseidonT2::BYTECODE,
            &PoseidonT3::BYTECODE,
            &PoseidonT4::BYTECODE,
            &PoseidonT5::BYTECODE,
            &PoseidonT6::BYTECODE,
        ] {
            let r = l1.send(signer, L1Tx::create(code.clone())).await.unwrap();
            libs.push(r.contract_address.unwrap());
        }
        for n in 1..=5usize {
            let mut gas = 0;
            for case in 0..12 {
                let x = inputs(n, case);
                let words: Vec<U256> = x.iter().map(u).collect();
                let calldata = match n {
                    1 => <PoseidonT2::hashCall as SolCall>::new(([words[0]],)).abi_encode(),
                    2 => {
                        <PoseidonT3::hashCall as SolCall>::new(([words[0], words[1]],)).abi_encode()
                    }
                    3 => <PoseidonT4::hashCall as SolCall>::new(([words[0], words[1], words[2]],))
                        .abi_encode(),
                    4 => <PoseidonT5::hashCall as SolCall>::new((words[..4].try_into().unwrap(),))
                        .abi_encode(),
                    _ => <PoseidonT6::hashCall as SolCall>::new((words[..5].try_into().unwrap(),))
                        .abi_encode(),
                };
                let out =
                    l1.call(Address::ZERO, libs[n - 1], calldata.clone().into()).await.unwrap();
                let got = U256::from_be_slice(&out);
                assert_eq!(got, u(&poseidon(&x).unwrap()), "n={n} case={case}");
                if case == 2 {
                    gas =
                        l1.send(signer, L1Tx::call(libs[n - 1], calldata)).await.unwrap().gas_used;
                }
            }
            // Gas of a whole transaction calling hash (21,000 intrinsic and calldata included).
            eprintln!("PoseidonT{} hash transaction: {gas} gas", n + 1);
        }
    });
}
