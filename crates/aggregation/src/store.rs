//! The aggregator's durable state in redb.
//!
//! | table | key | value |
//! |---|---|---|
//! | `meta` | name | `cursor`: next L1 block to scan; `seq`: next queue number |
//! | `submissions` | submission id | [`Record`] (JSON) |
//! | `queue` | queue number | id of a pending submission, in arrival order |
//! | `batches` | batch root | [`BatchRecord`] (JSON) |
//! | `proofs` | proof id | root of the last batch that verified it |
//! | `inflight` | batch root | [`BatchRecord`] of a batch being sent (at most one) |
//!
//! Collecting (new submissions and the cursor past them) and posting (the batch, its proofs,
//! and every submission it settled leaving the queue) are each one write transaction, so a
//! restart resumes at the last committed step: a submission is pending, or settled exactly once.
//! A batch is written to `inflight` before it is sent; after a crash the service asks L1 whether
//! its root was verified and commits or drops it ([`Store::inflight`]).

use std::path::Path;

use alloy_primitives::B256;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use crate::{batch::Submission, merkle};

const META: TableDefinition<'_, &str, u64> = TableDefinition::new("meta");
const SUBMISSIONS: TableDefinition<'_, [u8; 32], &[u8]> = TableDefinition::new("submissions");
const QUEUE: TableDefinition<'_, u64, [u8; 32]> = TableDefinition::new("queue");
const BATCHES: TableDefinition<'_, [u8; 32], &[u8]> = TableDefinition::new("batches");
const PROOFS: TableDefinition<'_, [u8; 32], [u8; 32]> = TableDefinition::new("proofs");
const INFLIGHT: TableDefinition<'_, [u8; 32], &[u8]> = TableDefinition::new("inflight");

const CURSOR: &str = "cursor";
const SEQ: &str = "seq";

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// redb failed (open, transaction, table, commit).
    #[error("store: {0}")]
    Db(String),
    /// A stored value does not decode: the file is not this version's.
    #[error("store: corrupt value: {0}")]
    Corrupt(#[from] serde_json::Error),
}

macro_rules! db_err {
    ($($t:ty),*) => {$(impl From<$t> for StoreError {
        fn from(e: $t) -> Self { Self::Db(e.to_string()) }
    })*};
}
db_err!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// What became of a submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Waiting for a batch.
    Pending,
    /// Verified in the batch with this root.
    Aggregated {
        /// The batch root.
        root: B256,
    },
    /// Dropped: its proof `index` does not verify (on chain: `rejectSubmission` was sent), or
    /// its batch refused it (`reason`).
    Rejected {
        /// The bad proof, if one was.
        index: Option<usize>,
        /// Why.
        reason: String,
    },
    /// Verified singly on chain: forced after the deadline (`SubmissionForced`), or verified
    /// before it by anyone (`SubmissionVerifiedSingly`).
    Forced,
}

/// A submission the aggregator knows of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The submission.
    pub submission: Submission,
    /// When the aggregator received it, in L1 seconds (block timestamp of the event, or the
    /// head's at an RPC submission).
    pub received_at: u64,
    /// Its status.
    pub status: Status,
}

/// A posted batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// Proof ids in batch order.
    pub proof_ids: Vec<B256>,
    /// The submissions it settled.
    pub submissions: Vec<B256>,
    /// The `aggregate` transaction.
    pub tx_hash: B256,
    /// Its block.
    pub block_number: u64,
    /// Its gas, in gas.
    pub gas_used: u64,
}

/// The aggregator's redb database.
#[derive(Debug)]
pub struct Store {
    db: Database,
}

