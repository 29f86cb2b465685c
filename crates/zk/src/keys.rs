//! Groth16 keys: the deterministic development setup, and the on-disk cache.
//!
//! **The development setup is insecure.** Its toxic waste comes from a seed anyone can derive
//! (`SHA-256("tribunal insecure dev setup" ‖ key id)`), so anyone can forge proofs under its keys.
//! It exists so that the devnet and CI build the same keys everywhere; file names and logs say
//! `INSECURE`, and the verifier contract records it on chain (`INSECURE_DEV_SETUP`).
//!
//! A production deployment needs a ceremony instead:
//! - phase 1: a universal powers-of-tau transcript at least as large as the circuit (2^21
//!   constraints covers `B = 16` at depth 32; the perpetual powers of tau or the Ethereum KZG
//!   ceremony's are candidates once converted), checked with its public beacon;
//! - phase 2: a circuit-specific contribution round over this circuit's exact R1CS (any change
//!   bumps [`crate::config::CIRCUIT_VERSION`] and needs a new round), with many independent
//!   contributors, each attesting, and a final random beacon;
//! - publication of every transcript and of the verifying key hash the contract is deployed with.
//!
//! Keys are cached under `dir/INSECURE-dev-<key id>.{pk,vk}` in arkworks' uncompressed encoding,
//! keyed by the circuit configuration and version ([`CircuitConfig::key_id`]).

use std::{
    fs,
    io::{BufReader, BufWriter},
    path::{Path, PathBuf},
};

use ark_bn254::Bn254;
use ark_groth16::{Groth16, PreparedVerifyingKey, ProvingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use sha2::{Digest, Sha256};

use crate::{circuit::BatchCircuit, config::CircuitConfig, progress::Progress};

/// A key could not be built, read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Groth16 setup failed.
    #[error("groth16 setup: {0}")]
    Setup(String),
    /// A cached key file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A cached key file does not decode; it is left in place and rebuilt under a new name is
    /// not attempted: delete it to rebuild.
    #[error("key file {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Decoder's message.
        reason: String,
    },
}

/// A circuit's proving and verifying keys.
#[derive(Clone, Debug)]
pub struct Keys {
    /// The shape the keys are for.
    pub config: CircuitConfig,
    /// Proving key.
    pub pk: ProvingKey<Bn254>,
    /// Verifying key, prepared for pairing checks.
    pub pvk: PreparedVerifyingKey<Bn254>,
    /// Whether the keys come from the insecure development setup.
    pub insecure: bool,
}

impl Keys {
    /// The verifying key.
    pub const fn vk(&self) -> &VerifyingKey<Bn254> {
        &self.pvk.vk
    }
}

fn dev_rng(config: &CircuitConfig) -> StdRng {
    let seed: [u8; 32] = Sha256::new()
        .chain_update(b"tribunal insecure dev setup")
        .chain_update(config.key_id().as_bytes())
        .finalize()
        .into();
    StdRng::from_seed(seed)
}

/// Runs the deterministic, **insecure** development setup for `config`.
///
/// Seconds to minutes: about 1 µs per constraint per core for the MSMs.
///
/// # Errors
/// [`KeyError::Config`] or [`KeyError::Setup`].
pub fn dev_setup(config: &CircuitConfig) -> Result<Keys, KeyError> {
    config.validate()?;
    tracing::warn!(key = %config.key_id(), "running the INSECURE deterministic Groth16 dev setup");
    let progress =
        Progress::start(format!("Groth16 setup {} (INSECURE dev keys)", config.key_id()));
    let circuit = BatchCircuit { config: *config, witness: None };
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit, &mut dev_rng(config))
        .map_err(|e| KeyError::Setup(e.to_string()))?;
    progress.finish();
    Ok(Keys {
        config: *config,
        pvk: Groth16::<Bn254>::process_vk(&vk).expect("infallible"),
        pk,
        insecure: true,
    })
}

/// The cache file stem of `config`'s development keys in `dir`.
pub fn dev_key_path(dir: &Path, config: &CircuitConfig) -> PathBuf {
    dir.join(format!("INSECURE-dev-{}", config.key_id()))
}

fn read<T: CanonicalDeserialize>(path: &Path) -> Result<T, KeyError> {
    let file = fs::File::open(path).map_err(|source| KeyError::Io { path: path.into(), source })?;
    // The files are ours and hashed into their name's config; skip the slow subgroup checks.
    T::deserialize_uncompressed_unchecked(BufReader::new(file))
        .map_err(|e| KeyError::Corrupt { path: path.into(), reason: e.to_string() })
}

fn write<T: CanonicalSerialize>(path: &Path, value: &T) -> Result<(), KeyError> {
    let io = |source| KeyError::Io { path: path.into(), source };
    let tmp = path.with_extension("tmp");
    let file = fs::File::create(&tmp).map_err(io)?;
    value
        .serialize_uncompressed(BufWriter::new(file))
        .map_err(|e| KeyError::Corrupt { path: path.into(), reason: e.to_string() })?;
    // Atomic: a crash mid-write never leaves a truncated key under the real name.
    fs::rename(&tmp, path).map_err(io)
}

/// Loads `config`'s development keys from `dir`, or runs [`dev_setup`] and stores them there.
///
/// # Errors
/// [`KeyError`]: setup failure, unreadable or corrupt files (left in place), or an unwritable
/// directory.
pub fn load_or_dev_setup(dir: &Path, config: &CircuitConfig) -> Result<Keys, KeyError> {
    config.validate()?;
    let stem = dev_key_path(dir, config);
    let (pk_path, vk_path) = (stem.with_extension("pk"), stem.with_extension("vk"));
    if pk_path.exists() && vk_path.exists() {
        let progress = Progress::start(format!("loading {}", pk_path.display()));
        let pk: ProvingKey<Bn254> = read(&pk_path)?;
        let vk: VerifyingKey<Bn254> = read(&vk_path)?;
        progress.finish();
        if pk.vk != vk {
            return Err(KeyError::Corrupt {
                path: pk_path,
                reason: "proving key and verifying key differ".into(),
            });
        }
        let pvk = Groth16::<Bn254>::process_vk(&vk).expect("infallible");
        return Ok(Keys { config: *config, pk, pvk, insecure: true });
    }
    let keys = dev_setup(config)?;
    fs::create_dir_all(dir).map_err(|source| KeyError::Io { path: dir.into(), source })?;
    write(&pk_path, &keys.pk)?;
    write(&vk_path, keys.vk())?;
    Ok(keys)
}

/// The default key cache directory: `$TRIBUNAL_ZK_KEYS`, else `$XDG_CACHE_HOME/tribunal/zk`, else
/// `~/.cache/tribunal/zk`, else `./.tribunal-zk-keys`.
pub fn default_key_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("TRIBUNAL_ZK_KEYS") {
        return dir.into();
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    base.map_or_else(|| PathBuf::from(".tribunal-zk-keys"), |b| b.join("tribunal").join("zk"))
}
