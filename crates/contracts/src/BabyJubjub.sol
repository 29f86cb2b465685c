// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title BabyJubjub
/// @notice Baby Jubjub point packing and EdDSA-Poseidon verification, as internal functions that
///         inline into the calling contract. Accepts and rejects exactly what Tribunal's Rust code
///         does: `tribunal_primitives::eip2494` (`unpack_point`, `pack_point`, `is_negative`) and
///         `tribunal_primitives::eddsa` (`Signature::from_bytes`, `PublicKey::verify`).
/// @dev Curve (EIP-2494): the twisted Edwards curve `a·x² + y² = 1 + d·x²·y²` over the BN254
///      scalar field `r`, `a = 168700`, `d = 168696`, with `Base8` generating the subgroup of
///      prime order `l` (the curve has order `8·l`). `a` is a square and `d` is not, so the
///      extended-coordinate formulas used here are complete: no exceptional points, and `Z` is
///      never zero for points on the curve.
///      Sources: EIP-2494 (https://eips.ethereum.org/EIPS/eip-2494); circomlib(js) `babyjub.js`
///      (`packPoint`, `unpackPoint`) and `eddsa.js` (`verifyPoseidon`); addition and doubling in
///      extended coordinates from Hisil, Wong, Carter, Dawson, "Twisted Edwards Curves Revisited"
///      (ASIACRYPT 2008), formulas add-2008-hwcd and dbl-2008-hwcd of the Explicit-Formulas
///      Database.
library BabyJubjub {
    /// @notice The BN254 scalar field modulus `r`, over which the curve is defined.
    uint256 internal constant FIELD_MODULUS =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice `(r - 1) / 2`: a coordinate above it is "negative" (circomlib's sign convention),
    ///         and it is the Euler-criterion exponent.
    uint256 internal constant HALF_FIELD_MODULUS =
        10944121435919637611123202872628637544274182200208017171849102093287904247808;
    /// @notice The curve coefficient `a` (EIP-2494).
    uint256 internal constant COEFF_A = 168700;
    /// @notice The curve coefficient `d` (EIP-2494).
    uint256 internal constant COEFF_D = 168696;
    /// @notice The order `l` of the prime-order subgroup that `Base8` generates.
    uint256 internal constant SUBGROUP_ORDER =
        2736030358979909402780800718157159386076813972158567259200215660948447373041;
    /// @notice x-coordinate of `Base8` (EIP-2494 "B").
    uint256 internal constant BASE8_X =
        5299619240641551281634865583518297030282874472190772894086521144482721001553;
    /// @notice y-coordinate of `Base8` (EIP-2494 "B").
    uint256 internal constant BASE8_Y =
        16950150798460657717958625567821834550301663161624707787222815936182638968203;

    /// @notice Length of a packed signature in bytes: packed `R8` (32) then `S` little-endian (32).
    uint256 internal constant SIGNATURE_BYTES = 64;

    /// @notice Bit 255 of a packed point read as a little-endian integer: the sign of `x`.
    uint256 private constant SIGN_BIT = 1 << 255;

    /// @notice The hint given to `unpack` is not the x-coordinate of a point that exists.
    /// @dev Raised only when the packed point *is* decompressible, so a wrong hint can never turn
    ///      a valid point (or signature) into a rejected one.
    error BabyJubjub_BadHint();

    /// @notice The modexp precompile (address 0x05) failed, which only happens when out of gas.
    error BabyJubjub_ModexpFailed();

    /// @notice Whether `(_x, _y)` is a point of the curve, with canonical coordinates.
    /// @dev No subgroup check, like Rust's `Affine::is_on_curve` and circomlib's `inCurve`.
    /// @param _x x-coordinate.
    /// @param _y y-coordinate.
    /// @return True iff `_x < r`, `_y < r` and `a·x² + y² = 1 + d·x²·y² (mod r)`.
    function isOnCurve(uint256 _x, uint256 _y) internal pure returns (bool) {
        if (_x >= FIELD_MODULUS || _y >= FIELD_MODULUS) return false;
        uint256 x2 = mulmod(_x, _x, FIELD_MODULUS);
        uint256 y2 = mulmod(_y, _y, FIELD_MODULUS);
        uint256 dx2y2 = mulmod(COEFF_D, mulmod(x2, y2, FIELD_MODULUS), FIELD_MODULUS);
        return addmod(mulmod(COEFF_A, x2, FIELD_MODULUS), y2, FIELD_MODULUS)
            == addmod(1, dx2y2, FIELD_MODULUS);
    }

    /// @notice Whether a coordinate counts as negative in circomlib's sign convention.
    /// @param _x A field element (`< r`).
    /// @return True iff `_x > (r - 1) / 2`.
    function isNegative(uint256 _x) internal pure returns (bool) {
        return _x > HALF_FIELD_MODULUS;
    }

    /// @notice Packs a point into 32 bytes as circomlib's `packPoint` and Rust's `pack_point`:
    ///         `y` little-endian, with the top bit of the last byte (bit 255 of the little-endian
    ///         integer) set when `x` is negative.
    /// @dev Expects canonical coordinates (`< r`), as the Rust `Point` type guarantees; it does
    ///      not check that the point is on the curve.
    /// @param _x x-coordinate.
    /// @param _y y-coordinate.
    /// @return The packed point, byte 0 holding the least significant byte of `y`.
    function pack(uint256 _x, uint256 _y) internal pure returns (bytes32) {
        uint256 le = isNegative(_x) ? _y | SIGN_BIT : _y;
        return bytes32(_reverseBytes(le));
    }

    /// @notice Unpacks a point packed by `pack`, as Rust's `unpack_point`, given its x-coordinate
    ///         as a hint (the square root is computed off chain).
    /// @dev Returns `ok = false` exactly when Rust returns an error:
    ///      - `y >= r` (non-canonical);
    ///      - no point has this `y`: `x² = (1 - y²) / (a - d·y²)` has no root, proven here with the
    ///        Euler criterion on `(1 - y²)·(a - d·y²)` through the modexp precompile (a zero
    ///        denominator also means no point; it cannot happen on this curve since `a/d` is not a
    ///        square, but is checked anyway);
    ///      - the sign bit is set and `x = 0` (`y = ±1`): circomlib never produces that packing.
    ///      Otherwise the point exists and `_xHint` must be the one `x` Rust returns, the root
    ///      whose sign matches the sign bit; any other hint reverts with `BabyJubjub_BadHint`,
    ///      never `ok = false`. For a packing without a point, any hint is accepted (pass 0).
    ///      Gas (osaka): about 1,300 with the right hint, about 5,700 to prove that no point
    ///      exists (most of it the modexp precompile).
    /// @param _packed The packed point (32 bytes, `y` little-endian plus the sign bit).
    /// @param _xHint The x-coordinate of the point, if one exists.
    /// @return ok Whether the bytes are a canonical packed curve point.
    /// @return x x-coordinate (0 when `ok` is false).
    /// @return y y-coordinate (0 when `ok` is false).
    function unpack(bytes32 _packed, uint256 _xHint)
        internal
        view
        returns (bool ok, uint256 x, uint256 y)
    {
        uint256 le = _reverseBytes(uint256(_packed));
        bool sign = le & SIGN_BIT != 0;
        uint256 yCand = le & (SIGN_BIT - 1);
        if (yCand >= FIELD_MODULUS) return (false, 0, 0);

        uint256 y2 = mulmod(yCand, yCand, FIELD_MODULUS);
        // On the curve, x²·(a - d·y²) = 1 - y².
        uint256 num = addmod(1, FIELD_MODULUS - y2, FIELD_MODULUS);
        uint256 dy2 = mulmod(COEFF_D, y2, FIELD_MODULUS);
        uint256 den = addmod(COEFF_A, FIELD_MODULUS - dy2, FIELD_MODULUS);
        // y = ±1: x = 0 is the only root, and a set sign bit is non-canonical (Rust NonCanonical).
        if (sign && num == 0) return (false, 0, 0);
        if (
            _xHint < FIELD_MODULUS && isNegative(_xHint) == sign
                && mulmod(mulmod(_xHint, _xHint, FIELD_MODULUS), den, FIELD_MODULUS) == num
        ) return (true, _xHint, yCand);

        // The hint is wrong: succeed in proving that no point exists, or blame the hint.
        if (den == 0) return (false, 0, 0);
        if (_legendre(mulmod(num, den, FIELD_MODULUS)) == FIELD_MODULUS - 1) return (false, 0, 0);
        revert BabyJubjub_BadHint();
    }

    /// @notice y of the order-8 points (the others have `r - LOW_ORDER_Y8`).
    uint256 internal constant LOW_ORDER_Y8 =
        4826523245007015323400664741523384119579596407052839571721035538011798951543;

    /// @notice Whether a point of the curve has low order (`8·P` is the identity), as Rust's
    ///         `eip2494::is_low_order`.
    /// @dev The eight such points have y = 1 (the identity), r − 1 (order 2), 0 (order 4) and
    ///      ±`LOW_ORDER_Y8` (order 8), and each of these y belongs to no other point.
    /// @param _y y-coordinate of a point of the curve.
    /// @return True iff the point is in the 8-torsion.
    function isLowOrder(uint256 _y) internal pure returns (bool) {
        return _y == 0 || _y == 1 || _y == FIELD_MODULUS - 1 || _y == LOW_ORDER_Y8
            || _y == FIELD_MODULUS - LOW_ORDER_Y8;
    }

    /// @notice Whether `_packed` is a public key Rust's `PublicKey::from_bytes` accepts: a
    ///         canonical packed point of the curve (see `unpack`) that is not of low order.
    /// @dev Needs no hint: whether `x² = (1 - y²)/(a - d·y²)` has a root is the Legendre symbol
    ///      of `(1 - y²)·(a - d·y²)`. About 5,000 gas, most of it the modexp precompile.
    /// @param _packed The packed point.
    /// @return True iff the key is valid.
    function isPublicKey(bytes32 _packed) internal view returns (bool) {
        uint256 le = _reverseBytes(uint256(_packed));
        bool sign = le & SIGN_BIT != 0;
        uint256 y = le & (SIGN_BIT - 1);
        if (y >= FIELD_MODULUS) return false;
        uint256 y2 = mulmod(y, y, FIELD_MODULUS);
        uint256 num = addmod(1, FIELD_MODULUS - y2, FIELD_MODULUS);
        uint256 den = addmod(COEFF_A, FIELD_MODULUS - mulmod(COEFF_D, y2, FIELD_MODULUS), FIELD_MODULUS);
        if (den == 0 || (sign && num == 0)) return false;
        if (num != 0 && _legendre(mulmod(num, den, FIELD_MODULUS)) != 1) return false;
        return !isLowOrder(y);
    }

    /// @notice Parses a 64-byte packed signature as Rust's `Signature::from_bytes` (zk-kit's
    ///         `packSignature` layout): packed `R8` in bytes [0, 32), then `S` little-endian in
    ///         bytes [32, 64).
    /// @dev `ok = false` when `_sig` is not 64 bytes long, when `R8` does not unpack (see `unpack`;
    ///      Rust `Malformed`), or when `S >= l` (Rust `ScalarOutOfRange`). `R8` is unpacked first,
    ///      as in Rust, so a wrong hint for a decompressible `R8` reverts with
    ///      `BabyJubjub_BadHint` whatever `S` is.
    /// @param _sig The packed signature, 64 bytes.
    /// @param _r8xHint The x-coordinate of `R8`, for `unpack`.
    /// @return ok Whether the signature is well formed.
    /// @return r8x x-coordinate of `R8`.
    /// @return r8y y-coordinate of `R8`.
    /// @return s The scalar `S`, below `l`.
    function unpackSignature(bytes memory _sig, uint256 _r8xHint)
        internal
        view
        returns (bool ok, uint256 r8x, uint256 r8y, uint256 s)
    {
        if (_sig.length != SIGNATURE_BYTES) return (false, 0, 0, 0);
        bytes32 packedR8;
        uint256 sLe;
        assembly ("memory-safe") {
            packedR8 := mload(add(_sig, 0x20))
            sLe := mload(add(_sig, 0x40))
        }
        (ok, r8x, r8y) = unpack(packedR8, _r8xHint);
        if (!ok) return (false, 0, 0, 0);
        s = _reverseBytes(sLe);
        if (s >= SUBGROUP_ORDER) return (false, 0, 0, 0);
    }

    /// @notice Verifies an EdDSA-Poseidon signature `(R8, S)` by public key `A`, given its
    ///         challenge, as Rust's `PublicKey::verify` and circomlib's `verifyPoseidon`.
    /// @dev The caller computes `_hm = Poseidon(R8.x, R8.y, A.x, A.y, msg)` (circomlib Poseidon of
    ///      5 inputs) and parses packed signatures with `unpackSignature`. Checks `Base8·S ==
    ///      R8 + (8·A)·hm`: since `8·A` lies in the subgroup of order `l`, `hm` is reduced mod `l`
    ///      first, as Rust's `fr_to_scalar` does. Computed as one double-scalar multiplication
    ///      `Base8·S + (-8·A)·(hm mod l)` (Straus-Shamir with joint 2-bit windows: a 15-point
    ///      table, 252 doublings, at most 126 additions) in extended coordinates, compared to
    ///      `R8` by cross-multiplication. Uses 2.2 KiB of scratch memory past the free memory
    ///      pointer. Gas (osaka): about 188,000 for a typical signature, at most about 193,000;
    ///      the doublings alone take about 125,000.
    /// @param _ax x-coordinate of the public key `A`.
    /// @param _ay y-coordinate of the public key `A`.
    /// @param _r8x x-coordinate of the nonce point `R8`.
    /// @param _r8y y-coordinate of the nonce point `R8`.
    /// @param _s The scalar `S`.
    /// @param _hm The challenge, a field element (`< r`).
    /// @return True iff `A` and `R8` are on the curve (canonical coordinates, no subgroup check),
    ///         `S < l` and the verification equation holds.
    function verify(uint256 _ax, uint256 _ay, uint256 _r8x, uint256 _r8y, uint256 _s, uint256 _hm)
        internal
        pure
        returns (bool)
    {
        if (!isOnCurve(_ax, _ay) || !isOnCurve(_r8x, _r8y) || _s >= SUBGROUP_ORDER) return false;
        uint256 hmModL = _hm % SUBGROUP_ORDER;
        bool same;
        assembly ("memory-safe") {
            // Points live in scratch memory past the free memory pointer (never allocated), four
            // words (0x80 bytes) each in extended coordinates (X, Y, T, Z): x = X/Z, y = Y/Z and
            // x·y = T/Z. At `acc` the running sum; at acc + 0x80·k, for k = i + 4·j with i, j in
            // 0..3 and k ≠ 0, the table entry i·Base8 + j·(-8·A); at acc + 0x800 a spare slot.
            // Table entries hold d·T in place of T, which saves a mulmod per addition. Sums of two
            // reduced values (< 2^255) are fed to mulmod unreduced; everything stored is reduced.
            // `m` is the field modulus r, passed on the stack.

            // p ← (x, y), from affine coordinates.
            function setAffine(p, x, y, m) {
                mstore(p, x)
                mstore(add(p, 0x20), y)
                mstore(add(p, 0x40), mulmod(x, y, m))
                mstore(add(p, 0x60), 1)
            }

            // T of p ← d·T, turning a point into a table entry.
            function toEntry(p, m) {
                mstore(add(p, 0x40), mulmod(COEFF_D, mload(add(p, 0x40)), m))
            }

            // p ← 2·p (dbl-2008-hwcd; reads X, Y, Z).
            function dbl(p, m) {
                let x := mload(p)
                let y := mload(add(p, 0x20))
                let xx := mulmod(x, x, m) // A = X²
                let yy := mulmod(y, y, m) // B = Y²
                let e := add(x, y)
                e := addmod(mulmod(e, e, m), sub(add(m, m), add(xx, yy)), m) // E = (X+Y)² - A - B
                xx := mulmod(COEFF_A, xx, m) // D = a·A
                let g := addmod(xx, yy, m) // G = D + B
                let h := addmod(xx, sub(m, yy), m) // H = D - B
                let z := mload(add(p, 0x60))
                let f := addmod(g, sub(m, mulmod(add(z, z), z, m)), m) // F = G - C, C = 2·Z²
                mstore(p, mulmod(e, f, m))
                mstore(add(p, 0x20), mulmod(g, h, m))
                mstore(add(p, 0x40), mulmod(e, h, m))
                mstore(add(p, 0x60), mulmod(f, g, m))
            }

            // p ← p + t for a table entry t (add-2008-hwcd; complete, so also right for p = t and
            // for the identity).
            function addEntry(p, t, m) {
                let x := mload(p)
                let y := mload(add(p, 0x20))
                let xx := mload(t)
                let yy := mload(add(t, 0x20))
                let e := mulmod(add(x, y), add(xx, yy), m) // (X1 + Y1)·(X2 + Y2)
                xx := mulmod(x, xx, m) // A = X1·X2
                yy := mulmod(y, yy, m) // B = Y1·Y2
                e := addmod(e, sub(add(m, m), add(xx, yy)), m) // E = (X1 + Y1)·(X2 + Y2) - A - B
                let h := addmod(yy, sub(m, mulmod(COEFF_A, xx, m)), m) // H = B - a·A
                let c := mulmod(mload(add(p, 0x40)), mload(add(t, 0x40)), m) // C = T1·(d·T2)
                let zz := mulmod(mload(add(p, 0x60)), mload(add(t, 0x60)), m) // D = Z1·Z2
                let f := addmod(zz, sub(m, c), m) // F = D - C
                let g := addmod(zz, c, m) // G = D + C
                mstore(p, mulmod(e, f, m))
                mstore(add(p, 0x20), mulmod(g, h, m))
                mstore(add(p, 0x40), mulmod(e, h, m))
                mstore(add(p, 0x60), mulmod(f, g, m))
            }

            // dst ← src.
            function copyPoint(dst, src) {
                mstore(dst, mload(src))
                mstore(add(dst, 0x20), mload(add(src, 0x20)))
                mstore(add(dst, 0x40), mload(add(src, 0x40)))
                mstore(add(dst, 0x60), mload(add(src, 0x60)))
            }

            // p ← p + q, both with plain T, going through the spare slot.
            function addPoint(p, q, spare, m) {
                copyPoint(spare, q)
                toEntry(spare, m)
                addEntry(p, spare, m)
            }

            let m := FIELD_MODULUS
            let acc := mload(0x40)
            let spare := add(acc, 0x800)

            // Entries 1, 2, 3: Base8, 2·Base8, 3·Base8.
            setAffine(add(acc, 0x80), BASE8_X, BASE8_Y, m)
            copyPoint(add(acc, 0x100), add(acc, 0x80))
            dbl(add(acc, 0x100), m)
            copyPoint(add(acc, 0x180), add(acc, 0x100))
            addPoint(add(acc, 0x180), add(acc, 0x80), spare, m)

            // Entries 4, 8, 12: -8·A (three doublings of A, then X and T negated), -16·A, -24·A.
            let negA := add(acc, 0x200)
            setAffine(negA, _ax, _ay, m)
            dbl(negA, m)
            dbl(negA, m)
            dbl(negA, m)
            mstore(negA, mod(sub(m, mload(negA)), m))
            mstore(add(negA, 0x40), mod(sub(m, mload(add(negA, 0x40))), m))
            copyPoint(add(acc, 0x400), negA)
            dbl(add(acc, 0x400), m)
            copyPoint(add(acc, 0x600), add(acc, 0x400))
            addPoint(add(acc, 0x600), negA, spare, m)

            // Entries i + 4·j for i, j in 1..3: entry 4·j plus entry i.
            for { let j := 0x200 } lt(j, 0x800) { j := add(j, 0x200) } {
                for { let i := 0x80 } lt(i, 0x200) { i := add(i, 0x80) } {
                    copyPoint(add(acc, add(i, j)), add(acc, j))
                    addPoint(add(acc, add(i, j)), add(acc, i), spare, m)
                }
            }
            for { let k := 0x80 } lt(k, 0x800) { k := add(k, 0x80) } { toEntry(add(acc, k), m) }

            // acc ← identity (0, 1), then a joint double-and-add over 2-bit windows, bits 251..0
            // (S and hm mod l are below l < 2^251): two doublings and at most one addition each.
            setAffine(acc, 0, 1, m)
            for { let i := 252 } i {} {
                i := sub(i, 2)
                dbl(acc, m)
                dbl(acc, m)
                let k := or(and(shr(i, _s), 3), shl(2, and(shr(i, hmModL), 3)))
                if k { addEntry(acc, add(acc, shl(7, k)), m) }
            }

            // acc = R8  ⟺  X = x·Z and Y = y·Z (Z ≠ 0 for points on the curve).
            let z := mload(add(acc, 0x60))
            same := and(
                eq(mload(acc), mulmod(_r8x, z, m)),
                eq(mload(add(acc, 0x20)), mulmod(_r8y, z, m))
            )
        }
        return same;
    }

    /// @notice The Legendre symbol of `_v` modulo `r` by Euler's criterion, `_v^((r-1)/2) mod r`.
    /// @param _v A field element.
    /// @return 1 for a non-zero square, `r - 1` for a non-square, 0 for 0.
    function _legendre(uint256 _v) private view returns (uint256) {
        bool success;
        uint256 result;
        assembly ("memory-safe") {
            // modexp input: three 32-byte lengths, then base, exponent, modulus (EIP-198).
            let p := mload(0x40)
            mstore(p, 0x20)
            mstore(add(p, 0x20), 0x20)
            mstore(add(p, 0x40), 0x20)
            mstore(add(p, 0x60), _v)
            mstore(add(p, 0x80), HALF_FIELD_MODULUS)
            mstore(add(p, 0xa0), FIELD_MODULUS)
            success := staticcall(gas(), 0x05, p, 0xc0, p, 0x20)
            result := mload(p)
        }
        if (!success) revert BabyJubjub_ModexpFailed();
        return result;
    }

    /// @notice Reverses the byte order of a word (little-endian ↔ big-endian).
    /// @param _v A word.
    /// @return The word with byte 0 and byte 31 swapped, byte 1 and byte 30, and so on.
    function _reverseBytes(uint256 _v) private pure returns (uint256) {
        _v = ((_v >> 8) & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)
            | ((_v & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff) << 8);
        _v = ((_v >> 16) & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)
            | ((_v & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff) << 16);
        _v = ((_v >> 32) & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)
            | ((_v & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff) << 32);
        _v = ((_v >> 64) & 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff)
            | ((_v & 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff) << 64);
        return (_v >> 128) | (_v << 128);
    }
}
