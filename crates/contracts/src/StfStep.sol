// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import { IPoseidonT3, IPoseidonT5, IPoseidonT6, IPoseidonT7 } from "interfaces/IPoseidon.sol";
import { BabyJubjub } from "BabyJubjub.sol";

/// @title StfStep
/// @notice One transaction of the reference STF (`tribunal-stf`'s `execute_batch`), executed on
///         chain: the dispute game's one-step proof.
/// @dev A batch's execution trace is the sequence of `TraceState`s before and after each
///      transaction: first the batch's L1 messages (from the `Inbox` queue), then its blob
///      records. `step` takes the agreed state before transaction `index`, the transaction's four
///      31-byte chunks (a message proven against the queue's accumulators, or a record proven
///      against the batch's blobs, by the caller) and Merkle witnesses, and returns the state
///      after it. A message moves the queue accumulator, a record the data accumulator. A
///      transaction that fails a rule, and a record that holds no transaction at all, is skipped,
///      whoever brought it (the sequencer, a stranger posting after the forced-inclusion
///      deadline, or the L1 queue): only its accumulator moves, so no posted bytes can make a
///      batch have no post state. Every witness value must be canonical
///      (`Step_NonCanonicalWitness`) and is checked against the roots, so a caller can only
///      change the outcome by finding a Poseidon collision; a witness that does not verify
///      reverts. Who may call: anyone (a view); the dispute game calls it from `step`. Rules and encodings mirror `tribunal_stf::execute` and
///      `tribunal_primitives::batch` bit for bit; the Rust differential test holds them together.
contract StfStep {
    /// @notice One point of a batch's execution trace; every field is a BN254 scalar.
    struct TraceState {
        /// @dev Account-tree root.
        bytes32 stateRoot;
        /// @dev L1 message queue accumulator.
        bytes32 queueAcc;
        /// @dev Root of the batch's withdrawal tree so far.
        bytes32 withdrawalRoot;
        /// @dev Data commitment accumulator over the blob records so far (`h_k` of
        ///      `data_commitment`).
        bytes32 dataAcc;
    }

    /// @notice An account leaf and its Merkle path against some root.
    struct AccountWitness {
        /// @dev Whether the leaf is occupied (an empty leaf is 0).
        bool exists;
        /// @dev Public key x (Baby Jubjub, EIP-2494 form).
        uint256 x;
        /// @dev Public key y.
        uint256 y;
        /// @dev Balance, in wei (below 2^128).
        uint256 balance;
        /// @dev Nonce (below 2^64).
        uint256 nonce;
        /// @dev Siblings in the 4-ary account tree: leaf level first, three per level (the other
        ///      children of the path's parent, in increasing position), `3 * ACCOUNT_DEPTH / 2`
        ///      of them.
        bytes32[] siblings;
    }

    /// @notice What `step` needs besides the record.
    struct StepWitness {
        /// @dev The agreed state before the transaction.
        TraceState pre;
        /// @dev The signer (transfers, withdrawals), against `pre.stateRoot`; unused for deposits
        ///      and for an index outside the tree.
        AccountWitness sender;
        /// @dev The credited account (transfers, deposits), against `pre.stateRoot`.
        AccountWitness recipient;
        /// @dev Siblings of withdrawal leaf `index` against `pre.withdrawalRoot` (withdrawals).
        bytes32[] withdrawalSiblings;
        /// @dev x of the point to decompress: the signature's R8 (signed transactions) or the
        ///      deposited key (deposits); any value when the point does not exist.
        uint256 pointHint;
    }

    /// @notice Semantic version.
    /// @custom:semver 0.4.0
    string public constant version = "0.4.0";

    /// @notice Transaction kind tags of the batch encoding.
    uint8 internal constant TAG_TRANSFER = 0x01;
    uint8 internal constant TAG_WITHDRAW = 0x02;
    uint8 internal constant TAG_DEPOSIT = 0x03;
    uint8 internal constant TAG_FORCED_TRANSFER = 0x04;
    uint8 internal constant TAG_FORCED_WITHDRAW = 0x05;
    /// @notice Domain tags of the signed messages.
    uint256 internal constant TRANSFER_DOMAIN = 1;
    uint256 internal constant WITHDRAW_DOMAIN = 2;
    /// @notice Bytes per record: four 31-byte chunks.
    uint256 internal constant RECORD_BYTES = 124;

    /// @notice L2 chain id, part of every signed message.
    uint64 public immutable L2_CHAIN_ID;
    /// @notice Depth of the account tree.
    uint8 public immutable ACCOUNT_DEPTH;
    /// @notice Depth of each batch's withdrawal tree.
    uint8 public immutable WITHDRAWAL_DEPTH;
    /// @notice Root of the empty withdrawal tree: the trace's first withdrawal root.
    bytes32 public immutable EMPTY_WITHDRAWAL_ROOT;
    /// @notice circomlib Poseidon with 2 inputs (poseidon-solidity `PoseidonT3`).
    IPoseidonT3 public immutable POSEIDON2;
    /// @notice circomlib Poseidon with 4 inputs (`PoseidonT5`).
    IPoseidonT5 public immutable POSEIDON4;
    /// @notice circomlib Poseidon with 5 inputs (`PoseidonT6`).
    IPoseidonT6 public immutable POSEIDON5;
    /// @notice circomlib Poseidon with 6 inputs (circomlibjs-generated `PoseidonT7`).
    IPoseidonT7 public immutable POSEIDON6;

    /// @notice The account depth is odd: the 4-ary account tree takes two index bits per level.
    error Step_OddAccountDepth(uint8 depth);
    /// @notice A Merkle witness has the wrong number of siblings.
    error Step_BadWitnessLength(uint256 got, uint256 expected);
    /// @notice A witness value is not in canonical form: a field element at or above the BN254
    ///         scalar modulus, a balance at or above 2^128, a nonce at or above 2^64, or an empty
    ///         leaf (`exists = false`) with non-zero fields. Poseidon reduces its inputs mod p, so
    ///         a non-canonical value could pass a Merkle check while the rules read another
    ///         number: refused so the verdict depends on the pre-state and the record alone.
    error Step_NonCanonicalWitness();
    /// @notice A Merkle witness does not prove its leaf against the root it must.
    error Step_WitnessMismatch(bytes32 root);

    /// @param _l2ChainId L2 chain id.
    /// @param _accountDepth Depth of the 4-ary account tree in index bits, even (32 in production:
    ///        16 levels of `Poseidon(4)`).
    /// @param _withdrawalDepth Depth of the withdrawal tree (10 in production).
    /// @param _poseidon Poseidon contracts for 2, 4, 5 and 6 inputs.
    constructor(
        uint64 _l2ChainId,
        uint8 _accountDepth,
        uint8 _withdrawalDepth,
        address[4] memory _poseidon
    ) {
        if (_accountDepth % 2 != 0) revert Step_OddAccountDepth(_accountDepth);
        L2_CHAIN_ID = _l2ChainId;
        ACCOUNT_DEPTH = _accountDepth;
        WITHDRAWAL_DEPTH = _withdrawalDepth;
        POSEIDON2 = IPoseidonT3(_poseidon[0]);
        POSEIDON4 = IPoseidonT5(_poseidon[1]);
        POSEIDON5 = IPoseidonT6(_poseidon[2]);
        POSEIDON6 = IPoseidonT7(_poseidon[3]);
        uint256 zero = 0;
        for (uint256 l; l < _withdrawalDepth; ++l) {
            zero = IPoseidonT3(_poseidon[0]).hash([zero, zero]);
        }
        EMPTY_WITHDRAWAL_ROOT = bytes32(zero);
    }

    /// @notice The hash the dispute game stores for a trace state: keccak256 of its ABI encoding.
    /// @param _s The state.
    /// @return The hash.
    function traceHash(TraceState memory _s) public pure returns (bytes32) {
        return keccak256(abi.encode(_s.stateRoot, _s.queueAcc, _s.withdrawalRoot, _s.dataAcc));
    }

    /// @notice The queue accumulator after one more L1 message, as `Inbox` folds it:
    ///         `Poseidon(acc, Poseidon(c0, c1))` for a deposit (tag 0x03, chunks 2 and 3 zero),
    ///         `Poseidon(acc, Poseidon(c0, c1, c2, c3))` otherwise. Every chunk is bound either way,
    ///         so chunks that hash to a stored accumulator are exactly the queued message.
    /// @param _acc The accumulator before (a BN254 scalar).
    /// @param _chunks The message's four chunks (each below 2^248).
    /// @return The accumulator after; 0 (no accumulator of a non-empty queue) for a deposit with
    ///         chunks past its two.
    function queuePush(bytes32 _acc, uint256[4] calldata _chunks) public view returns (bytes32) {
        uint256 message;
        if (_chunks[0] >> 240 == TAG_DEPOSIT) {
            if (_chunks[2] != 0 || _chunks[3] != 0) return bytes32(0);
            message = POSEIDON2.hash([_chunks[0], _chunks[1]]);
        } else {
            message = POSEIDON4.hash([_chunks[0], _chunks[1], _chunks[2], _chunks[3]]);
        }
        return bytes32(POSEIDON2.hash([uint256(_acc), message]));
    }

    /// @notice Executes transaction `_index` of a batch: one of its L1 messages (the first
    ///         `queueEnd - queueStart` positions, read from the `Inbox` queue) or one of its blob
    ///         records (the rest).
    /// @param _index Position of the transaction in the batch (its withdrawal leaf index).
    /// @param _message Whether the chunks are an L1 message (the caller proved them against the
    ///        queue's accumulators) rather than a blob record (proven against the blobs).
    /// @param _chunks The transaction's four chunks, each a 31-byte payload (below 2^248).
    /// @param _w The state before the transaction and the witnesses.
    /// @return valid False only when the chunks are not an `Inbox` message (a deposit or forced
    ///         transaction) although the caller says they are, or a chunk has its top byte set. A
    ///         blob record that holds no transfer or withdrawal is skipped: valid, only the data
    ///         accumulator moves.
    /// @return post The state after it (meaningless when `valid` is false).
    function step(uint256 _index, bool _message, uint256[4] calldata _chunks, StepWitness calldata _w)
        external
        view
        returns (bool valid, TraceState memory post)
    {
        _requireCanonical(_w);
        for (uint256 j; j < 4; ++j) {
            // A blob field element whose top byte is set does not decode.
            if (_chunks[j] >> 248 != 0) return (false, post);
        }
        post = _w.pre;
        if (_message) {
            post.queueAcc = queuePush(_w.pre.queueAcc, _chunks);
        } else {
            post.dataAcc =
                bytes32(POSEIDON5.hash([uint256(_w.pre.dataAcc), _chunks[0], _chunks[1], _chunks[2], _chunks[3]]));
        }
        bytes memory rec = _record(_chunks);
        uint8 tag = uint8(_read(rec, 0, 1));
        bool applied;
        if (!_message && tag == TAG_TRANSFER && _zeroFrom(rec, 97)) {
            (applied, post.stateRoot) = _transfer(rec, _w);
        } else if (!_message && tag == TAG_WITHDRAW && _zeroFrom(rec, 113)) {
            (applied, post.stateRoot, post.withdrawalRoot) = _withdraw(rec, _index, _w);
        } else if (!_message) {
            // A record that holds no transfer or withdrawal (an unknown tag, an L1 kind, which
            // comes from the queue, or non-zero padding) is skipped: only the data moves.
            return (true, post);
        } else if (tag == TAG_FORCED_TRANSFER && _zeroFrom(rec, 97)) {
            (applied, post.stateRoot) = _transfer(rec, _w);
        } else if (tag == TAG_FORCED_WITHDRAW && _zeroFrom(rec, 113)) {
            (applied, post.stateRoot, post.withdrawalRoot) = _withdraw(rec, _index, _w);
        } else if (tag == TAG_DEPOSIT && _zeroFrom(rec, 53)) {
            (applied, post.stateRoot) = _deposit(rec, _w);
        } else {
            // Not an `Inbox` message: the caller proved otherwise, so this never happens.
            return (false, post);
        }
        if (!applied) {
            // A transaction that fails a rule is skipped.
            post.stateRoot = _w.pre.stateRoot;
            post.withdrawalRoot = _w.pre.withdrawalRoot;
        }
        valid = true;
    }

    // ---------------------------------------------------------------- transactions

    /// @dev A signed transaction's fields.
    struct Body {
        uint256 from;
        uint256 to;
        uint256 amount;
        uint256 nonce;
    }

    function _transfer(bytes memory _rec, StepWitness calldata _w) internal view returns (bool, bytes32) {
        Body memory t = Body(_read(_rec, 1, 4), _read(_rec, 5, 4), _read(_rec, 9, 16), _read(_rec, 25, 8));
        bytes32 root = _w.pre.stateRoot;
        if (!_inTree(t.from) || !_inTree(t.to)) return (false, root);
        AccountWitness calldata s = _w.sender;
        AccountWitness calldata r = _w.recipient;
        _verify(t.to, _leaf(r), r.siblings, root);
        if (!r.exists || !_debits(_w, t, _rec, 33, TRANSFER_DOMAIN)) return (false, root);
        if (t.from == t.to) {
            // A self-transfer credits the debited sender back: only the nonce moves.
            return (true, bytes32(_root(t.from, _hashLeaf(s.x, s.y, s.balance, t.nonce + 1), s.siblings)));
        }
        if (r.balance + t.amount > type(uint128).max) return (false, root);
        // The sender's new path changes one sibling of the recipient's: the sender's node at the
        // level below where the paths meet, in its position among the recipient's siblings.
        uint256 level = _divergence(t.from, t.to);
        uint256 senderLeaf = _hashLeaf(s.x, s.y, s.balance - t.amount, t.nonce + 1);
        bytes32[] memory siblings = r.siblings;
        uint256 ds = (t.from >> (2 * level)) & 3;
        uint256 slot = ds < ((t.to >> (2 * level)) & 3) ? ds : ds - 1;
        siblings[3 * level + slot] = bytes32(_nodeAt(t.from, senderLeaf, s.siblings, level));
        return (true, bytes32(_rootMem(t.to, _hashLeaf(r.x, r.y, r.balance + t.amount, r.nonce), siblings)));
    }

    function _withdraw(bytes memory _rec, uint256 _index, StepWitness calldata _w)
        internal
        view
        returns (bool, bytes32, bytes32)
    {
        Body memory t = Body(_read(_rec, 1, 4), _read(_rec, 5, 20), _read(_rec, 25, 16), _read(_rec, 41, 8));
        bytes32 root = _w.pre.stateRoot;
        bytes32 wroot = _w.pre.withdrawalRoot;
        if (!_inTree(t.from) || !_debits(_w, t, _rec, 49, WITHDRAW_DOMAIN)) return (false, root, wroot);
        if (_index >> WITHDRAWAL_DEPTH != 0) return (false, root, wroot);
        if (_binaryRoot(_index, 0, _w.withdrawalSiblings) != uint256(wroot)) revert Step_WitnessMismatch(wroot);
        AccountWitness calldata s = _w.sender;
        bytes32 newRoot = bytes32(_root(t.from, _hashLeaf(s.x, s.y, s.balance - t.amount, t.nonce + 1), s.siblings));
        uint256 wleaf = POSEIDON2.hash([t.to, t.amount]);
        return (true, newRoot, bytes32(_binaryRoot(_index, wleaf, _w.withdrawalSiblings)));
    }

    /// @dev The debit rules of a signed transaction, on the sender proven against the pre-state:
    ///      it exists, the signature at `_rec[_sigOffset..+64]` verifies under its key, the nonce is
    ///      its nonce and not the last, and the balance covers the amount.
    function _debits(StepWitness calldata _w, Body memory _t, bytes memory _rec, uint256 _sigOffset, uint256 _domain)
        internal
        view
        returns (bool)
    {
        AccountWitness calldata s = _w.sender;
        _verify(_t.from, _leaf(s), s.siblings, _w.pre.stateRoot);
        if (!s.exists) return false;
        uint256 message = POSEIDON6.poseidon([_domain, uint256(L2_CHAIN_ID), _t.from, _t.to, _t.amount, _t.nonce]);
        if (!_signed(s, _rec, _sigOffset, message, _w.pointHint)) return false;
        return _t.nonce == s.nonce && _t.nonce != type(uint64).max && s.balance >= _t.amount;
    }

    function _deposit(bytes memory _rec, StepWitness calldata _w) internal view returns (bool, bytes32) {
        uint256 to = _read(_rec, 1, 4);
        bytes32 pubkey = bytes32(_read(_rec, 5, 32));
        uint256 amount = _read(_rec, 37, 16);
        bytes32 root = _w.pre.stateRoot;
        if (!_inTree(to)) return (false, root);
        AccountWitness calldata r = _w.recipient;
        _verify(to, _leaf(r), r.siblings, root);
        uint256 leaf;
        if (!r.exists) {
            (bool ok, uint256 x, uint256 y) = BabyJubjub.unpack(pubkey, _w.pointHint);
            // A key of low order would let anyone sign for the account.
            if (!ok || BabyJubjub.isLowOrder(y)) return (false, root);
            leaf = _hashLeaf(x, y, amount, 0);
        } else {
            if (BabyJubjub.pack(r.x, r.y) != pubkey) return (false, root);
            if (r.balance + amount > type(uint128).max) return (false, root);
            leaf = _hashLeaf(r.x, r.y, r.balance + amount, r.nonce);
        }
        return (true, bytes32(_root(to, leaf, r.siblings)));
    }

    /// @dev The EdDSA-Poseidon signature at `_rec[_offset.._offset+64]` over `_message` by `_s`'s key.
    function _signed(AccountWitness calldata _s, bytes memory _rec, uint256 _offset, uint256 _message, uint256 _hint)
        internal
        view
        returns (bool)
    {
        bytes memory sig = new bytes(64);
        assembly ("memory-safe") {
            let src := add(add(_rec, 32), _offset)
            mstore(add(sig, 32), mload(src))
            mstore(add(sig, 64), mload(add(src, 32)))
        }
        (bool ok, uint256 r8x, uint256 r8y, uint256 s) = BabyJubjub.unpackSignature(sig, _hint);
        if (!ok) return false;
        uint256 hm = POSEIDON5.hash([r8x, r8y, _s.x, _s.y, _message]);
        return BabyJubjub.verify(_s.x, _s.y, r8x, r8y, s, hm);
    }

    // ---------------------------------------------------------------- canonical witnesses

    /// @dev Reverts unless every value of `_w` is canonical (`Step_NonCanonicalWitness`): each
    ///      state field, sibling, key coordinate and the point hint below the BN254 scalar modulus,
    ///      balances below 2^128, nonces below 2^64, and an empty leaf all zero. With canonical
    ///      inputs each Merkle check pins the account to the one leaf preimage the tree holds.
    function _requireCanonical(StepWitness calldata _w) internal pure {
        uint256 p = BabyJubjub.FIELD_MODULUS;
        TraceState calldata pre = _w.pre;
        if (
            uint256(pre.stateRoot) >= p || uint256(pre.queueAcc) >= p || uint256(pre.withdrawalRoot) >= p
                || uint256(pre.dataAcc) >= p || _w.pointHint >= p
        ) revert Step_NonCanonicalWitness();
        _requireCanonicalAccount(_w.sender);
        _requireCanonicalAccount(_w.recipient);
        _requireCanonicalSiblings(_w.withdrawalSiblings);
    }

    function _requireCanonicalAccount(AccountWitness calldata _a) internal pure {
        if (_a.exists) {
            if (
                _a.x >= BabyJubjub.FIELD_MODULUS || _a.y >= BabyJubjub.FIELD_MODULUS || _a.balance >> 128 != 0
                    || _a.nonce >> 64 != 0
            ) revert Step_NonCanonicalWitness();
        } else if (_a.x | _a.y | _a.balance | _a.nonce != 0) {
            revert Step_NonCanonicalWitness();
        }
        _requireCanonicalSiblings(_a.siblings);
    }

    function _requireCanonicalSiblings(bytes32[] calldata _siblings) internal pure {
        for (uint256 i; i < _siblings.length; ++i) {
            if (uint256(_siblings[i]) >= BabyJubjub.FIELD_MODULUS) revert Step_NonCanonicalWitness();
        }
    }

    // ---------------------------------------------------------------- trees

    function _inTree(uint256 _index) internal view returns (bool) {
        return _index >> ACCOUNT_DEPTH == 0;
    }

    function _leaf(AccountWitness calldata _a) internal view returns (uint256) {
        return _a.exists ? _hashLeaf(_a.x, _a.y, _a.balance, _a.nonce) : 0;
    }

    /// @dev `Poseidon(x, y, balance, nonce)`, the account leaf of docs/stf.md.
    function _hashLeaf(uint256 _x, uint256 _y, uint256 _balance, uint256 _nonce) internal view returns (uint256) {
        return POSEIDON4.hash([_x, _y, _balance, _nonce]);
    }

    /// @dev The level below the one at which the paths of two different leaves meet: their
    ///      highest differing base-4 digit. At that level each path's node is one of the other's
    ///      siblings.
    function _divergence(uint256 _a, uint256 _b) internal pure returns (uint256 level) {
        uint256 x = (_a ^ _b) >> 2;
        while (x != 0) {
            x >>= 2;
            ++level;
        }
    }

    function _verify(uint256 _index, uint256 _leafValue, bytes32[] calldata _siblings, bytes32 _root_) internal view {
        if (bytes32(_root(_index, _leafValue, _siblings)) != _root_) revert Step_WitnessMismatch(_root_);
    }

    /// @dev The account-tree root implied by leaf `_index` holding `_leafValue` and its siblings
    ///      (three per level, leaf level first).
    function _root(uint256 _index, uint256 _leafValue, bytes32[] calldata _siblings) internal view returns (uint256) {
        // ACCOUNT_DEPTH is even (constructor), so this is three per level exactly.
        uint256 expected = 3 * uint256(ACCOUNT_DEPTH) / 2;
        if (_siblings.length != expected) revert Step_BadWitnessLength(_siblings.length, expected);
        return _nodeAt(_index, _leafValue, _siblings, ACCOUNT_DEPTH / 2);
    }

    function _rootMem(uint256 _index, uint256 _leafValue, bytes32[] memory _siblings) internal view returns (uint256 node) {
        node = _leafValue;
        for (uint256 l; l < _siblings.length / 3; ++l) {
            uint256 i = 3 * l;
            node = _parent(node, (_index >> (2 * l)) & 3, _siblings[i], _siblings[i + 1], _siblings[i + 2]);
        }
    }

    /// @dev The node at `_level` on the account-tree path of leaf `_index` holding `_leafValue`.
    function _nodeAt(uint256 _index, uint256 _leafValue, bytes32[] calldata _siblings, uint256 _level)
        internal
        view
        returns (uint256 node)
    {
        node = _leafValue;
        for (uint256 l; l < _level; ++l) {
            uint256 i = 3 * l;
            node = _parent(node, (_index >> (2 * l)) & 3, _siblings[i], _siblings[i + 1], _siblings[i + 2]);
        }
    }

    /// @dev `Poseidon(4)` of the four children: `_node` at position `_digit`, the siblings in
    ///      increasing position at the others.
    function _parent(uint256 _node, uint256 _digit, bytes32 _s0, bytes32 _s1, bytes32 _s2)
        internal
        view
        returns (uint256)
    {
        (uint256 a, uint256 b, uint256 c) = (uint256(_s0), uint256(_s1), uint256(_s2));
        if (_digit == 0) return POSEIDON4.hash([_node, a, b, c]);
        if (_digit == 1) return POSEIDON4.hash([a, _node, b, c]);
        if (_digit == 2) return POSEIDON4.hash([a, b, _node, c]);
        return POSEIDON4.hash([a, b, c, _node]);
    }

    /// @dev The withdrawal-tree root implied by leaf `_index` holding `_leafValue` and its
    ///      siblings (binary, one per level, leaf level first).
    function _binaryRoot(uint256 _index, uint256 _leafValue, bytes32[] calldata _siblings)
        internal
        view
        returns (uint256 node)
    {
        if (_siblings.length != WITHDRAWAL_DEPTH) revert Step_BadWitnessLength(_siblings.length, WITHDRAWAL_DEPTH);
        node = _leafValue;
        for (uint256 l; l < WITHDRAWAL_DEPTH; ++l) {
            uint256 sib = uint256(_siblings[l]);
            node = (_index >> l) & 1 == 0 ? POSEIDON2.hash([node, sib]) : POSEIDON2.hash([sib, node]);
        }
    }

    // ---------------------------------------------------------------- record bytes

    /// @dev The 124 record bytes: the four chunks' 31 bytes each, big-endian.
    function _record(uint256[4] calldata _chunks) internal pure returns (bytes memory rec) {
        rec = new bytes(RECORD_BYTES + 4);
        for (uint256 j; j < 4; ++j) {
            uint256 word = _chunks[j] << 8;
            assembly ("memory-safe") {
                mstore(add(add(rec, 32), mul(j, 31)), word)
            }
        }
        assembly ("memory-safe") {
            mstore(rec, 124)
        }
    }

    /// @dev `_len` bytes at `_offset`, big-endian.
    function _read(bytes memory _rec, uint256 _offset, uint256 _len) internal pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := shr(sub(256, mul(8, _len)), mload(add(add(_rec, 32), _offset)))
        }
    }

    /// @dev Whether the record's bytes from `_from` on are zero (the record padding).
    function _zeroFrom(bytes memory _rec, uint256 _from) internal pure returns (bool) {
        for (uint256 i = _from; i < RECORD_BYTES; i += 32) {
            uint256 len = RECORD_BYTES - i < 32 ? RECORD_BYTES - i : 32;
            if (_read(_rec, i, len) != 0) return false;
        }
        return true;
    }
}
