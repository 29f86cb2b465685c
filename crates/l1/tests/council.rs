//! The security council contract: threshold signatures, zero-delay TEE changes, timelocked ZK
//! and OP changes, the evidence bypass, and no power beyond its allowlist.

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{Address, B256, Bytes, keccak256};
use alloy_sol_types::{SolCall, SolConstructor, SolInterface};
use tribunal_contracts::{Inbox, SecurityCouncil, test_fixtures::MockLegRegistry};
use tribunal_l1::{DevL1, L1, L1Dev, L1Error, L1Tx, dev_signers};

const DAY: u64 = 24 * 3600;
const ZK: u8 = 0;
const TEE: u8 = 1;
const OP: u8 = 2;

fn run(f: impl std::future::Future<Output = ()> + Send + 'static) {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f);
}

/// Council members with deterministic keys, sorted by address (the order signatures must take).
fn members(n: u8) -> Vec<PrivateKeySigner> {
    let mut m: Vec<PrivateKeySigner> =
        (0..n).map(|i| PrivateKeySigner::from_bytes(&keccak256([b'c', i])).unwrap()).collect();
    m.sort_by_key(|s| s.address());
    m
}

fn council_error(e: &L1Error) -> SecurityCouncil::SecurityCouncilErrors {
    let data = e.revert_data().unwrap_or_else(|| panic!("expected a revert, got {e}"));
    SecurityCouncil::SecurityCouncilErrors::abi_decode(data).unwrap()
}

struct Setup {
    l1: DevL1,
    council: Address,
    registry: Address,
    members: Vec<PrivateKeySigner>,
}

async fn deploy_council(
    l1: &DevL1,
    members: &[PrivateKeySigner],
    threshold: u64,
    mode: u8,
    registry: Address,
) -> Result<Address, L1Error> {
    let sel = |s: [u8; 4]| alloy_primitives::FixedBytes::<4>::from(s);
    let mut init = SecurityCouncil::BYTECODE.to_vec();
    init.extend(
        SecurityCouncil::constructorCall {
            _members: members.iter().map(PrivateKeySigner::address).collect(),
            _threshold: alloy_primitives::U256::from(threshold),
            _mode: mode,
            _upgradeDelaySeconds: 30 * DAY,
            _expirySeconds: 14 * DAY,
            _evidence: registry,
            _targets: vec![registry, registry, registry],
            _selectors: vec![
                sel(MockLegRegistry::setZkVerifierCall::SELECTOR),
                sel(MockLegRegistry::setOpGameCall::SELECTOR),
                sel(MockLegRegistry::setMeasurementCall::SELECTOR),
            ],
            _legs: vec![ZK, OP, TEE],
        }
        .abi_encode(),
    );
    let deployer = &dev_signers()[0];
    let receipt = l1.send(deployer, L1Tx::create(init)).await?;
    eprintln!("deploy {}-of-{}: {} gas", threshold, members.len(), receipt.gas_used);
    Ok(receipt.contract_address.unwrap())
}

async fn setup() -> Setup {
    let l1 = DevL1::new();
    let deployer = &dev_signers()[0];
    let registry = l1
        .send(deployer, L1Tx::create(MockLegRegistry::BYTECODE.clone()))
        .await
        .unwrap()
        .contract_address
        .unwrap();
    let members = members(8);
    let council = deploy_council(&l1, &members, 6, 0, registry).await.unwrap();
    l1.send(
        deployer,
        L1Tx::call(registry, MockLegRegistry::setOwnerCall { _owner: council }.abi_encode()),
    )
    .await
    .unwrap();
    Setup { l1, council, registry, members }
}

impl Setup {
    async fn nonce(&self) -> alloy_primitives::U256 {
        let out = self
            .l1
            .call(Address::ZERO, self.council, SecurityCouncil::nonceCall {}.abi_encode().into())
            .await
            .unwrap();
        SecurityCouncil::nonceCall::abi_decode_returns(&out).unwrap()
    }

