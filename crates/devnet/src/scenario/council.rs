//! The council's scenarios: `rogue-council` (docs/finality.md rule 7) and `silent-proposer` (rule 6).

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolCall, SolError};
use tribunal_contracts::{Inbox, MultiProofFinality, SecurityCouncil};
use tribunal_l1::{L1, L1Dev, L1Tx, view};

use super::{World, council_error, expect_refused, latest_final, say};

/// docs/finality.md rule 7: the council never finalizes, never takes funds, and changes the ZK or OP
/// logic only through the 45-day timelock.
pub(super) async fn rogue_council(w: &World, claim: u64) -> eyre::Result<()> {
    let (l1, r) = (&*w.l1, &w.r);
    let f = r.d.finality;
    say!(w, "the council (6 of 8 signing) tries:");
    let pending = tribunal_dispute::claims::proposed_known(l1, f, claim).await?;
    let finalize = MultiProofFinality::finalizeCall { _c: pending }.abi_encode();
    let e = council_error(r.council_submit(l1, 6, f, finalize).await)?;
    expect_refused(w, "to finalize the pending claim", &e, "Council_CallNotAllowed")?;

    let thief = r.council[0].address();
    let take = Inbox::claimWithdrawalCall {
        _batchNumber: 1,
        _index: 0,
        _to: thief,
        _amount: 10u128.pow(18),
        _siblings: vec![U256::ZERO; 10],
    };
    let e = council_error(r.council_submit(l1, 6, r.d.inbox, take.abi_encode()).await)?;
    expect_refused(w, "to pay itself the bridge's ETH", &e, "Council_CallNotAllowed")?;
    let credit = MultiProofFinality::withdrawCreditCall {}.abi_encode();
    let e = council_error(r.council_submit(l1, 6, f, credit).await)?;
    expect_refused(w, "to take the proposers' bonds", &e, "Council_CallNotAllowed")?;

    let rogue_verifier = Address::repeat_byte(0xBA);
    let upgrade = MultiProofFinality::setZkVerifierCall { _verifier: rogue_verifier }.abi_encode();
    let e = council_error(r.council_submit(l1, 5, f, upgrade.clone()).await)?;
    expect_refused(w, "to upgrade ZK with 5 signatures", &e, "Council_NotEnoughSignatures")?;
    let direct = l1.send(&r.signers[9], L1Tx::call(f, upgrade.clone())).await;
    let data = direct.err().and_then(|e| e.revert_data().cloned()).unwrap_or_default();
    eyre::ensure!(
        data.starts_with(&MultiProofFinality::Finality_NotCouncil::SELECTOR),
        "a direct setZkVerifier was not refused as Finality_NotCouncil"
    );
    say!(w, "  refused: {:<46} Finality_NotCouncil", "setZkVerifier without the council");

    let (id, _) = r.council_submit(l1, 6, f, upgrade.clone()).await?;
    let eta = view(l1, r.d.council, SecurityCouncil::etaOfCall { _id: U256::from(id) }).await?;
    let now = l1.head().await?.timestamp;
    say!(w, "  queued:  ZK upgrade, action {id}, executable in {} days", (eta - now) / 86_400);
    let execute = SecurityCouncil::executeCall {
        _id: U256::from(id),
        _target: f,
        _data: upgrade.clone().into(),
    };
    let e =
        council_error(l1.send(&r.signers[9], L1Tx::call(r.d.council, execute.abi_encode())).await)?;
    expect_refused(w, "to execute it at once", &e, "Council_Timelocked")?;
    l1.increase_time(eta - now - 3_600).await?;
    l1.mine().await?;
    let e =
        council_error(l1.send(&r.signers[9], L1Tx::call(r.d.council, execute.abi_encode())).await)?;
    expect_refused(w, "to execute it an hour early", &e, "Council_Timelocked")?;
    eyre::ensure!(latest_final(l1, r).await? == 0, "a root became final");
    let status = view(l1, f, MultiProofFinality::statusOfCall { _id: U256::from(claim) }).await?;
    eyre::ensure!(!status.isFinal, "the pending claim became final");
    say!(w, "  claim {claim}: {}", tribunal_node::rpc::model_status(&status));

    l1.increase_time(3_700).await?;
    l1.mine().await?;
    l1.send(&r.signers[9], L1Tx::call(r.d.council, execute.abi_encode())).await?;
    let now_verifier = view(l1, f, MultiProofFinality::zkVerifierCall {}).await?;
    eyre::ensure!(now_verifier == rogue_verifier, "the timelocked upgrade did not run");
    say!(w, "  after the 45-day timelock the upgrade runs, as users were warned it would");
    Ok(())
}

/// docs/finality.md rule 6: the oldest unfinalized batch's claim pending for the 7-day OP window
/// plus the 7-day grace, with none finalizable, is a liveness failure, recorded by anyone; the
/// council's ZK upgrade then runs without the timelock.
pub(super) async fn silent_proposer(w: &World) -> eyre::Result<()> {
    let (l1, r) = (&*w.l1, &w.r);
    let f = r.d.finality;
    let anyone = &r.signers[1];
    let record = MultiProofFinality::recordLivenessFailureCall {}.abi_encode();
    let early = l1.send(anyone, L1Tx::call(f, record.clone())).await;
    let data = early.err().and_then(|e| e.revert_data().cloned()).unwrap_or_default();
    eyre::ensure!(
        data.starts_with(&MultiProofFinality::Finality_ChainLive::SELECTOR),
        "a liveness failure was recorded while the chain is live"
    );
    say!(w, "the proposer and the provers are silent; recording a liveness failure now: refused");
    let window = view(l1, f, MultiProofFinality::OP_WINDOW_SECONDSCall {}).await?;
    let grace = view(l1, f, MultiProofFinality::LIVENESS_GRACE_SECONDSCall {}).await?;
    let liveness = window + grace;
    l1.increase_time(liveness + 60).await?;
    l1.mine().await?;
    let receipt = l1.send(anyone, L1Tx::call(f, record.clone())).await?;
    let recorded = receipt.logs.iter().any(|l| {
        use alloy_sol_types::SolEvent;
        MultiProofFinality::LivenessFailure::decode_log(l).is_ok()
    });
    eyre::ensure!(recorded, "no LivenessFailure event");
    say!(
        w,
        "after {} days (OP window + grace) with nothing finalizable: LivenessFailure recorded by anyone",
        liveness / 86_400
    );
    let open = view(
        l1,
        f,
        MultiProofFinality::instantUpgradeAllowedCall { _leg: tribunal_contracts::leg::ZK },
    )
    .await?;
    eyre::ensure!(open, "the instant upgrade did not open");
    let upgrade = MultiProofFinality::setZkVerifierCall { _verifier: Address::repeat_byte(0x2c) }
        .abi_encode();
    r.council_submit(l1, 6, f, upgrade).await?;
    let verifier = view(l1, f, MultiProofFinality::zkVerifierCall {}).await?;
    eyre::ensure!(verifier == Address::repeat_byte(0x2c), "the ZK upgrade did not run at once");
    say!(w, "the council replaces the ZK verifier at once (no 45-day timelock)");
    eyre::ensure!(latest_final(l1, r).await? == 0, "a root became final");
    Ok(())
}
