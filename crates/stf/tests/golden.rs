//! Golden vectors for the 4-ary account tree, the binary withdrawal tree, account leaves and signed transactions, computed from
//! scratch in JavaScript with poseidon-lite and `@zk-kit/eddsa-poseidon`
//! (`testing/vectors/tree.json`).

use serde_json::Value;
use tribunal_primitives::{
    AccountIndex, Address, BatchNumber, ChainId, PrivateKey, Signed, Transfer, Wei, Withdraw,
    field::{fr_to_decimal, parse_fr},
};
use tribunal_stf::{Account, AccountTree, State, StfConfig, WithdrawalTree};

fn vectors() -> Value {
    let path = format!("{}/../../testing/vectors/tree.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

fn key(v: &Value) -> PrivateKey {
    PrivateKey::from_bytes(alloy_primitives::hex::decode(s(v)).unwrap().try_into().unwrap())
}

#[test]
fn trees_match_a_from_scratch_implementation() {
    for tree in vectors()["trees"].as_array().unwrap() {
        let label = s(&tree["label"]);
        let depth = tree["depth"].as_u64().unwrap() as u8;
        let siblings_of: u64 = s(&tree["siblings_of"]).parse().unwrap();
        let expected_siblings: Vec<String> =
            tree["siblings"].as_array().unwrap().iter().map(|v| s(v).to_owned()).collect();

        let arity = tree["arity"].as_u64().unwrap();
        let leaves = || {
            tree["leaves"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| (s(&l["index"]).parse().unwrap(), parse_fr(s(&l["leaf"])).unwrap()))
        };
        let (root, siblings) = if let Some(accounts) = tree["accounts"].as_array() {
            assert_eq!(arity, 4, "{label}: the account tree is 4-ary");
            let accounts: Vec<(AccountIndex, Account)> = accounts
                .iter()
                .map(|a| {
                    let pubkey = key(&a["private_key"]).public_key();
                    assert_eq!(fr_to_decimal(&pubkey.0.x), s(&a["public_key"]["x"]));
                    let account = Account {
                        pubkey,
                        balance: Wei(s(&a["balance"]).parse().unwrap()),
                        nonce: s(&a["nonce"]).parse().unwrap(),
                    };
                    assert_eq!(fr_to_decimal(&account.leaf()), s(&a["leaf"]), "{label} leaf");
                    (AccountIndex(s(&a["index"]).parse().unwrap()), account)
                })
                .collect();
            let config = StfConfig::new(ChainId(901)).with_depths(depth, 10);
            let state = State::from_accounts(config, BatchNumber(0), accounts).unwrap();
            (state.root().0, state.tree().siblings(siblings_of))
        } else if arity == 4 {
            let built = AccountTree::from_leaves(depth, leaves()).unwrap();
            (built.root(), built.siblings(siblings_of))
        } else {
            assert_eq!(arity, 2, "{label}");
            let built = WithdrawalTree::from_leaves(depth, leaves()).unwrap();
            (built.root(), built.siblings(siblings_of))
        };
        assert_eq!(fr_to_decimal(&root), s(&tree["root"]), "{label} root");
        let siblings: Vec<String> = siblings.iter().map(fr_to_decimal).collect();
        assert_eq!(siblings, expected_siblings, "{label} siblings");
    }
}

#[test]
fn transactions_signed_by_zk_kit_verify_and_sign_identically() {
    for tx in vectors()["txs"].as_array().unwrap() {
        let chain_id = ChainId(s(&tx["chain_id"]).parse().unwrap());
        let key = key(&tx["private_key"]);
        let from = AccountIndex(s(&tx["from"]).parse().unwrap());
        let amount = Wei(s(&tx["amount"]).parse().unwrap());
        let nonce: u64 = s(&tx["nonce"]).parse().unwrap();
        let packed: [u8; 64] =
            alloy_primitives::hex::decode(s(&tx["packed_signature"])).unwrap().try_into().unwrap();
        let message = s(&tx["message"]);
        if s(&tx["kind"]) == "transfer" {
            let body =
                Transfer { from, to: AccountIndex(s(&tx["to"]).parse().unwrap()), amount, nonce };
            assert_eq!(fr_to_decimal(&body.message(chain_id)), message);
            let signed = Signed::sign(body, chain_id, &key);
            assert_eq!(signed.signature, packed);
            Signed { body, signature: packed }.verify(chain_id, &key.public_key()).unwrap();
        } else {
            let body =
                Withdraw { from, to: s(&tx["to"]).parse::<Address>().unwrap(), amount, nonce };
            assert_eq!(fr_to_decimal(&body.message(chain_id)), message);
            assert_eq!(fr_to_decimal(&body.leaf()), s(&tx["withdrawal_leaf"]));
            assert_eq!(Signed::sign(body, chain_id, &key).signature, packed);
            Signed { body, signature: packed }.verify(chain_id, &key.public_key()).unwrap();
        }
    }
}