    async fn sign(
        &self,
        signers: &[&PrivateKeySigner],
        target: Address,
        data: &Bytes,
        nonce: alloy_primitives::U256,
    ) -> Vec<Bytes> {
        let call = SecurityCouncil::actionDigestCall {
            _target: target,
            _data: data.clone(),
            _nonce: nonce,
        };
        let out =
            self.l1.call(Address::ZERO, self.council, call.abi_encode().into()).await.unwrap();
        let digest: B256 = SecurityCouncil::actionDigestCall::abi_decode_returns(&out).unwrap();
        signers
            .iter()
            .map(|s| {
                let mut sig = s.sign_hash_sync(&digest).unwrap().as_bytes();
                if sig[64] < 27 {
                    sig[64] += 27;
                }
                Bytes::from(sig.to_vec())
            })
            .collect()
    }

    async fn submit(
        &self,
        signers: &[&PrivateKeySigner],
        target: Address,
        data: Bytes,
    ) -> Result<(), L1Error> {
        let sigs = self.sign(signers, target, &data, self.nonce().await).await;
        let call = SecurityCouncil::submitCall { _target: target, _data: data, _signatures: sigs };
        let receipt =
            self.l1.send(&dev_signers()[1], L1Tx::call(self.council, call.abi_encode())).await?;
        // `--nocapture` shows the gas of each accepted submission (BENCHMARKS.md).
        eprintln!("submit with {} signatures: {} gas", signers.len(), receipt.gas_used);
        Ok(())
    }

    async fn read(&self, call: impl SolCall) -> Bytes {
        self.l1.call(Address::ZERO, self.registry, call.abi_encode().into()).await.unwrap()
    }
}

#[test]
fn zero_delay_tee_changes_and_threshold_signatures() {
    run(async {
        let s = setup().await;
        let m: Vec<&PrivateKeySigner> = s.members.iter().collect();
        let measurement = B256::repeat_byte(7);
        let data: Bytes =
            MockLegRegistry::setMeasurementCall { _measurement: measurement, _allowed: true }
                .abi_encode()
                .into();

        // Five of eight is not enough.
        let err = s.submit(&m[..5], s.registry, data.clone()).await.unwrap_err();
        assert!(matches!(
            council_error(&err),
            SecurityCouncil::SecurityCouncilErrors::Council_NotEnoughSignatures(_)
        ));
        // Unsorted, repeated and foreign signatures are refused.
        let unsorted = [m[1], m[0], m[2], m[3], m[4], m[5]];
        assert!(matches!(
            council_error(&s.submit(&unsorted, s.registry, data.clone()).await.unwrap_err()),
            SecurityCouncil::SecurityCouncilErrors::Council_BadSignature(_)
        ));
        let repeated = [m[0], m[0], m[1], m[2], m[3], m[4]];
        assert!(matches!(
            council_error(&s.submit(&repeated, s.registry, data.clone()).await.unwrap_err()),
            SecurityCouncil::SecurityCouncilErrors::Council_BadSignature(_)
        ));
        let outsider = PrivateKeySigner::from_bytes(&keccak256(b"outsider")).unwrap();
        let mut with_outsider: Vec<&PrivateKeySigner> = m[..5].to_vec();
        with_outsider.push(&outsider);
        with_outsider.sort_by_key(|x| x.address());
        assert!(matches!(
            council_error(&s.submit(&with_outsider, s.registry, data.clone()).await.unwrap_err()),
            SecurityCouncil::SecurityCouncilErrors::Council_BadSignature(_)
        ));

        // Six of eight changes TEE logic at once.
        s.submit(&m[..6], s.registry, data.clone()).await.unwrap();
        let out =
            s.read(<MockLegRegistry::measurementAllowedCall as SolCall>::new((measurement,))).await;
        assert!(MockLegRegistry::measurementAllowedCall::abi_decode_returns(&out).unwrap());

        // The same signatures cannot be replayed: the nonce moved on.
        let stale = s
            .sign(&m[..6], s.registry, &data, s.nonce().await - alloy_primitives::U256::from(1))
            .await;
        let call =
            SecurityCouncil::submitCall { _target: s.registry, _data: data, _signatures: stale };
        let err =
            s.l1.send(&dev_signers()[1], L1Tx::call(s.council, call.abi_encode()))
                .await
                .unwrap_err();
        assert!(matches!(
            council_error(&err),
            SecurityCouncil::SecurityCouncilErrors::Council_BadSignature(_)
        ));
    });
}

