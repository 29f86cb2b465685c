//! The development enclave: the same re-execution as a real enclave, with a software key.
//!
//! **INSECURE.** Nothing stops the host from reading the key or signing anything with it: a dev
//! signer proves only that someone ran this binary. It exists so that a devnet has a TEE leg. Its
//! [`Measurement`] is `sha256("tribunal.tee.dev.insecure" ‖ sha256(binary) ‖ config)`, its
//! attestations say [`crate::TeeKind::DevInsecure`], and the `TeeVerifier` records that kind on chain.

use alloy::signers::{SignerSync, local::PrivateKeySigner};
use alloy_primitives::{Address, B256, keccak256};
use sha2::{Digest, Sha256};

use crate::{
    Attestation, Enclave, EnclaveConfig, Measurement, ProveRequest, TeeApproval, TeeError,
    reexecute, report_data,
};

/// Domain tag of the dev measurement.
const DEV_DOMAIN: &[u8] = b"tribunal.tee.dev.insecure";

/// An in-process enclave with a software secp256k1 key. **Insecure**: see the module docs.
#[derive(Clone, Debug)]
pub struct DevEnclave {
    config: EnclaveConfig,
    key: PrivateKeySigner,
    binary_sha256: B256,
}

/// The dev backend's evidence: the signer, the chain, and what the measurement is made of.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct DevAttestation {
    /// The signer.
    pub signer: Address,
    /// The L2 chain.
    pub l2_chain_id: u64,
    /// sha256 of the prover binary.
    pub binary_sha256: B256,
    /// [`EnclaveConfig::encode`], as hex.
    #[serde(with = "hex::serde")]
    pub config: Vec<u8>,
    /// [`report_data`] of the signer and chain, as a quote would carry it.
    #[serde(with = "hex::serde")]
    pub report_data: Vec<u8>,
    /// Always `"INSECURE development attestation: no hardware root of trust"`.
    pub warning: String,
}

impl DevAttestation {
    /// The warning every dev attestation carries.
    pub const WARNING: &'static str = "INSECURE development attestation: no hardware root of trust";

    /// The attested measurement.
    pub fn measurement(&self) -> Measurement {
        measurement_of(self.binary_sha256, &self.config)
    }

    /// keccak256 of the JSON encoding: what `TeeVerifier` records as the evidence hash.
    pub fn evidence_hash(&self) -> B256 {
        keccak256(serde_json::to_vec(self).expect("serializable"))
    }
}

/// The dev measurement of a binary (by its sha256) running with an encoded configuration.
pub fn measurement_of(binary_sha256: B256, config: &[u8]) -> Measurement {
    let mut h = Sha256::new();
    h.update(DEV_DOMAIN);
    h.update(binary_sha256);
    h.update(config);
    Measurement(B256::from(<[u8; 32]>::from(h.finalize())))
}

/// sha256 of the running executable.
///
/// # Errors
/// The I/O error reading it.
pub fn current_binary_sha256() -> std::io::Result<B256> {
    let mut file = std::fs::File::open(std::env::current_exe()?)?;
    let mut h = Sha256::new();
    std::io::copy(&mut file, &mut h)?;
    Ok(B256::from(<[u8; 32]>::from(h.finalize())))
}

impl DevEnclave {
    /// A dev enclave holding `key`, measured over the running executable and `config`.
    ///
    /// # Errors
    /// The I/O error reading the executable.
    pub fn new(config: EnclaveConfig, key: PrivateKeySigner) -> std::io::Result<Self> {
        Ok(Self::with_binary_hash(config, key, current_binary_sha256()?))
    }

    /// A dev enclave measured over a given binary hash (for reproducing a measurement elsewhere).
    pub fn with_binary_hash(
        config: EnclaveConfig,
        key: PrivateKeySigner,
        binary_sha256: B256,
    ) -> Self {
        let enclave = Self { config, key, binary_sha256 };
        tracing::warn!(
            signer = %enclave.signer(),
            measurement = %enclave.measurement().0,
            "INSECURE dev TEE enclave: a software key with no hardware root of trust"
        );
        enclave
    }
}

impl Enclave for DevEnclave {
    fn config(&self) -> &EnclaveConfig {
        &self.config
    }

    fn measurement(&self) -> Measurement {
        measurement_of(self.binary_sha256, &self.config.encode())
    }

    fn signer(&self) -> Address {
        self.key.address()
    }

    fn attestation(&self) -> Result<Attestation, TeeError> {
        Ok(Attestation::Dev(DevAttestation {
            signer: self.signer(),
            l2_chain_id: self.config.stf.chain_id.0,
            binary_sha256: self.binary_sha256,
            config: self.config.encode(),
            report_data: report_data(self.signer(), self.config.stf.chain_id.0).to_vec(),
            warning: DevAttestation::WARNING.to_owned(),
        }))
    }

    fn prove(&self, request: &ProveRequest) -> Result<TeeApproval, TeeError> {
        reexecute(&self.config.stf, request)?;
        let digest = request.claim.tee_signing_hash(self.config.l1_chain_id, self.config.finality);
        let signature = self
            .key
            .sign_hash_sync(&digest)
            .map_err(|e| TeeError::Backend(format!("signing: {e}")))?;
        Ok(TeeApproval {
            claim: request.claim,
            signer: self.signer(),
            signature: signature.as_bytes(),
        })
    }
}