impl Store {
    /// Opens (or creates) the database at `path`.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path)?;
        let tx = db.begin_write()?;
        {
            tx.open_table(META)?;
            tx.open_table(SUBMISSIONS)?;
            tx.open_table(QUEUE)?;
            tx.open_table(BATCHES)?;
            tx.open_table(PROOFS)?;
            tx.open_table(INFLIGHT)?;
        }
        tx.commit()?;
        Ok(Self { db })
    }

    /// The next L1 block to scan for events.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn cursor(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(tx.open_table(META)?.get(CURSOR)?.map_or(0, |v| v.value()))
    }

    /// Records submissions (a pending one joins the queue, in this order, unless it is there
    /// already) and moves the cursor to `cursor`, in one transaction. A known id's record is
    /// replaced: the caller decides what is new. Returns how many were recorded.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn ingest(&self, records: &[Record], cursor: Option<u64>) -> Result<usize, StoreError> {
        let tx = self.db.begin_write()?;
        let mut added = 0;
        {
            let mut meta = tx.open_table(META)?;
            let mut subs = tx.open_table(SUBMISSIONS)?;
            let mut queue = tx.open_table(QUEUE)?;
            let mut seq = meta.get(SEQ)?.map_or(0, |v| v.value());
            for r in records {
                let key = r.submission.id.0;
                let was_pending = match subs.get(key)? {
                    Some(v) => {
                        serde_json::from_slice::<Record>(v.value())?.status == Status::Pending
                    }
                    None => false,
                };
                subs.insert(key, serde_json::to_vec(r)?.as_slice())?;
                if r.status == Status::Pending && !was_pending {
                    queue.insert(seq, key)?;
                    seq += 1;
                }
                added += 1;
            }
            meta.insert(SEQ, seq)?;
            if let Some(c) = cursor {
                meta.insert(CURSOR, c)?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// A submission's record.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn record(&self, id: B256) -> Result<Option<Record>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(SUBMISSIONS)?;
        Ok(match t.get(id.0)? {
            Some(v) => Some(serde_json::from_slice(v.value())?),
            None => None,
        })
    }

    /// Pending submissions, oldest first.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn pending(&self) -> Result<Vec<Record>, StoreError> {
        let tx = self.db.begin_read()?;
        let queue = tx.open_table(QUEUE)?;
        let subs = tx.open_table(SUBMISSIONS)?;
        let mut out = Vec::new();
        for item in queue.iter()? {
            let (_, id) = item?;
            if let Some(v) = subs.get(id.value())? {
                out.push(serde_json::from_slice(v.value())?);
            }
        }
        Ok(out)
    }

    /// Sets the status of submissions, taking those no longer pending out of the queue.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn set_status(&self, updates: &[(B256, Status)]) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        Self::write_status(&tx, updates)?;
        tx.commit()?;
        Ok(())
    }

    fn write_status(
        tx: &redb::WriteTransaction,
        updates: &[(B256, Status)],
    ) -> Result<(), StoreError> {
        let mut subs = tx.open_table(SUBMISSIONS)?;
        let mut queue = tx.open_table(QUEUE)?;
        let mut leaving = Vec::new();
        for (id, status) in updates {
            let Some(mut r): Option<Record> =
                subs.get(id.0)?.map(|v| serde_json::from_slice(v.value())).transpose()?
            else {
                continue;
            };
            r.status = status.clone();
            subs.insert(id.0, serde_json::to_vec(&r)?.as_slice())?;
            if *status != Status::Pending {
                leaving.push(id.0);
            }
        }
        if !leaving.is_empty() {
            let gone: Vec<u64> = queue
                .iter()?
                .filter_map(|i| i.ok())
                .filter(|(_, id)| leaving.contains(&id.value()))
                .map(|(k, _)| k.value())
                .collect();
            for k in gone {
                queue.remove(k)?;
            }
        }
        Ok(())
    }

    /// Records a posted batch: the batch, where each proof was verified, and every submission it
    /// settled as aggregated, in one transaction.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn commit_batch(&self, root: B256, batch: &BatchRecord) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut batches = tx.open_table(BATCHES)?;
            batches.insert(root.0, serde_json::to_vec(batch)?.as_slice())?;
            let mut proofs = tx.open_table(PROOFS)?;
            for id in &batch.proof_ids {
                proofs.insert(id.0, root.0)?;
            }
        }
        tx.open_table(INFLIGHT)?.retain(|_, _| false)?;
        let updates: Vec<_> =
            batch.submissions.iter().map(|s| (*s, Status::Aggregated { root })).collect();
        Self::write_status(&tx, &updates)?;
        tx.commit()?;
        Ok(())
    }

    /// Notes that the batch with `root` is about to be sent (replacing any other), or, with
    /// `None`, that the one being sent was refused.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn set_inflight(&self, batch: Option<(B256, &BatchRecord)>) -> Result<(), StoreError> {
        let tx = self.db.begin_write()?;
        {
            let mut t = tx.open_table(INFLIGHT)?;
            t.retain(|_, _| false)?;
            if let Some((root, b)) = batch {
                t.insert(root.0, serde_json::to_vec(b)?.as_slice())?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The batch being sent when the service last stopped, if it did not finish.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn inflight(&self) -> Result<Option<(B256, BatchRecord)>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(INFLIGHT)?;
        let Some(item) = t.iter()?.next() else { return Ok(None) };
        let (k, v) = item?;
        Ok(Some((B256::from(k.value()), serde_json::from_slice(v.value())?)))
    }

    /// A posted batch.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn batch(&self, root: B256) -> Result<Option<BatchRecord>, StoreError> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(BATCHES)?;
        Ok(match t.get(root.0)? {
            Some(v) => Some(serde_json::from_slice(v.value())?),
            None => None,
        })
    }

    /// Number of posted batches.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn batch_count(&self) -> Result<u64, StoreError> {
        let tx = self.db.begin_read()?;
        Ok(redb::ReadableTableMetadata::len(&tx.open_table(BATCHES)?)?)
    }

    /// Where `proof_id` was verified: the batch root and the Merkle path to it.
    ///
    /// # Errors
    /// [`StoreError`].
    pub fn inclusion(&self, proof_id: B256) -> Result<Option<(B256, Vec<B256>)>, StoreError> {
        let root = {
            let tx = self.db.begin_read()?;
            let t = tx.open_table(PROOFS)?;
            match t.get(proof_id.0)? {
                Some(v) => B256::from(v.value()),
                None => return Ok(None),
            }
        };
        let Some(batch) = self.batch(root)? else { return Ok(None) };
        let index = batch.proof_ids.iter().position(|p| *p == proof_id);
        Ok(index.and_then(|i| merkle::path(&batch.proof_ids, i)).map(|p| (root, p)))
    }
}