#[test]
fn zk_and_op_changes_wait_thirty_days_unless_evidence_opens_the_instant_path() {
    run(async {
        let s = setup().await;
        let m: Vec<&PrivateKeySigner> = s.members.iter().collect();
        let new_verifier = Address::repeat_byte(0x42);
        let data: Bytes =
            MockLegRegistry::setZkVerifierCall { _verifier: new_verifier }.abi_encode().into();
        let id = s.nonce().await;
        s.submit(&m[..6], s.registry, data.clone()).await.unwrap();
        let zk = |out: Bytes| MockLegRegistry::zkVerifierCall::abi_decode_returns(&out).unwrap();
        assert_eq!(
            zk(s.read(MockLegRegistry::zkVerifierCall {}).await),
            Address::ZERO,
            "queued, not applied"
        );

        let execute =
            SecurityCouncil::executeCall { _id: id, _target: s.registry, _data: data.clone() };
        s.l1.increase_time(29 * DAY).await.unwrap();
        let err =
            s.l1.send(&dev_signers()[2], L1Tx::call(s.council, execute.abi_encode()))
                .await
                .unwrap_err();
        assert!(matches!(
            council_error(&err),
            SecurityCouncil::SecurityCouncilErrors::Council_Timelocked(_)
        ));
        s.l1.increase_time(DAY).await.unwrap();
        let receipt =
            s.l1.send(&dev_signers()[2], L1Tx::call(s.council, execute.abi_encode()))
                .await
                .unwrap();
        eprintln!("execute after the timelock: {} gas", receipt.gas_used);
        assert_eq!(zk(s.read(MockLegRegistry::zkVerifierCall {}).await), new_verifier);

        // Queue an OP change, then rule 5/6 evidence opens its instant path: it executes at once.
        let game = Address::repeat_byte(0x77);
        let data: Bytes = MockLegRegistry::setOpGameCall { _game: game }.abi_encode().into();
        let id = s.nonce().await;
        s.submit(&m[..6], s.registry, data.clone()).await.unwrap();
        let execute = SecurityCouncil::executeCall { _id: id, _target: s.registry, _data: data };
        assert!(
            s.l1.send(&dev_signers()[2], L1Tx::call(s.council, execute.abi_encode()))
                .await
                .is_err()
        );
        let open = MockLegRegistry::setInstantUpgradeAllowedCall { _leg: OP, _open: true };
        s.l1.send(&dev_signers()[0], L1Tx::call(s.registry, open.abi_encode())).await.unwrap();
        s.l1.send(&dev_signers()[2], L1Tx::call(s.council, execute.abi_encode())).await.unwrap();
        let out = s.read(MockLegRegistry::opGameCall {}).await;
        assert_eq!(MockLegRegistry::opGameCall::abi_decode_returns(&out).unwrap(), game);
    });
}

#[test]
fn the_council_has_no_power_beyond_its_allowlist() {
    run(async {
        let s = setup().await;
        let m: Vec<&PrivateKeySigner> = s.members.iter().collect();
        // Posting batches, taking ownership elsewhere, or calling any other contract is refused,
        // with every signature present: there is no path to finalize, revert or move funds.
        let attempts: Vec<(Address, Bytes)> = vec![
            (
                Address::repeat_byte(9),
                Inbox::postBatchCall {
                    _batchNumber: 1,
                    _queueEnd: 0,
                    _queueAcc: alloy_primitives::B256::ZERO,
                }
                .abi_encode()
                .into(),
            ),
            (
                s.registry,
                MockLegRegistry::setOwnerCall { _owner: Address::repeat_byte(1) }
                    .abi_encode()
                    .into(),
            ),
            (
                s.registry,
                MockLegRegistry::setInstantUpgradeAllowedCall { _leg: ZK, _open: true }
                    .abi_encode()
                    .into(),
            ),
            (s.council, Bytes::new()),
        ];
        for (target, data) in attempts {
            let err = s.submit(&m, target, data).await.unwrap_err();
            assert!(
                matches!(
                    council_error(&err),
                    SecurityCouncil::SecurityCouncilErrors::Council_CallNotAllowed(_)
                ),
                "{target}"
            );
        }
    });
}

