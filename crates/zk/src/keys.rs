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
    sync::{Arc, OnceLock},
};

use ark_bn254::Bn254;
use ark_bn254::{Fr, G1Projective, G2Projective};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{Field, UniformRand};
use ark_groth16::{Groth16, PreparedVerifyingKey, Proof, ProvingKey, VerifyingKey};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use ark_snark::SNARK;
use ark_std::rand::{SeedableRng, rngs::StdRng};
use sha2::{Digest, Sha256};

use crate::{circuit::BatchCircuit, config::CircuitConfig, progress::Progress, prover::R1csShape};

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
    /// The keys of several sizes do not form a set.
    #[error(transparent)]
    Sizes(#[from] crate::sizes::SizesError),
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
    /// Whether the keys come from an insecure setup (the dev setup, or a single-party one): not
    /// from a ceremony.
    pub insecure: bool,
    /// The circuit's R1CS matrices, built on the first proof and shared by clones.
    pub(crate) shape: Arc<OnceLock<Result<Arc<R1csShape>, String>>>,
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
    tracing::warn!(key = %config.key_id(), "running the INSECURE deterministic Groth16 dev setup");
    setup_with(config, &mut dev_rng(config), "INSECURE dev keys", true)
}

/// Runs a single-party setup for `config` with toxic waste drawn from `rng`, dropped when this
/// returns. Unlike [`dev_setup`] nobody can re-derive the trapdoor from a public seed, but the
/// keys are only as trustworthy as the one machine that ran it, so they are still flagged
/// `insecure` (and `INSECURE_DEV_SETUP` on chain): only a ceremony's keys are not (module docs).
/// The keys are not cached.
///
/// # Errors
/// [`KeyError::Config`] or [`KeyError::Setup`].
pub fn single_party_setup(
    config: &CircuitConfig,
    rng: &mut (impl ark_std::rand::RngCore + ark_std::rand::CryptoRng),
) -> Result<Keys, KeyError> {
    setup_with(config, rng, "single-party keys, not a ceremony", true)
}

fn setup_with(
    config: &CircuitConfig,
    rng: &mut (impl ark_std::rand::RngCore + ark_std::rand::CryptoRng),
    label: &str,
    insecure: bool,
) -> Result<Keys, KeyError> {
    config.validate()?;
    let progress = Progress::start(format!("Groth16 setup {} ({label})", config.key_id()));
    let circuit = BatchCircuit { config: *config, witness: None };
    let (pk, vk) = Groth16::<Bn254>::circuit_specific_setup(circuit, rng)
        .map_err(|e| KeyError::Setup(e.to_string()))?;
    progress.finish();
    Ok(Keys {
        config: *config,
        pvk: Groth16::<Bn254>::process_vk(&vk).expect("infallible"),
        pk,
        insecure,
        shape: Arc::default(),
    })
}

/// The toxic waste of [`dev_setup`]'s keys, re-derived from the public seed: why those keys are
/// INSECURE. With it anyone proves any public input ([`Self::forge`]) without a witness. The
/// `zk-self-disagrees` scenario uses it to make the ZK leg approve two post roots for one batch
/// (docs/finality.md rule 5).
#[derive(Clone, Debug)]
pub struct DevTrapdoor {
    alpha: Fr,
    beta: Fr,
    gamma: Fr,
    delta: Fr,
    g1: G1Projective,
    g2: G2Projective,
}

impl DevTrapdoor {
    /// Re-derives the trapdoor of `config`'s dev keys: the draws of ark-groth16 0.6's
    /// `generate_random_parameters_with_reduction` (α, β, γ, δ, then the G1 and G2 generators)
    /// replayed from the dev seed.
    ///
    /// # Errors
    /// [`KeyError::Setup`] when `vk` is not the dev setup's key for `config` (α, β, γ or δ
    /// differs), for
    /// example keys from another setup or another arkworks draw order.
    pub fn derive(config: &CircuitConfig, vk: &VerifyingKey<Bn254>) -> Result<Self, KeyError> {
        let mut rng = dev_rng(config);
        let t = Self {
            alpha: Fr::rand(&mut rng),
            beta: Fr::rand(&mut rng),
            gamma: Fr::rand(&mut rng),
            delta: Fr::rand(&mut rng),
            g1: G1Projective::rand(&mut rng),
            g2: G2Projective::rand(&mut rng),
        };
        if (t.g1 * t.alpha).into_affine() != vk.alpha_g1
            || (t.g2 * t.beta).into_affine() != vk.beta_g2
            || (t.g2 * t.gamma).into_affine() != vk.gamma_g2
            || (t.g2 * t.delta).into_affine() != vk.delta_g2
        {
            return Err(KeyError::Setup("the key is not this configuration's dev key".into()));
        }
        Ok(t)
    }

    /// A proof that `vk` accepts for `inputs`, made without a witness: A = a·G1, B = b·G2 and
    /// C = δ⁻¹·((ab − αβ)·G1 − γ·vk_x) for random a, b, so that
    /// e(A, B) = e(α, β)·e(vk_x, γ)·e(C, δ) (Groth16, EUROCRYPT 2016, §3.2 verification).
    ///
    /// # Errors
    /// [`KeyError::Setup`] when `inputs` does not match the key's public input count.
    pub fn forge(
        &self,
        vk: &VerifyingKey<Bn254>,
        inputs: &[Fr],
        rng: &mut impl ark_std::rand::RngCore,
    ) -> Result<Proof<Bn254>, KeyError> {
        if inputs.len() + 1 != vk.gamma_abc_g1.len() {
            return Err(KeyError::Setup(format!(
                "{} public inputs for a key of {}",
                inputs.len(),
                vk.gamma_abc_g1.len() - 1
            )));
        }
        let vk_x = inputs
            .iter()
            .zip(&vk.gamma_abc_g1[1..])
            .fold(vk.gamma_abc_g1[0].into_group(), |acc, (x, ic)| acc + *ic * x);
        let (a, b) = (Fr::rand(rng), Fr::rand(rng));
        let delta_inv = self.delta.inverse().expect("δ is nonzero");
        let c = (self.g1 * (a * b - self.alpha * self.beta) - vk_x * self.gamma) * delta_inv;
        Ok(Proof {
            a: (self.g1 * a).into_affine(),
            b: (self.g2 * b).into_affine(),
            c: c.into_affine(),
        })
    }
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
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let io = |source| KeyError::Io { path: path.into(), source };
    // A name of this write's own: two setups of the same keys at once (tests in parallel, two
    // processes) must not rename each other's file away.
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("key");
    let tmp = path.with_extension(format!("{ext}.{}.{n}.tmp", std::process::id()));
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
        return Ok(Keys { config: *config, pk, pvk, insecure: true, shape: Arc::default() });
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
