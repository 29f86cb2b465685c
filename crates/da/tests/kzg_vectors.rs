//! The official c-kzg-4844 / consensus-spec KZG reference vectors (`testing/fixtures/kzg`),
//! run through c-kzg with the embedded mainnet trusted setup, and through this crate's sidecar
//! builder where it computes the same values.

use std::path::{Path, PathBuf};

use c_kzg::{Blob, Bytes32, Bytes48, Cell, KzgSettings};
use yaml_rust2::{Yaml, YamlLoader};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testing/fixtures/kzg")
}

fn cases(handler: &str) -> Vec<(String, Yaml)> {
    let dir = fixtures().join(handler).join("kzg-mainnet");
    let mut out: Vec<(String, Yaml)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(path.join("data.yaml")).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, YamlLoader::load_from_str(&text).unwrap().remove(0))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no cases for {handler}");
    out
}

fn bytes(y: &Yaml) -> Option<Vec<u8>> {
    hex::decode(y.as_str()?.trim_start_matches("0x")).ok()
}

fn settings() -> &'static KzgSettings {
    c_kzg::ethereum_kzg_settings(0)
}

/// Parses the inputs, runs `f`, and compares with `output` (`null`: the call must fail).
fn check<T: PartialEq + std::fmt::Debug>(
    name: &str,
    case: &Yaml,
    f: impl FnOnce(&Yaml) -> Option<T>,
    expected: impl FnOnce(&Yaml) -> T,
) {
    let got = f(&case["input"]);
    match &case["output"] {
        Yaml::Null => assert!(got.is_none(), "{name}: expected an error, got {got:?}"),
        out => assert_eq!(got, Some(expected(out)), "{name}"),
    }
}

fn blob(y: &Yaml) -> Option<Blob> {
    Blob::from_bytes(&bytes(y)?).ok()
}
fn b48(y: &Yaml) -> Option<Bytes48> {
    Bytes48::from_bytes(&bytes(y)?).ok()
}
fn b32(y: &Yaml) -> Option<Bytes32> {
    Bytes32::from_bytes(&bytes(y)?).ok()
}
fn list<T>(y: &Yaml, f: impl Fn(&Yaml) -> Option<T>) -> Option<Vec<T>> {
    y.as_vec()?.iter().map(f).collect()
}
fn cell_indices(y: &Yaml) -> Option<Vec<u64>> {
    y.as_vec()?.iter().map(|v| v.as_i64().and_then(|n| u64::try_from(n).ok())).collect()
}
fn cell(y: &Yaml) -> Option<Cell> {
    Cell::from_bytes(&bytes(y)?).ok()
}

/// Blobs are 128 KiB values: run with a stack that holds several.
fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(256 << 20).spawn(f).unwrap().join().unwrap();
}

#[test]
fn eip4844_vectors() {
    with_big_stack(eip4844);
}

#[test]
fn eip7594_vectors() {
    with_big_stack(eip7594);
}

fn eip4844() {
    let s = settings();
    for (name, case) in cases("blob_to_kzg_commitment") {
        check(
            &name,
            &case,
            |i| {
                s.blob_to_kzg_commitment(&blob(&i["blob"])?)
                    .ok()
                    .map(|c| c.to_bytes().into_inner().to_vec())
            },
            |o| bytes(o).unwrap(),
        );
    }
    for (name, case) in cases("compute_blob_kzg_proof") {
        check(
            &name,
            &case,
            |i| {
                s.compute_blob_kzg_proof(&blob(&i["blob"])?, &b48(&i["commitment"])?)
                    .ok()
                    .map(|p| p.to_bytes().into_inner().to_vec())
            },
            |o| bytes(o).unwrap(),
        );
    }
    for (name, case) in cases("compute_kzg_proof") {
        check(
            &name,
            &case,
            |i| {
                let (p, y) = s.compute_kzg_proof(&blob(&i["blob"])?, &b32(&i["z"])?).ok()?;
                Some((p.to_bytes().into_inner().to_vec(), y.as_slice().to_vec()))
            },
            |o| (bytes(&o[0]).unwrap(), bytes(&o[1]).unwrap()),
        );
    }
    for (name, case) in cases("verify_kzg_proof") {
        check(
            &name,
            &case,
            |i| {
                s.verify_kzg_proof(
                    &b48(&i["commitment"])?,
                    &b32(&i["z"])?,
                    &b32(&i["y"])?,
                    &b48(&i["proof"])?,
                )
                .ok()
            },
            |o| o.as_bool().unwrap(),
        );
    }
    for (name, case) in cases("verify_blob_kzg_proof") {
        check(
            &name,
            &case,
            |i| {
                s.verify_blob_kzg_proof(
                    &blob(&i["blob"])?,
                    &b48(&i["commitment"])?,
                    &b48(&i["proof"])?,
                )
                .ok()
            },
            |o| o.as_bool().unwrap(),
        );
    }
    for (name, case) in cases("verify_blob_kzg_proof_batch") {
        check(
            &name,
            &case,
            |i| {
                s.verify_blob_kzg_proof_batch(
                    &list(&i["blobs"], blob)?,
                    &list(&i["commitments"], b48)?,
                    &list(&i["proofs"], b48)?,
                )
                .ok()
            },
            |o| o.as_bool().unwrap(),
        );
    }
}

fn eip7594() {
    let s = settings();
    type CellsAndProofs = (Vec<Vec<u8>>, Vec<Vec<u8>>);
    let expect =
        |o: &Yaml| -> CellsAndProofs { (list(&o[0], bytes).unwrap(), list(&o[1], bytes).unwrap()) };
    let flatten =
        |(cells, proofs): (Box<[Cell; 128]>, Box<[c_kzg::KzgProof; 128]>)| -> CellsAndProofs {
            (
                cells.iter().map(|c| c.to_bytes().to_vec()).collect(),
                proofs.iter().map(|p| p.to_bytes().into_inner().to_vec()).collect(),
            )
        };
    for (name, case) in cases("compute_cells_and_kzg_proofs") {
        check(
            &name,
            &case,
            |i| s.compute_cells_and_kzg_proofs(&blob(&i["blob"])?).ok().map(flatten),
            expect,
        );

        // The sidecar builder computes the same commitment and cell proofs.
        if let Yaml::Null = case["output"] {
            continue;
        }
        let raw = bytes(&case["input"]["blob"]).unwrap();
        let blob = alloy_eips::eip4844::Blob::try_from(raw.as_slice()).unwrap();
        let sidecar = tribunal_da::sidecar_7594(vec![blob]).unwrap();
        let (_, proofs) = expect(&case["output"]);
        let ours: Vec<Vec<u8>> = sidecar.cell_proofs.iter().map(|p| p.to_vec()).collect();
        assert_eq!(ours, proofs, "{name}: sidecar cell proofs");
    }
    for (name, case) in cases("recover_cells_and_kzg_proofs") {
        check(
            &name,
            &case,
            |i| {
                let indices = cell_indices(&i["cell_indices"])?;
                s.recover_cells_and_kzg_proofs(&indices, &list(&i["cells"], cell)?)
                    .ok()
                    .map(flatten)
            },
            expect,
        );
    }
    for (name, case) in cases("verify_cell_kzg_proof_batch") {
        check(
            &name,
            &case,
            |i| {
                let indices = cell_indices(&i["cell_indices"])?;
                s.verify_cell_kzg_proof_batch(
                    &list(&i["commitments"], b48)?,
                    &indices,
                    &list(&i["cells"], cell)?,
                    &list(&i["proofs"], b48)?,
                )
                .ok()
            },
            |o| o.as_bool().unwrap(),
        );
    }
}