#[test]
fn stage2_membership_rules_are_enforced_at_deployment() {
    run(async {
        let l1 = DevL1::new();
        let registry = Address::repeat_byte(5);
        let bad = |e: L1Error| {
            matches!(
                council_error(&e),
                SecurityCouncil::SecurityCouncilErrors::Council_BadConfig(_)
            )
        };
        // Stage 2: fewer than 8 members, or under 75%, is refused.
        assert!(bad(deploy_council(&l1, &members(7), 6, 0, registry).await.unwrap_err()));
        assert!(bad(deploy_council(&l1, &members(8), 5, 0, registry).await.unwrap_err()));
        assert!(bad(deploy_council(&l1, &members(8), 9, 0, registry).await.unwrap_err()));
        let mut twice = members(8);
        twice[7] = twice[0].clone();
        assert!(bad(deploy_council(&l1, &twice, 6, 0, registry).await.unwrap_err()));
        // A 4-of-7 council deploys only in permissive mode, and says so.
        let permissive = deploy_council(&l1, &members(7), 4, 1, registry).await.unwrap();
        let out = l1
            .call(Address::ZERO, permissive, SecurityCouncil::MODECall {}.abi_encode().into())
            .await
            .unwrap();
        assert_eq!(SecurityCouncil::MODECall::abi_decode_returns(&out).unwrap(), 1);
        deploy_council(&l1, &members(8), 6, 0, registry).await.unwrap();
    });
}

/// Attack (review finding): a queued action could be neither cancelled nor expire, so a stale
/// `setZkVerifier` queued before an emergency replacement could be executed by anyone 30 days
/// later, reinstalling a known-bad verifier. Now the council cancels it at zero delay (only
/// through its own threshold), and an action not executed within 14 days of maturing expires.
#[test]
fn a_queued_action_can_be_cancelled_and_expires() {
    run(async {
        let s = setup().await;
        let m: Vec<&PrivateKeySigner> = s.members.iter().collect();
        let stale: Bytes =
            MockLegRegistry::setZkVerifierCall { _verifier: Address::repeat_byte(0xbd) }
                .abi_encode()
                .into();
        let id = s.nonce().await;
        s.submit(&m[..6], s.registry, stale.clone()).await.unwrap();
        let cancel: Bytes = SecurityCouncil::cancelCall { _id: id }.abi_encode().into();
        // Nobody but the council's threshold cancels.
        let err =
            s.l1.send(&dev_signers()[2], L1Tx::call(s.council, cancel.to_vec())).await.unwrap_err();
        assert!(matches!(
            council_error(&err),
            SecurityCouncil::SecurityCouncilErrors::Council_OnlyCouncil(_)
        ));
        s.submit(&m[..6], s.council, cancel).await.unwrap();
        s.l1.increase_time(31 * DAY).await.unwrap();
        let execute = SecurityCouncil::executeCall { _id: id, _target: s.registry, _data: stale };
        let err =
            s.l1.send(&dev_signers()[2], L1Tx::call(s.council, execute.abi_encode()))
                .await
                .unwrap_err();
        assert!(matches!(
            council_error(&err),
            SecurityCouncil::SecurityCouncilErrors::Council_UnknownAction(_)
        ));

        // An action left past its 14-day execution window expires.
        let late: Bytes = MockLegRegistry::setOpGameCall { _game: Address::repeat_byte(0x78) }
            .abi_encode()
            .into();
        let id = s.nonce().await;
        s.submit(&m[..6], s.registry, late.clone()).await.unwrap();
        s.l1.increase_time(44 * DAY + 1).await.unwrap();
        let execute = SecurityCouncil::executeCall { _id: id, _target: s.registry, _data: late };
        let err =
            s.l1.send(&dev_signers()[2], L1Tx::call(s.council, execute.abi_encode()))
                .await
                .unwrap_err();
        assert!(matches!(
            council_error(&err),
            SecurityCouncil::SecurityCouncilErrors::Council_Expired(_)
        ));
    });
}
