// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title Groth16
/// @notice Groth16 proof verification over BN254 (alt_bn128), with only the EIP-196 (ecAdd 0x06,
///         ecMul 0x07) and EIP-197 (ecPairing 0x08) precompiles. It takes any verifying key, so it
///         also checks other BN254 Groth16 proofs (arkworks, snarkjs, gnark, and the Groth16
///         wrappers of SP1 and RISC Zero), each with its own key and public inputs.
/// @dev Word layout (EIP-196, EIP-197). Every word is a 32-byte big-endian integer.
///      - Base field elements are below `P`; scalars (public inputs) are below `R`.
///      - A G1 point is 2 words `(x, y)`. The point at infinity is `(0, 0)`.
///      - An Fp2 element `a = a_re + a_im·i` is 2 words, the IMAGINARY coefficient first:
///        `(a_im, a_re)`. A G2 point is therefore 4 words `(x_im, x_re, y_im, y_re)`, and the point
///        at infinity is 4 zero words. (arkworks' `Fq2 { c0, c1 }` is `a_re = c0`, `a_im = c1`.)
///      - A proof is `A` (G1), `B` (G2), `C` (G1) exactly as the prover outputs them: this library
///        negates `A` itself.
///
///      The check (J. Groth, "On the Size of Pairing-based Non-interactive Arguments", EUROCRYPT
///      2016, §3.2), for public inputs `x_1..x_n`:
///        vk_x = IC[0] + Σ x_i·IC[i]
///        e(A, B) = e(α, β)·e(vk_x, γ)·e(C, δ)
///      done as one 4-pair product for the pairing precompile: e(−A, B)·e(α, β)·e(vk_x, γ)·e(C, δ) = 1.
///
///      Gas (EIP-1108 prices): 45,000 + 4·34,000 for the pairing, 6,000 + 150 per nonzero public
///      input, and about 4,000 for the checks and memory (measured: 190,946 gas for one input).
///      Failures: every check returns false rather than reverting.
///      The proof's points are checked for canonical encoding and curve membership before any
///      precompile sees them, because a failing precompile consumes all the gas it was given
///      (EIP-196/197); the G2 subgroup check is left to the pairing precompile, so only a point
///      crafted on the twist but outside the subgroup reaches a failing call (which still returns
///      false here, having spent the forwarded gas). The precompiles get all remaining gas, so a
///      future repricing of them (e.g. EIP-7904) does not break verification.
library Groth16 {
    /// @notice A Groth16 verifying key, in the word layout above.
    struct VerifyingKey {
        /// @dev α, G1.
        uint256[2] alpha;
        /// @dev β, G2.
        uint256[4] beta;
        /// @dev γ, G2.
        uint256[4] gamma;
        /// @dev δ, G2.
        uint256[4] delta;
        /// @dev IC[0..n] (arkworks' `gamma_abc_g1`), G1, flattened: `x0, y0, x1, y1, …`; its
        ///      length is 2·(n + 1) words for n public inputs.
        uint256[] ic;
    }

    /// @notice A Groth16 proof, in the word layout above (`A` not negated).
    struct Proof {
        /// @dev A, G1.
        uint256[2] a;
        /// @dev B, G2.
        uint256[4] b;
        /// @dev C, G1.
        uint256[2] c;
    }

    /// @notice BN254 base field modulus p.
    uint256 internal constant P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
    /// @notice BN254 scalar field modulus r (the group order; public inputs are below it).
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// @notice Real coefficient of the G2 twist's b' = 3 / (9 + i), in y² = x³ + b'.
    uint256 internal constant TWIST_B_RE = 0x2b149d40ceb8aaae81be18991be06ac3b5b4c5e559dbefa33267e6dc24a138e5;
    /// @notice Imaginary coefficient of the G2 twist's b'.
    uint256 internal constant TWIST_B_IM = 0x009713b03af0fed4cd2cafadeed8fdf4a74fa084e52d1852e4a2bd0685c315d2;

    /// @notice Verifies `_proof` for `_input` under `_vk`.
    /// @param _vk The verifying key; trusted (it is not validated here, see `isValidKey`).
    /// @param _proof The proof, untrusted.
    /// @param _input The public inputs, untrusted; `_vk.ic` must hold one more point than there
    ///        are inputs.
    /// @return Whether the proof verifies. False, never a revert, for an input not below `R`, a
    ///         wrong number of inputs, a non-canonical or off-curve proof point, or a failing
    ///         precompile.
    function verify(
        VerifyingKey memory _vk,
        Proof memory _proof,
        uint256[] memory _input
    )
        internal
        view
        returns (bool)
    {
        if (_vk.ic.length != 2 * _input.length + 2) return false;
        uint256[4] memory b = _proof.b;
        if (
            !isOnCurveG1(_proof.a[0], _proof.a[1]) || !isOnCurveG1(_proof.c[0], _proof.c[1])
                || !isOnCurveG2(b[0], b[1], b[2], b[3])
        ) return false;
        (bool ok, uint256 x, uint256 y) = _linearCombination(_vk.ic, _input);
        if (!ok) return false;
        return _pairingCheck(_vk, _proof, x, y);
    }

    /// @notice Whether `_p` is a canonical encoding of a point of G1 (y² = x³ + 3), or (0, 0).
    /// @dev G1 has prime order, so the curve equation is the whole membership check.
    /// @param _p The point, 2 words.
    /// @return Whether it is.
    function isOnCurveG1(uint256[2] memory _p) internal pure returns (bool) {
        return isOnCurveG1(_p[0], _p[1]);
    }

    /// @notice `isOnCurveG1` of the point (`_x`, `_y`), for callers that read the words from
    ///         calldata.
    /// @param _x Its x coordinate.
    /// @param _y Its y coordinate.
    /// @return Whether it is.
    function isOnCurveG1(uint256 _x, uint256 _y) internal pure returns (bool) {
        if (_x >= P || _y >= P) return false;
        if ((_x | _y) == 0) return true;
        return mulmod(_y, _y, P) == addmod(mulmod(mulmod(_x, _x, P), _x, P), 3, P);
    }

    /// @notice Whether `_p` is a canonical encoding of a point on the G2 twist (y² = x³ + b' over
    ///         Fp2), or 4 zero words. It does not check the subgroup: the pairing precompile does.
    /// @param _p The point, 4 words `(x_im, x_re, y_im, y_re)`.
    /// @return Whether it is.
    function isOnCurveG2(uint256[4] memory _p) internal pure returns (bool) {
        return isOnCurveG2(_p[0], _p[1], _p[2], _p[3]);
    }

    /// @notice `isOnCurveG2` of the point x = xr + xi·i, y = yr + yi·i, for callers that read the
    ///         words from calldata.
    /// @param xi Imaginary part of x.
    /// @param xr Real part of x.
    /// @param yi Imaginary part of y.
    /// @param yr Real part of y.
    /// @return Whether it is.
    function isOnCurveG2(uint256 xi, uint256 xr, uint256 yi, uint256 yr) internal pure returns (bool) {
        if (xi >= P || xr >= P || yi >= P || yr >= P) return false;
        if ((xi | xr | yi | yr) == 0) return true;
        unchecked {
            // x² = (xr² − xi²) + 2·xr·xi·i, with i² = −1; every operand below P.
            uint256 sr = addmod(mulmod(xr, xr, P), P - mulmod(xi, xi, P), P);
            uint256 si = mulmod(xr + xr, xi, P);
            // x³ + b' = x²·x + b'.
            uint256 rhsR = addmod(addmod(mulmod(sr, xr, P), P - mulmod(si, xi, P), P), TWIST_B_RE, P);
            uint256 rhsI = addmod(addmod(mulmod(sr, xi, P), mulmod(si, xr, P), P), TWIST_B_IM, P);
            // y².
            uint256 lhsR = addmod(mulmod(yr, yr, P), P - mulmod(yi, yi, P), P);
            uint256 lhsI = mulmod(yr + yr, yi, P);
            return lhsR == rhsR && lhsI == rhsI;
        }
    }

    /// @notice Whether a verifying key is well formed: every point canonical and on its curve
    ///         (G2 points not subgroup-checked), and at least IC[0].
    /// @dev For constructors that take a key; `verify` trusts its key and does not call this.
    /// @param _vk The key.
    /// @return Whether it is.
    function isValidKey(VerifyingKey memory _vk) internal pure returns (bool) {
        uint256[] memory ic = _vk.ic;
        if (ic.length < 2 || ic.length % 2 != 0) return false;
        if (!isOnCurveG1(_vk.alpha) || !isOnCurveG2(_vk.beta)) return false;
        if (!isOnCurveG2(_vk.gamma) || !isOnCurveG2(_vk.delta)) return false;
        for (uint256 i = 0; i < ic.length; i += 2) {
            if (!isOnCurveG1([ic[i], ic[i + 1]])) return false;
        }
        return true;
    }

    /// @dev vk_x = IC[0] + Σ input_i·IC[i+1], by ecMul (0x07) and ecAdd (0x06). Zero inputs are
    ///      skipped. False when an input is not below `R` or a precompile fails.
    function _linearCombination(
        uint256[] memory _ic,
        uint256[] memory _input
    )
        private
        view
        returns (bool ok, uint256 x, uint256 y)
    {
        assembly ("memory-safe") {
            ok := 1
            x := mload(add(_ic, 0x20))
            y := mload(add(_ic, 0x40))
            // Scratch past the free memory pointer: [px, py, s] for ecMul, whose product lands on
            // [px, py], then [px, py, x, y] for ecAdd, whose sum lands on [px, py] again.
            let m := mload(0x40)
            let n := mload(_input)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let s := mload(add(_input, shl(5, add(i, 1))))
                if iszero(lt(s, R)) {
                    ok := 0
                    break
                }
                if s {
                    // IC[i+1] is at words 2(i+1), 2(i+1)+1 of the array's data.
                    mcopy(m, add(add(_ic, 0x20), shl(6, add(i, 1))), 0x40)
                    mstore(add(m, 0x40), s)
                    // Yul evaluates arguments right to left: read returndatasize() after the call.
                    ok := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
                    ok := and(ok, eq(returndatasize(), 0x40))
                    mstore(add(m, 0x40), x)
                    mstore(add(m, 0x60), y)
                    ok := and(ok, staticcall(gas(), 0x06, m, 0x80, m, 0x40))
                    ok := and(ok, eq(returndatasize(), 0x40))
                    if iszero(ok) { break }
                    x := mload(m)
                    y := mload(add(m, 0x20))
                }
            }
        }
    }

    /// @dev The pairing product e(−A, B)·e(α, β)·e(vk_x, γ)·e(C, δ) = 1, one ecPairing (0x08)
    ///      call over 4 pairs of 6 words (768 bytes). `A` is canonical (checked), so −A is
    ///      (x, (P − y) mod P), which also maps the point at infinity to itself.
    function _pairingCheck(
        VerifyingKey memory _vk,
        Proof memory _proof,
        uint256 _x,
        uint256 _y
    )
        private
        view
        returns (bool ok)
    {
        uint256[2] memory a = _proof.a;
        uint256[4] memory b = _proof.b;
        uint256[2] memory c = _proof.c;
        uint256[2] memory alpha = _vk.alpha;
        uint256[4] memory beta = _vk.beta;
        uint256[4] memory gamma = _vk.gamma;
        uint256[4] memory delta = _vk.delta;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(a))
            mstore(add(m, 0x20), mod(sub(P, mload(add(a, 0x20))), P))
            mcopy(add(m, 0x40), b, 0x80)
            mcopy(add(m, 0xc0), alpha, 0x40)
            mcopy(add(m, 0x100), beta, 0x80)
            mstore(add(m, 0x180), _x)
            mstore(add(m, 0x1a0), _y)
            mcopy(add(m, 0x1c0), gamma, 0x80)
            mcopy(add(m, 0x240), c, 0x40)
            mcopy(add(m, 0x280), delta, 0x80)
            let success := staticcall(gas(), 0x08, m, 0x300, m, 0x20)
            ok := and(and(success, eq(returndatasize(), 0x20)), eq(mload(m), 1))
        }
    }
}
