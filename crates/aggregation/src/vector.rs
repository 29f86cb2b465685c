//! Reading Groth16 test vectors in the `tribunal.groth16.bn254.v1` JSON layout
//! (`testing/fixtures/groth16/FORMAT.md`): a key, a proof, public inputs and the expected verdict,
//! as made by provers other than this repository's (gnark for SP1, RISC Zero's wrapper, snarkjs).
//!
//! G2 points there are `{"x": [c0, c1], "y": [c0, c1]}` (real part first); they are reordered to
//! the EVM's imaginary-first words here. Points are checked by [`Circuit::new`] and
//! [`Circuit::check`], not on reading.

use std::path::Path;

use alloy_primitives::U256;
use serde::Deserialize;

use crate::{
    batch::Entry,
    groth16::{Circuit, EncodingError, Proof, VerifyingKey},
};

/// The schema this reads.
pub const SCHEMA: &str = "tribunal.groth16.bn254.v1";

#[derive(Deserialize)]
struct G2Json {
    x: [U256; 2],
    y: [U256; 2],
}

impl G2Json {
    const fn words(&self) -> [U256; 4] {
        [self.x[1], self.x[0], self.y[1], self.y[0]]
    }
}

#[derive(Deserialize)]
struct VkJson {
    alpha_g1: [U256; 2],
    beta_g2: G2Json,
    gamma_g2: G2Json,
    delta_g2: G2Json,
    ic: Vec<[U256; 2]>,
}

#[derive(Deserialize)]
struct ProofJson {
    a: [U256; 2],
    b: G2Json,
    c: [U256; 2],
}

#[derive(Deserialize)]
struct VectorJson {
    schema: String,
    name: String,
    expect: String,
    vk: VkJson,
    proof: ProofJson,
    public_inputs: Vec<U256>,
}

/// One test vector.
#[derive(Clone, Debug)]
pub struct TestVector {
    /// Its name (e.g. `sp1-v6.0.0-fibonacci`).
    pub name: String,
    /// Whether the proof must verify (`"expect": "valid"`).
    pub valid: bool,
    /// The key.
    pub vk: VerifyingKey,
    /// The proof.
    pub proof: Proof,
    /// The public inputs.
    pub inputs: Vec<U256>,
}

/// Why a vector cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// The file cannot be read.
    #[error("read {0}: {1}")]
    Io(String, std::io::Error),
    /// Not JSON of the schema.
    #[error("{0}: {1}")]
    Json(String, serde_json::Error),
    /// Another schema, or an `expect` other than `valid`/`invalid`.
    #[error("{0}: not a {SCHEMA} vector")]
    Schema(String),
    /// Its key is malformed.
    #[error("{0}: {1}")]
    Key(String, EncodingError),
}

impl TestVector {
    /// Reads one vector file.
    ///
    /// # Errors
    /// [`VectorError`].
    pub fn read(path: &Path) -> Result<Self, VectorError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| VectorError::Io(name.clone(), e))?;
        Self::parse(name, &text)
    }

    /// Parses one vector's JSON; `name` is for errors.
    fn parse(name: String, text: &str) -> Result<Self, VectorError> {
        let v: VectorJson =
            serde_json::from_str(text).map_err(|e| VectorError::Json(name.clone(), e))?;
        let valid = match v.expect.as_str() {
            "valid" => true,
            "invalid" => false,
            _ => return Err(VectorError::Schema(name)),
        };
        if v.schema != SCHEMA {
            return Err(VectorError::Schema(name));
        }
        Ok(Self {
            name: v.name,
            valid,
            vk: VerifyingKey {
                alpha: v.vk.alpha_g1,
                beta: v.vk.beta_g2.words(),
                gamma: v.vk.gamma_g2.words(),
                delta: v.vk.delta_g2.words(),
                ic: v.vk.ic.iter().flatten().copied().collect(),
            },
            proof: Proof { a: v.proof.a, b: v.proof.b.words(), c: v.proof.c },
            inputs: v.public_inputs,
        })
    }

    /// Every vector under `dir` (recursively), sorted by path: the `*.json` files whose
    /// `schema` is [`SCHEMA`]; other JSON files (raw sources, constants) are skipped.
    ///
    /// # Errors
    /// [`VectorError`] for an unreadable directory or a malformed vector.
    pub fn read_dir(dir: &Path) -> Result<Vec<Self>, VectorError> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let entries =
                std::fs::read_dir(&d).map_err(|e| VectorError::Io(d.display().to_string(), e))?;
            for entry in entries {
                let path = entry.map_err(|e| VectorError::Io(d.display().to_string(), e))?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "json") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut out = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| VectorError::Io(path.display().to_string(), e))?;
            if text.contains(&format!("\"{SCHEMA}\"")) {
                out.push(Self::parse(path.display().to_string(), &text)?);
            }
        }
        Ok(out)
    }

    /// Its key, checked and prepared.
    ///
    /// # Errors
    /// [`VectorError::Key`].
    pub fn circuit(&self) -> Result<Circuit, VectorError> {
        Circuit::new(self.vk.clone()).map_err(|e| VectorError::Key(self.name.clone(), e))
    }

    /// The proof as a batch entry under its key's id.
    pub fn entry(&self) -> Entry {
        Entry::new(crate::groth16::circuit_id(&self.vk), &self.proof, self.inputs.clone())
    }
}
