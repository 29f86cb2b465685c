//! `read_stage_config` reads a deployed system back, and the grader sees what was deployed.

mod common;

use alloy::signers::local::PrivateKeySigner;
use alloy_sol_types::SolConstructor;
use common::{DAY, members, run};
use tribunal_contracts::test_fixtures::{TestDisputeGame, TestZkVerifier};
use tribunal_finality::stage::{DeploymentConfig, grade};
use tribunal_l1::{DevL1, dev_signers};
use tribunal_node::deploy::{CouncilMode, DeployConfig, LegImpl, deploy, read_stage_config};
use tribunal_primitives::StateRoot;

fn config(members: &[PrivateKeySigner]) -> DeployConfig {
    let mut cfg = DeployConfig::new(
        common::CHAIN,
        dev_signers()[0].address(),
        StateRoot::default(),
        members.iter().map(PrivateKeySigner::address).collect(),
    );
    cfg.zk_verifier = LegImpl::Create(Box::new(|_| TestZkVerifier::BYTECODE.clone()));
    cfg.dispute_game = LegImpl::Create(Box::new(|f| {
        [
            TestDisputeGame::BYTECODE.to_vec(),
            TestDisputeGame::constructorCall { _finality: f }.abi_encode(),
        ]
        .concat()
        .into()
    }));
    cfg
}

#[test]
fn the_default_deployment_reads_back_as_the_defaults() {
    run(async {
        let l1 = DevL1::new();
        let d = deploy(&l1, &dev_signers()[3], config(&members())).await.unwrap();
        let read = read_stage_config(&l1, d.finality).await.unwrap();
        assert_eq!(read, DeploymentConfig::DEFAULT);
        let g = grade(&read);
        assert_eq!(g.stage, 2, "{g}");
    });
}

#[test]
fn a_4_of_7_council_grades_stage_0_even_with_a_long_timelock() {
    run(async {
        let l1 = DevL1::new();
        let m = &members()[..7];
        let mut cfg = config(m);
        cfg.council_threshold = 4;
        cfg.council_mode = CouncilMode::Permissive;
        cfg.upgrade_delay_secs = 40 * DAY;
        let d = deploy(&l1, &dev_signers()[3], cfg).await.unwrap();
        let read = read_stage_config(&l1, d.finality).await.unwrap();
        assert_eq!((read.council_members, read.council_threshold), (7, 4));
        let g = grade(&read);
        assert_eq!(g.stage, 0, "{g}");
        assert!(g.to_string().contains("MISSES security council"));
    });
}

#[test]
fn a_stage_2_mode_council_refuses_4_of_7() {
    run(async {
        let l1 = DevL1::new();
        let m = &members()[..7];
        let mut cfg = config(m);
        cfg.council_threshold = 4;
        let err = deploy(&l1, &dev_signers()[3], cfg).await.unwrap_err();
        assert!(err.to_string().contains("SecurityCouncil"), "{err}");
    });
}
